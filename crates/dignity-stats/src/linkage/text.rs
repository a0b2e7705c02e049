//! String normalisation and similarity for person records.
//!
//! Records in human-rights documentation come from many languages and
//! scripts. Names are reduced to lowercase Latin letters (Cyrillic and Arabic
//! script transliterated, Latin diacritics removed) so that the same person
//! written by a Russian- and an English-speaking documenter compare equal,
//! and known spelling variants (Arabic romanisations such as
//! Mohammed/Muhammad/Mohamed, common English nicknames) share a canonical
//! form.

/// Transliterate one character to lowercase Latin, returning the
/// replacement (possibly empty) or `None` to keep the (lowercased) character.
fn translit(c: char) -> Option<&'static str> {
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
        'ю' => "yu",
        'я' => "ya",
        // Serbian and Macedonian Cyrillic letters, as in Serbian Latin without diacritics
        // (Ђорђевић = Đorđević = dordevic; Јовановић = Jovanović = jovanovic)
        'ђ' | 'ѓ' => "d",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' | 'ќ' => "c",
        'џ' => "dz",
        'ѕ' => "dz",
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

/// Jaro–Winkler similarity (prefix scale 0.1, up to 4 characters).
pub fn jaro_winkler(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (s1, s2) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let window = (s2.len() / 2).saturating_sub(1);
    let mut m2 = [false; 128];
    let mut m2v = vec![];
    let flags: &mut [bool] = if s2.len() <= 128 {
        &mut m2[..s2.len()]
    } else {
        m2v.resize(s2.len(), false);
        &mut m2v[..]
    };
    let mut matches = 0usize;
    let mut s1m = [0usize; 128];
    let mut s1mv: Vec<usize> = vec![];
    for (i, &c) in s1.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(s2.len());
        for j in lo..hi {
            if !flags[j] && s2[j] == c {
                flags[j] = true;
                if matches < 128 {
                    s1m[matches] = i;
                } else {
                    s1mv.push(i);
                }
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let idx1: Vec<usize> = s1m
        .iter()
        .take(matches.min(128))
        .copied()
        .chain(s1mv)
        .collect();
    let mut trans = 0usize;
    let mut k = 0usize;
    for (j, &f) in flags.iter().enumerate() {
        if f {
            if s1[idx1[k]] != s2[j] {
                trans += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    let jaro = (m / s1.len() as f64 + m / s2.len() as f64 + (m - (trans / 2) as f64) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// Damerau–Levenshtein distance (optimal string alignment), capped: returns
/// `cap + 1` as soon as the distance must exceed `cap`.
pub fn damerau_levenshtein(a: &[char], b: &[char], cap: usize) -> usize {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > cap {
        return cap + 1;
    }
    if n == 0 || m == 0 {
        return n.max(m);
    }
    let w = m + 1;
    let mut d = vec![0usize; (n + 1) * w];
    for (j, v) in d.iter_mut().enumerate().take(m + 1) {
        *v = j;
    }
    for i in 1..=n {
        d[i * w] = i;
        let mut row_min = usize::MAX;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > cap {
            return cap + 1;
        }
    }
    d[n * w + m].min(cap + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

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
        // Serbian Cyrillic and Serbian Latin write the same names
        assert_eq!(
            normalise("Јовановић Љиљана"),
            normalise("Jovanović Ljiljana")
        );
        assert_eq!(normalise("Ђорђе Џаковић"), "dorde dzakovic");
    }

    #[test]
    fn soundex_reference_values() {
        assert_eq!(soundex("robert"), "R163");
        assert_eq!(soundex("rupert"), "R163");
        assert_eq!(soundex("ashcraft"), "A261");
        assert_eq!(soundex("tymczak"), "T522");
        assert_eq!(soundex("pfister"), "P236");
    }

    #[test]
    fn jaro_winkler_reference_values() {
        assert!((jaro_winkler(&c("martha"), &c("marhta")) - 0.961_111).abs() < 1e-5);
        assert!((jaro_winkler(&c("dwayne"), &c("duane")) - 0.84).abs() < 1e-5);
        assert!((jaro_winkler(&c("dixon"), &c("dicksonx")) - 0.813_333).abs() < 1e-5);
        assert_eq!(jaro_winkler(&c("abc"), &c("xyz")), 0.0);
    }

    #[test]
    fn damerau_levenshtein_values() {
        assert_eq!(damerau_levenshtein(&c("ca"), &c("ac"), 3), 1);
        assert_eq!(damerau_levenshtein(&c("kitten"), &c("sitting"), 5), 3);
        assert_eq!(damerau_levenshtein(&c("kitten"), &c("sitting"), 1), 2);
        assert_eq!(damerau_levenshtein(&c("abc"), &c("abc"), 0), 0);
    }
}
