//! Text analysis per language: a word tokenizer that keeps combining marks inside words
//! (Arabic harakat would otherwise split words), lowercasing, diacritic folding (ASCII
//! folding for Latin scripts; alef/hamza/ta marbuta/alef maqsura and harakat for Arabic;
//! ё → е for Russian) and tantivy's Snowball stemmers.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer, TokenizerManager,
};

/// The languages with their own analyzer; text in any other language goes to `xx`
/// (folded, not stemmed).
pub const LANGS: [&str; 6] = ["en", "fr", "es", "ru", "ar", "xx"];

/// The field-suffix language for a language code.
pub fn lang_slot(code: &str) -> &'static str {
    match code.trim().to_ascii_lowercase().get(..2).unwrap_or("") {
        "en" => "en",
        "fr" => "fr",
        "es" => "es",
        "ru" => "ru",
        "ar" => "ar",
        _ => "xx",
    }
}

pub fn analyzer_name(slot: &str) -> String {
    format!("dignity_{slot}")
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x0640 | 0x06D6..=0x06ED)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_mark(c)
}

/// Splits on everything that is neither a letter, a digit nor a combining mark.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

pub struct WordTokenStream<'a> {
    text: &'a str,
    chars: std::str::CharIndices<'a>,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        WordTokenStream {
            text,
            chars: text.char_indices(),
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        while let Some((from, c)) = self.chars.next() {
            if c.is_alphanumeric() {
                let to = self
                    .chars
                    .find(|(_, c)| !is_word_char(*c))
                    .map(|(o, _)| o)
                    .unwrap_or(self.text.len());
                self.token.offset_from = from;
                self.token.offset_to = to;
                self.token.text.push_str(&self.text[from..to]);
                return true;
            }
        }
        false
    }
    fn token(&self) -> &Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Arabic orthographic normalisation: alef with hamza/madda/wasla → alef, alef maqsura →
/// ya, ta marbuta → ha, hamza on waw/ya → waw/ya; harakat, superscript alef and tatweel
/// removed. Documenters type the same word with and without these.
pub fn normalise_arabic(s: &str, out: &mut String) {
    out.clear();
    for c in s.chars() {
        let r = match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            'ؤ' => 'و',
            'ئ' => 'ي',
            c if is_mark(c) => continue,
            c => c,
        };
        out.push(r);
    }
}

/// Russian: ё is written е in most texts.
pub fn normalise_russian(s: &str, out: &mut String) {
    out.clear();
    for c in s.chars() {
        out.push(match c {
            'ё' => 'е',
            'Ё' => 'Е',
            c => c,
        });
    }
}

/// A token filter applying a text normalisation function.
#[derive(Clone, Copy)]
pub struct MapFilter(pub fn(&str, &mut String));

impl TokenFilter for MapFilter {
    type Tokenizer<T: Tokenizer> = MapFilterTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> MapFilterTokenizer<T> {
        MapFilterTokenizer {
            inner: tokenizer,
            f: self.0,
            buf: String::new(),
        }
    }
}

#[derive(Clone)]
pub struct MapFilterTokenizer<T> {
    inner: T,
    f: fn(&str, &mut String),
    buf: String,
}

impl<T: Tokenizer> Tokenizer for MapFilterTokenizer<T> {
    type TokenStream<'a> = MapFilterStream<'a, T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MapFilterStream {
            tail: self.inner.token_stream(text),
            f: self.f,
            buf: &mut self.buf,
        }
    }
}

pub struct MapFilterStream<'a, S> {
    tail: S,
    f: fn(&str, &mut String),
    buf: &'a mut String,
}

impl<S: TokenStream> TokenStream for MapFilterStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        if !self.tail.token().text.is_ascii() {
            (self.f)(&self.tail.token().text, self.buf);
            std::mem::swap(&mut self.tail.token_mut().text, self.buf);
        }
        true
    }
    fn token(&self) -> &Token {
        self.tail.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The analyzer of a language slot.
pub fn analyzer(slot: &str) -> TextAnalyzer {
    let base = TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser);
    match slot {
        "en" => base
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build(),
        "fr" => base
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::French))
            .build(),
        "es" => base
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::Spanish))
            .build(),
        "ru" => base
            .filter(MapFilter(normalise_russian))
            .filter(Stemmer::new(Language::Russian))
            .build(),
        "ar" => base
            .filter(MapFilter(normalise_arabic))
            .filter(Stemmer::new(Language::Arabic))
            .build(),
        _ => base
            .filter(MapFilter(normalise_arabic))
            .filter(AsciiFoldingFilter)
            .build(),
    }
}

/// Register every analyzer with an index's tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    for slot in LANGS {
        manager.register(&analyzer_name(slot), analyzer(slot));
    }
}

/// The tokens an analyzer makes of a text (for queries and tests).
pub fn tokens(slot: &str, text: &str) -> Vec<String> {
    let mut a = analyzer(slot);
    let mut s = a.token_stream(text);
    let mut out = Vec::new();
    while s.advance() {
        out.push(s.token().text.clone());
    }
    out
}

/// Split a query into words (before per-language analysis).
pub fn query_words(q: &str) -> Vec<String> {
    let mut t = WordTokenizer::default();
    let mut s = t.token_stream(q);
    let mut out = Vec::new();
    while s.advance() {
        out.push(s.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_folds_per_language() {
        assert_eq!(tokens("en", "Tortured detainees"), ["tortur", "detaine"]);
        assert_eq!(tokens("en", "torture"), tokens("en", "tortured"));
        assert_eq!(
            tokens("fr", "détentions arbitraires"),
            tokens("fr", "detention arbitraire")
        );
        assert_eq!(
            tokens("es", "desapariciones forzadas"),
            tokens("es", "desaparición forzada")
        );
        assert_eq!(tokens("ru", "пытками"), tokens("ru", "пытки"));
        assert_eq!(tokens("ru", "ёлка"), tokens("ru", "елка"));
        // Arabic: harakat, hamza forms and ta marbuta do not matter.
        assert_eq!(tokens("ar", "مَدْرَسَة"), tokens("ar", "مدرسه"));
        assert_eq!(tokens("ar", "أحمد"), tokens("ar", "احمد"));
        assert_eq!(tokens("ar", "التعذيب").len(), 1);
        assert_eq!(tokens("xx", "Prishtinë"), ["prishtine"]);
    }

    #[test]
    fn slots() {
        assert_eq!(lang_slot("fr-CH"), "fr");
        assert_eq!(lang_slot("sq"), "xx");
        assert_eq!(query_words("l'homme, tortures"), ["l", "homme", "tortures"]);
    }
}
