//! Name normalisation shared by record linkage (`dignity-stats`) and search
//! (`dignity-search`).
//!
//! Records in human-rights documentation come from many languages and
//! scripts. Names are reduced to lowercase Latin letters (Cyrillic and Arabic
//! script transliterated, Latin diacritics removed) so that the same person
//! written by a Russian- and an English-speaking documenter compare equal,
//! and known spelling variants (Arabic romanisations such as
//! Mohammed/Muhammad/Mohamed, common English nicknames) share a canonical
//! form. [`skeleton`] folds further, for search: Serbian, Croatian and
//! Albanian spellings of the same name (Jovanović / Jovanoviq / Јовановић)
//! share one consonant skeleton.

/// Transliterate one character to lowercase Latin, returning the
/// replacement (possibly empty) or `None` to keep the (lowercased) character.
pub fn translit(c: char) -> Option<&'static str> {
    Some(match c {
        // Latin with diacritics
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        // Cyrillic (Russian, Ukrainian, Belarusian; BGN/PCGN-like)
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'ї' => "yi",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        // Serbian and Macedonian Cyrillic (as Serbian Latin: ђ = đ, ћ = ć, џ = dž)
        'ђ' => "d",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dz",
        'ѓ' => "g",
        'ќ' => "k",
        'ѕ' => "dz",
        'ю' => "yu",
        'я' => "ya",
        // Arabic script (consonantal skeleton; short vowels are unwritten)
        'ا' | 'أ' | 'آ' | 'ى' | 'ة' => "a",
        'إ' => "i",
        'ب' => "b",
        'ت' | 'ط' => "t",
        'ث' => "th",
        'ج' => "j",
        'ح' | 'ه' => "h",
        'خ' => "kh",
        'د' | 'ض' => "d",
        'ذ' => "dh",
        'ر' => "r",
        'ز' | 'ظ' => "z",
        'س' | 'ص' => "s",
        'ش' => "sh",
        'ع' | 'ء' => "",
        'غ' => "gh",
        'ف' => "f",
        'ق' => "q",
        'ك' => "k",
        'ل' => "l",
        'م' => "m",
        'ن' => "n",
        'و' | 'ؤ' => "w",
        'ي' | 'ئ' => "y",
        // Arabic diacritics (harakat) and tatweel
        '\u{064B}'..='\u{0652}' | 'ـ' => "",
        _ => return None,
    })
}

/// Lowercase, transliterate to Latin, keep letters/digits, and collapse
/// punctuation and whitespace into single spaces.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars() {
        for lc in c.to_lowercase() {
            if let Some(r) = translit(lc) {
                if !r.is_empty() {
                    out.push_str(r);
                    space = false;
                }
            } else if lc.is_alphanumeric() {
                out.push(lc);
                space = false;
            } else if lc == '\'' || lc == '’' || lc == 'ʼ' {
                // O'Brien = OBrien
            } else if !space {
                out.push(' ');
                space = true;
            }
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Canonical spelling of one name token: Arabic romanisation variants and
/// common English hypocorisms map to one form.
pub fn canonical_token(t: &str) -> &str {
    match t {
        "mohammed" | "muhammad" | "mohamed" | "mohammad" | "muhammed" | "mohamad" | "muhamad"
        | "muhamed" | "mohamud" | "mehmet" | "mehmed" | "mahomed" | "mohammod" | "mouhamed"
        | "muhammet" | "mhmd" => "muhammad",
        "ahmed" | "ahmad" | "ahmet" | "achmed" | "ahmd" => "ahmad",
        "mahmoud" | "mahmud" | "mahmood" | "mhmwd" => "mahmud",
        "hussein" | "husein" | "hussain" | "husain" | "husayn" | "hossein" | "hussien" | "hsyn" => {
            "husayn"
        }
        "hassan" | "hasan" | "hsn" => "hasan",
        "omar" | "umar" | "omer" => "umar",
        "osama" | "usama" | "usamah" => "usama",
        "yusuf" | "yousef" | "youssef" | "yousif" | "yusef" | "youssouf" | "ywsf" => "yusuf",
        "ibrahim" | "ebrahim" | "ibraheem" => "ibrahim",
        "mustafa" | "mostafa" | "moustafa" | "mustapha" => "mustafa",
        "khaled" | "khalid" => "khalid",
        "abdullah" | "abdallah" | "abdulla" => "abdullah",
        "abdul" | "abdel" | "abdal" | "abd" => "abd",
        "al" | "el" | "ul" => "al",
        "fatima" | "fatma" | "fatimah" | "fatemeh" => "fatima",
        "aisha" | "aicha" | "ayesha" | "aysha" | "aishah" => "aisha",
        "ali" | "aly" => "ali",
        "said" | "saeed" | "sayed" | "sayid" | "saied" => "said",
        "karim" | "kareem" => "karim",
        "jamal" | "gamal" => "jamal",
        "nasser" | "naser" | "nasir" => "nasir",
        // English hypocorisms frequent in historical and administrative records
        "tom" | "tommy" | "thos" => "thomas",
        "bob" | "bobby" | "rob" | "robbie" | "bert" => "robert",
        "bill" | "billy" | "will" | "willie" | "wm" => "william",
        "jim" | "jimmy" | "jamie" | "jas" => "james",
        "jack" | "johnny" | "jon" | "jno" => "john",
        "dick" | "rick" | "ricky" => "richard",
        "ted" | "ed" | "eddie" | "ned" => "edward",
        "harry" | "hal" => "henry",
        "kate" | "katie" | "kathy" | "kitty" => "catherine",
        "peggy" | "meg" | "maggie" => "margaret",
        "betty" | "liz" | "lizzie" | "beth" | "bess" | "eliza" => "elizabeth",
        "sam" | "sammy" => "samuel",
        "ben" => "benjamin",
        "dan" | "danny" => "daniel",
        "dave" | "davy" => "david",
        "mike" | "mick" => "michael",
        "nick" => "nicholas",
        "pat" | "paddy" => "patrick",
        "tony" => "anthony",
        "joe" => "joseph",
        "fred" | "freddie" => "frederick",
        "charlie" | "chas" => "charles",
        "alex" | "sandy" => "alexander",
        "andy" => "andrew",
        "steve" => "stephen",
        "chris" => "christopher",
        "matt" => "matthew",
        "geoff" => "geoffrey",
        "greg" => "gregory",
        "phil" => "philip",
        "tim" => "timothy",
        "walt" => "walter",
        "georgie" | "geo" => "george",
        "polly" | "molly" => "mary",
        "sally" => "sarah",
        "nancy" | "annie" | "nan" => "anne",
        "dolly" => "dorothy",
        "sue" | "susie" => "susan",
        "jenny" => "jane",
        other => other,
    }
}

/// Canonical form of a whole (normalised) name.
pub fn canonical(norm: &str) -> String {
    let mut out = String::with_capacity(norm.len());
    for (k, t) in norm.split(' ').filter(|t| !t.is_empty()).enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(canonical_token(t));
    }
    out
}

/// American Soundex of one ASCII token (4 characters), empty if the token
/// has no letter. Coarse but robust to vowel changes, which is what
/// romanisation variants differ in.
pub fn soundex(t: &str) -> String {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0',
        }
    }
    let letters: Vec<u8> = t.bytes().filter(|b| b.is_ascii_lowercase()).collect();
    let Some(&first) = letters.first() else {
        return String::new();
    };
    let mut out = vec![first.to_ascii_uppercase()];
    let mut last = code(first);
    for &c in &letters[1..] {
        let d = code(c);
        if d == b'h' {
            continue; // h and w do not separate equal codes
        }
        if d != b'0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push(b'0');
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Phonetic key of a normalised multi-token name: Soundex of each canonical token.
pub fn phonetic(norm: &str) -> String {
    norm.split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| soundex(canonical_token(t)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Consonant skeleton of one normalised (ASCII) token, for spelling- and
/// script-tolerant search: digraphs of the Latin orthographies and
/// romanisations in use for the same sounds fold together (Serbian/Croatian
/// č ć → c, Albanian q ç → c, English/Russian ch ts → c; sh → s, zh → z,
/// kh → h, dj gj → d, dz xh → z, c k q → k), vowels after the first letter
/// are dropped and doubled letters collapse. `jovanovic`, `jovanoviq`,
/// `jovanovich` all give `jvnvk`.
pub fn skeleton(t: &str) -> String {
    let t = canonical_token(t);
    let b = t.as_bytes();
    let mut folded: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let (out, used): (&[u8], usize) = if rest.starts_with(b"shch") {
            (b"s", 4)
        } else if rest.starts_with(b"tsh") {
            (b"k", 3)
        } else {
            match rest {
                [b's', b'h', ..] => (b"s", 2),
                [b'z', b'h', ..] => (b"z", 2),
                [b'c', b'h', ..] | [b't', b's', ..] | [b'c', b'k', ..] => (b"k", 2),
                [b'k', b'h', ..] => (b"h", 2),
                [b'g', b'h', ..] => (b"g", 2),
                [b'd', b'h', ..] | [b'd', b'j', ..] | [b'g', b'j', ..] => (b"d", 2),
                [b'd', b'z', ..] | [b'x', b'h', ..] => (b"z", 2),
                [b't', b'h', ..] => (b"t", 2),
                [b'p', b'h', ..] => (b"f", 2),
                [b'c', ..] | [b'q', ..] => (b"k", 1),
                [b'w', ..] => (b"v", 1),
                [b'y', ..] => (b"i", 1),
                [b'x', ..] => (b"ks", 1),
                [c, ..] => (std::slice::from_ref(c), 1),
                [] => (b"", 1),
            }
        };
        folded.extend_from_slice(out);
        i += used;
    }
    let mut out = String::with_capacity(folded.len());
    for (k, &c) in folded.iter().enumerate() {
        let vowel = matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
        if k > 0 && vowel {
            continue;
        }
        if out.as_bytes().last() == Some(&c) {
            continue;
        }
        out.push(c as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliteration_and_romanisation() {
        assert_eq!(normalise("  José  MARÍA-López "), "jose maria lopez");
        assert_eq!(normalise("Владимир Путин"), "vladimir putin");
        assert_eq!(normalise("O'Brien"), "obrien");
        assert_eq!(canonical("mohamed ali"), canonical("muhammad ali"));
        assert_eq!(canonical(&normalise("Mohammed")), "muhammad");
        assert_eq!(canonical("tom"), "thomas");
        // Arabic script reduces to its consonantal skeleton, and frequent
        // skeletons are known spellings
        assert_eq!(normalise("محمد"), "mhmd");
        assert_eq!(canonical(&normalise("محمد")), canonical("mohamed"));
        assert_eq!(phonetic("mohamed"), phonetic("muhammad"));
    }

    #[test]
    fn serbian_cyrillic_and_albanian_forms_share_a_skeleton() {
        assert_eq!(normalise("Јовановић"), "jovanovic");
        assert_eq!(normalise("Ђорђе Њежић"), "dorde njezhic");
        assert_eq!(skeleton("njezhic"), skeleton(&normalise("Nježić")));
        let k = skeleton("jovanovic");
        assert_eq!(k, "jvnvk");
        for v in [
            "Jovanović",
            "Jovanoviq",
            "Јовановић",
            "Jovanovich",
            "JOVANOVIC",
        ] {
            assert_eq!(skeleton(&normalise(v)), k, "{v}");
        }
        assert_eq!(skeleton("ivanov"), skeleton(&normalise("Иванов")));
        assert_eq!(skeleton("hoxha"), skeleton(&normalise("Хоџа")));
        assert_ne!(skeleton("jovanovic"), skeleton("petrovic"));
    }

    #[test]
    fn soundex_reference_values() {
        assert_eq!(soundex("robert"), "R163");
        assert_eq!(soundex("rupert"), "R163");
        assert_eq!(soundex("ashcraft"), "A261");
        assert_eq!(soundex("tymczak"), "T522");
        assert_eq!(soundex("pfister"), "P236");
    }
}
