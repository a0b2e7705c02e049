//! Field-level encryption and blind indexes.
//!
//! Names, contact details and exact locations of the people in the data are stored as
//! XChaCha20-Poly1305 ciphertexts under a data key that never enters the database. The
//! associated data binds each ciphertext to its table, column and row: a value
//! `enc:v2:<key id>:<base64>` is sealed with the associated data `table.column#<row>`,
//! where `<row>` is the row's primary key (its `id`; the values of a composite key joined
//! by `,`; the `key` of `settings`), so a ciphertext copied into another column or another
//! row does not decrypt. Values of the older format `enc:v1:` (associated data
//! `table.column` only) still decrypt; key rotation rewrites them as `enc:v2:`. Equality look-ups (find a person by exact name)
//! use a keyed blind index: HMAC-SHA256 of the normalised value under a separate index key.
//!
//! Key material is a small JSON document ([`Keyring`]) kept in a file outside the
//! database (or supplied through a mounted secret). Rotation adds a new data key and makes
//! it current; old keys stay until every field has been re-encrypted.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Prefix of every encrypted field value written now (row-bound, see the module doc).
pub const PREFIX: &str = "enc:v2:";
/// Prefix of the older values, bound to their column only (still read; rotation rewrites
/// them with [`PREFIX`]).
pub const PREFIX_V1: &str = "enc:v1:";

/// Prefix of a value encrypted under a person's own key (crypto-shredding, see
/// [`PersonKey`]): `enc:p1:<person id>:<base64>`, associated data `table.column#row` as
/// for `v2`.
pub const PREFIX_PERSON: &str = "enc:p1:";
/// What an erased person's personal fields hold once erasure overwrote them.
pub const ERASED: &str = "enc:p1:erased";

/// The associated data of a `v2` value: `table.column#row`.
pub fn row_aad(field: &str, row: &str) -> String {
    format!("{field}#{row}")
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the key file is not valid: {0}")]
    BadKeyFile(String),
    #[error("value is not an encrypted field")]
    NotEncrypted,
    #[error("encrypted with key {0:?}, which is not in the key file")]
    UnknownKey(String),
    #[error("decryption failed: wrong key, a value moved from another field or row, or the value was tampered with")]
    Decrypt,
}

/// The key of one person's personal fields (crypto-shredding). Kept outside the database
/// and its backups, wrapped under the data key ([`Keyring::wrap_person_key`]); destroying
/// it makes every copy of the person's fields, in every older backup too, unreadable.
#[derive(Clone)]
pub struct PersonKey([u8; 32]);

impl std::fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKey(..)")
    }
}

impl PersonKey {
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        PersonKey(k)
    }

    /// Encrypt `plaintext` for the field `field` of the row `row` of the person `person`:
    /// an `enc:p1:<person>:` value.
    pub fn encrypt(
        &self,
        person: i64,
        field: &str,
        row: impl std::fmt::Display,
        plaintext: &str,
    ) -> String {
        let aad = row_aad(field, &row.to_string());
        let blob = seal_with(&self.0, &aad, plaintext.as_bytes());
        format!("{PREFIX_PERSON}{person}:{}", B64.encode(blob))
    }

    /// Decrypt a value made by [`PersonKey::encrypt`] for the same field and row.
    pub fn decrypt(
        &self,
        field: &str,
        row: impl std::fmt::Display,
        value: &str,
    ) -> Result<String, CryptoError> {
        let rest = value
            .strip_prefix(PREFIX_PERSON)
            .ok_or(CryptoError::NotEncrypted)?;
        let (_, b64) = rest.split_once(':').ok_or(CryptoError::NotEncrypted)?;
        let blob = B64.decode(b64).map_err(|_| CryptoError::Decrypt)?;
        let pt = open_with(&self.0, &row_aad(field, &row.to_string()), &blob)?;
        String::from_utf8(pt).map_err(|_| CryptoError::Decrypt)
    }
}

/// The person whose key encrypted `value`, if it is an `enc:p1:` value (not [`ERASED`]).
pub fn person_of(value: &str) -> Option<i64> {
    value
        .strip_prefix(PREFIX_PERSON)?
        .split_once(':')?
        .0
        .parse()
        .ok()
}

fn person_key_aad(person: i64) -> String {
    format!("person-key#{person}")
}

/// XChaCha20-Poly1305 with a random nonce: `nonce || ciphertext`.
fn seal_with(key: &[u8; 32], aad: &str, msg: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = XChaCha20Poly1305::new(key.into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg,
                aad: aad.as_bytes(),
            },
        )
        .expect("encryption does not fail");
    let mut blob = nonce.to_vec();
    blob.extend_from_slice(&ct);
    blob
}

fn open_with(key: &[u8; 32], aad: &str, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if blob.len() < 24 + 16 {
        return Err(CryptoError::Decrypt);
    }
    let (nonce, ct) = blob.split_at(24);
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Decrypt)
}

#[derive(Clone, Serialize, Deserialize)]
pub struct DataKey {
    pub id: String,
    /// 32 bytes, base64.
    pub key: String,
    pub created: String,
}

/// All key material of one installation.
#[derive(Clone, Serialize, Deserialize)]
pub struct Keyring {
    pub version: u32,
    pub current: String,
    pub data_keys: Vec<DataKey>,
    /// Key of the blind index (base64, 32 bytes).
    pub index_key: String,
    /// Key of the audit hash chain (base64, 32 bytes).
    pub audit_key: String,
    /// Key for CSRF tokens and other server-side MACs (base64, 32 bytes).
    pub server_key: String,
    /// The ready ciphers of the data keys used so far (not serialised).
    #[serde(skip)]
    ciphers: CipherCache,
}

/// The data keys' ciphers, decoded once instead of on every value. Each entry remembers the
/// key text it was built from and is used only while the data key of that id still has
/// that text: the key ring's fields are public and may be changed (a rotation adds a key,
/// a test replaces one), and a stale cipher must never be used. A clone copies the entries.
#[derive(Default)]
struct CipherCache(std::sync::RwLock<Vec<CachedCipher>>);

#[derive(Clone)]
struct CachedCipher {
    id: String,
    key_text: String,
    cipher: XChaCha20Poly1305,
}

impl Clone for CipherCache {
    fn clone(&self) -> Self {
        CipherCache(std::sync::RwLock::new(
            self.0.read().map(|v| v.clone()).unwrap_or_default(),
        ))
    }
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("data_keys", &self.data_keys.len())
            .finish_non_exhaustive()
    }
}

fn random_key() -> String {
    let mut k = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut k);
    B64.encode(k)
}

fn decode_key(s: &str, what: &str) -> Result<[u8; 32], CryptoError> {
    let v = B64
        .decode(s)
        .map_err(|_| CryptoError::BadKeyFile(format!("{what} is not base64")))?;
    v.try_into()
        .map_err(|_| CryptoError::BadKeyFile(format!("{what} must be 32 bytes")))
}

impl Keyring {
    pub fn generate(now: &str) -> Self {
        Keyring {
            version: 1,
            current: "k1".into(),
            data_keys: vec![DataKey {
                id: "k1".into(),
                key: random_key(),
                created: now.into(),
            }],
            index_key: random_key(),
            audit_key: random_key(),
            server_key: random_key(),
            ciphers: CipherCache::default(),
        }
    }

    pub fn from_json(s: &str) -> Result<Self, CryptoError> {
        let k: Keyring =
            serde_json::from_str(s).map_err(|e| CryptoError::BadKeyFile(e.to_string()))?;
        for dk in &k.data_keys {
            decode_key(&dk.key, &format!("data key {}", dk.id))?;
        }
        if !k.data_keys.iter().any(|d| d.id == k.current) {
            return Err(CryptoError::BadKeyFile(format!(
                "current key {:?} is not among the data keys",
                k.current
            )));
        }
        decode_key(&k.index_key, "index_key")?;
        decode_key(&k.audit_key, "audit_key")?;
        decode_key(&k.server_key, "server_key")?;
        Ok(k)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("keyring serialises")
    }

    pub fn audit_key(&self) -> Vec<u8> {
        decode_key(&self.audit_key, "audit_key")
            .expect("validated")
            .to_vec()
    }

    pub fn server_key(&self) -> Vec<u8> {
        decode_key(&self.server_key, "server_key")
            .expect("validated")
            .to_vec()
    }

    /// Add a fresh data key and make it current. Returns its id.
    pub fn rotate(&mut self, now: &str) -> String {
        let n = self
            .data_keys
            .iter()
            .filter_map(|d| d.id.strip_prefix('k').and_then(|x| x.parse::<u32>().ok()))
            .max()
            .unwrap_or(0)
            + 1;
        let id = format!("k{n}");
        self.data_keys.push(DataKey {
            id: id.clone(),
            key: random_key(),
            created: now.into(),
        });
        self.current = id.clone();
        id
    }

    /// Drop every data key but the current one (after re-encryption finished).
    pub fn retire_old_keys(&mut self) {
        let cur = self.current.clone();
        self.data_keys.retain(|d| d.id == cur);
    }

    /// The cipher of the data key `id`: built once per key (base64 decoding and key setup),
    /// then taken from the cache (see [`CipherCache`]).
    fn cipher(&self, id: &str) -> Result<XChaCha20Poly1305, CryptoError> {
        let dk = self
            .data_keys
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| CryptoError::UnknownKey(id.into()))?;
        if let Ok(cache) = self.ciphers.0.read() {
            if let Some(c) = cache.iter().find(|c| c.id == id && c.key_text == dk.key) {
                return Ok(c.cipher.clone());
            }
        }
        let key = decode_key(&dk.key, "data key")?;
        let cipher = XChaCha20Poly1305::new(&key.into());
        if let Ok(mut cache) = self.ciphers.0.write() {
            cache.retain(|c| c.id != id);
            cache.push(CachedCipher {
                id: id.to_string(),
                key_text: dk.key.clone(),
                cipher: cipher.clone(),
            });
        }
        Ok(cipher)
    }

    /// Encrypt `plaintext` for the field `field` (e.g. `persons.name`) of the row whose
    /// primary key is `row` (its id): an `enc:v2:` value.
    pub fn encrypt(&self, field: &str, row: impl std::fmt::Display, plaintext: &str) -> String {
        let aad = row_aad(field, &row.to_string());
        self.seal(PREFIX, &aad, plaintext)
    }

    /// An `enc:v1:` value (bound to the column only), as older versions wrote them. Only
    /// for tests that check old values still decrypt and are rewritten by rotation.
    #[doc(hidden)]
    pub fn encrypt_v1(&self, field: &str, plaintext: &str) -> String {
        self.seal(PREFIX_V1, field, plaintext)
    }

    /// `prefix`, key id, `:`, base64 of nonce, ciphertext and tag. The nonce (192 bits) is
    /// drawn from the thread's CSPRNG (`rand::thread_rng`: ChaCha12, seeded from the OS and
    /// reseeded from it regularly), not by a system call per value; at 192 bits random
    /// nonces do not collide.
    fn seal(&self, prefix: &str, aad: &str, plaintext: &str) -> String {
        let cipher = self.cipher(&self.current).expect("current key exists");
        let mut blob = Vec::with_capacity(24 + plaintext.len() + 16);
        blob.resize(24, 0);
        rand::thread_rng().fill_bytes(&mut blob[..24]);
        blob.extend_from_slice(plaintext.as_bytes());
        let (nonce, msg) = blob.split_at_mut(24);
        let tag = cipher
            .encrypt_in_place_detached(XNonce::from_slice(nonce), aad.as_bytes(), msg)
            .expect("encryption does not fail");
        blob.extend_from_slice(&tag);
        let mut out =
            String::with_capacity(prefix.len() + self.current.len() + 1 + blob.len() * 4 / 3 + 4);
        out.push_str(prefix);
        out.push_str(&self.current);
        out.push(':');
        B64.encode_string(&blob, &mut out);
        out
    }

    /// Decrypt a value made by [`Keyring::encrypt`] for the same field and row (or an
    /// older `enc:v1:` value of the same field).
    pub fn decrypt(
        &self,
        field: &str,
        row: impl std::fmt::Display,
        value: &str,
    ) -> Result<String, CryptoError> {
        let (rest, aad) = if let Some(rest) = value.strip_prefix(PREFIX) {
            (rest, row_aad(field, &row.to_string()))
        } else if let Some(rest) = value.strip_prefix(PREFIX_V1) {
            (rest, field.to_string())
        } else {
            return Err(CryptoError::NotEncrypted);
        };
        let (kid, b64) = rest.split_once(':').ok_or(CryptoError::NotEncrypted)?;
        let mut blob = B64.decode(b64).map_err(|_| CryptoError::Decrypt)?;
        if blob.len() < 24 + 16 {
            return Err(CryptoError::Decrypt);
        }
        let cipher = self.cipher(kid)?;
        let (nonce, rest) = blob.split_at_mut(24);
        let (ct, tag) = rest.split_at_mut(rest.len() - 16);
        cipher
            .decrypt_in_place_detached(
                XNonce::from_slice(nonce),
                aad.as_bytes(),
                ct,
                chacha20poly1305::Tag::from_slice(tag),
            )
            .map_err(|_| CryptoError::Decrypt)?;
        let n = blob.len() - 16;
        blob.truncate(n);
        blob.drain(..24);
        String::from_utf8(blob).map_err(|_| CryptoError::Decrypt)
    }

    /// A 32-byte key for `purpose` derived (HKDF-SHA256) from the data key `id`, for
    /// material that is not a field value (the search index's files). Distinct purposes
    /// give independent keys; the data key itself is never used for them directly.
    pub fn derived_key(&self, id: &str, purpose: &str) -> Result<[u8; 32], CryptoError> {
        let ikm = self.data_key_bytes(id)?;
        let mut out = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(Some(b"dignity derived key v1"), &ikm)
            .expand(purpose.as_bytes(), &mut out)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Ok(out)
    }

    /// HKDF-SHA256 (RFC 5869) of the data key `id` with `salt` and `info`: 64 bytes of
    /// key material for one purpose (e.g. one evidence file's encryption and MAC keys).
    pub fn derive_subkeys(
        &self,
        id: &str,
        salt: &[u8],
        info: &[u8],
    ) -> Result<[u8; 64], CryptoError> {
        let ikm = self.data_key_bytes(id)?;
        let mut out = [0u8; 64];
        hkdf::Hkdf::<Sha256>::new(Some(salt), &ikm)
            .expand(info, &mut out)
            .expect("64 bytes is a valid HKDF-SHA256 output length");
        Ok(out)
    }

    fn data_key_bytes(&self, id: &str) -> Result<[u8; 32], CryptoError> {
        let dk = self
            .data_keys
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| CryptoError::UnknownKey(id.into()))?;
        decode_key(&dk.key, "data key")
    }

    /// A person's key wrapped under the current data key, bound to the person's id:
    /// `<data key id>:<base64>`.
    pub fn wrap_person_key(&self, person: i64, key: &PersonKey) -> String {
        let dk = self
            .data_key_bytes(&self.current)
            .expect("current key exists");
        let blob = seal_with(&dk, &person_key_aad(person), &key.0);
        format!("{}:{}", self.current, B64.encode(blob))
    }

    /// Unwrap a key made by [`Keyring::wrap_person_key`] for the same person.
    pub fn unwrap_person_key(&self, person: i64, wrapped: &str) -> Result<PersonKey, CryptoError> {
        let (kid, b64) = wrapped.trim().split_once(':').ok_or(CryptoError::Decrypt)?;
        let dk = self.data_key_bytes(kid)?;
        let blob = B64.decode(b64).map_err(|_| CryptoError::Decrypt)?;
        let k = open_with(&dk, &person_key_aad(person), &blob)?;
        Ok(PersonKey(k.try_into().map_err(|_| CryptoError::Decrypt)?))
    }

    /// The data key a wrapped person key is under.
    pub fn wrapped_key_id(wrapped: &str) -> Option<&str> {
        wrapped.trim().split_once(':').map(|(k, _)| k)
    }

    /// The key id a value was encrypted under, if it is an encrypted value.
    pub fn key_id_of(value: &str) -> Option<&str> {
        value
            .strip_prefix(PREFIX)
            .or_else(|| value.strip_prefix(PREFIX_V1))?
            .split_once(':')
            .map(|(k, _)| k)
    }

    /// Keyed blind index of a value for equality look-ups: the same normalised value in
    /// the same field kind always gives the same token; without the index key, tokens
    /// reveal nothing but equality.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        let key = decode_key(&self.index_key, "index_key").expect("validated");
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&key).expect("any key length");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(normalise(value).as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// Keyed hash (HMAC-SHA256 with the index key, 64 hex digits) of a value stored to
    /// detect changes (a source row's content): unlike a plain SHA-256, it cannot be
    /// recomputed from a guessed name without the key file.
    pub fn content_mac(&self, kind: &str, value: &str) -> String {
        let key = decode_key(&self.index_key, "index_key").expect("validated");
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&key).expect("any key length");
        mac.update(b"content\0");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A keyed MAC with the server key (CSRF tokens and the like).
    pub fn server_mac(&self, purpose: &str, value: &str) -> String {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.server_key()).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Case-, space- and punctuation-insensitive form used by blind indexes.
pub fn normalise(value: &str) -> String {
    value
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|s| !s.is_empty())
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of a text for a keyed word index (the event titles' `title_words`): runs of
/// letters and digits, lowercased, each once, in order of first appearance. The same
/// function splits a query, so a query word matches a whole word of the text.
pub fn index_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        let w = w.to_lowercase();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_keys_encrypt_wrap_and_bind() {
        let mut k = Keyring::generate("t");
        let pk = PersonKey::generate();
        let v = pk.encrypt(7, "vio_persons.name", 7, "Ana");
        assert!(v.starts_with("enc:p1:7:") && !v.contains("Ana"));
        assert_eq!(person_of(&v), Some(7));
        assert_eq!(person_of(ERASED), None);
        assert_eq!(pk.decrypt("vio_persons.name", 7, &v).unwrap(), "Ana");
        assert!(pk.decrypt("vio_persons.name", 8, &v).is_err());
        assert!(PersonKey::generate()
            .decrypt("vio_persons.name", 7, &v)
            .is_err());
        // The data key does not open it.
        assert!(k.decrypt("vio_persons.name", 7, &v).is_err());
        let w = k.wrap_person_key(7, &pk);
        assert!(w.starts_with("k1:"));
        let back = k.unwrap_person_key(7, &w).unwrap();
        assert_eq!(back.decrypt("vio_persons.name", 7, &v).unwrap(), "Ana");
        // Bound to the person: another person's entry does not unwrap.
        assert!(k.unwrap_person_key(8, &w).is_err());
        k.rotate("t2");
        let w2 = k.wrap_person_key(7, &back);
        assert_eq!(Keyring::wrapped_key_id(&w2), Some("k2"));
        assert!(k.unwrap_person_key(7, &w).is_ok());
        k.retire_old_keys();
        assert!(matches!(
            k.unwrap_person_key(7, &w),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn derived_keys_depend_on_key_and_purpose() {
        let mut k = Keyring::generate("2026-12-06");
        let a = k.derived_key("k1", "search index").unwrap();
        assert_eq!(a, k.derived_key("k1", "search index").unwrap());
        assert_ne!(a, k.derived_key("k1", "something else").unwrap());
        let raw = B64.decode(&k.data_keys[0].key).unwrap();
        assert_ne!(a.to_vec(), raw, "the data key itself is not handed out");
        k.rotate("2026-12-07");
        assert_ne!(a, k.derived_key("k2", "search index").unwrap());
        assert!(matches!(
            k.derived_key("k9", "search index"),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn index_words_are_lowercase_whole_words_once() {
        assert_eq!(
            index_words("Arrests at the march, ARRESTS in Douala (2024)"),
            ["arrests", "at", "the", "march", "in", "douala", "2024"]
        );
        assert_eq!(
            index_words("Задержания в Москве"),
            ["задержания", "в", "москве"]
        );
        assert!(index_words(" -- ").is_empty());
    }

    #[test]
    fn round_trip_and_field_binding() {
        let k = Keyring::generate("2026-11-23");
        let ct = k.encrypt("persons.name", 7, "Ana Jovanović");
        assert!(ct.starts_with("enc:v2:k1:"));
        assert!(!ct.contains("Ana"));
        assert_eq!(k.decrypt("persons.name", 7, &ct).unwrap(), "Ana Jovanović");
        // Moved into another column: refuses.
        assert!(matches!(
            k.decrypt("persons.phone", 7, &ct),
            Err(CryptoError::Decrypt)
        ));
        // Moved into another row of the same column: refuses.
        assert!(matches!(
            k.decrypt("persons.name", 8, &ct),
            Err(CryptoError::Decrypt)
        ));
        // Two encryptions of the same value differ (random nonce).
        assert_ne!(ct, k.encrypt("persons.name", 7, "Ana Jovanović"));
    }

    #[test]
    fn old_column_bound_values_still_decrypt() {
        let k = Keyring::generate("2026-11-23");
        let old = k.encrypt_v1("persons.name", "Ana");
        assert!(old.starts_with("enc:v1:k1:"));
        assert_eq!(Keyring::key_id_of(&old), Some("k1"));
        // Any row: v1 values carry no row binding (rotation rewrites them as v2).
        assert_eq!(k.decrypt("persons.name", 1, &old).unwrap(), "Ana");
        assert!(k.decrypt("persons.phone", 1, &old).is_err());
        // A v2 value relabelled v1 does not decrypt (its associated data differs).
        let v2 = k.encrypt("persons.name", 1, "Ana");
        let relabelled = v2.replacen("enc:v2:", "enc:v1:", 1);
        assert!(k.decrypt("persons.name", 1, &relabelled).is_err());
    }

    #[test]
    fn tampering_is_detected() {
        let k = Keyring::generate("now");
        let ct = k.encrypt("f", 1, "secret");
        let mut bytes = ct.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(k
            .decrypt("f", 1, &String::from_utf8(bytes).unwrap())
            .is_err());
    }

    #[test]
    fn rotation_keeps_old_values_readable_until_retired() {
        let mut k = Keyring::generate("t0");
        let old = k.encrypt("f", 1, "v");
        assert_eq!(k.rotate("t1"), "k2");
        let new = k.encrypt("f", 1, "v");
        assert_eq!(Keyring::key_id_of(&new), Some("k2"));
        assert_eq!(k.decrypt("f", 1, &old).unwrap(), "v");
        k.retire_old_keys();
        assert!(matches!(
            k.decrypt("f", 1, &old),
            Err(CryptoError::UnknownKey(_))
        ));
        assert_eq!(k.decrypt("f", 1, &new).unwrap(), "v");
    }

    #[test]
    fn a_changed_key_is_used_at_once_never_its_cached_cipher() {
        let mut k = Keyring::generate("t0");
        let before = k.encrypt("f", 1, "v");
        assert_eq!(k.decrypt("f", 1, &before).unwrap(), "v");
        // The same key id given other key material (the fields are public): the cipher
        // cached for the old material must not be used.
        k.data_keys[0].key = Keyring::generate("t1").data_keys[0].key.clone();
        assert!(matches!(
            k.decrypt("f", 1, &before),
            Err(CryptoError::Decrypt)
        ));
        let after = k.encrypt("f", 1, "v");
        let fresh = Keyring::from_json(&k.to_json()).unwrap();
        assert_eq!(fresh.decrypt("f", 1, &after).unwrap(), "v");
        // A clone (with its copy of the cache) and a rotated ring agree with a fresh one.
        let mut c = k.clone();
        c.rotate("t2");
        let rotated = c.encrypt("f", 2, "w");
        assert_eq!(Keyring::key_id_of(&rotated), Some("k2"));
        let fresh = Keyring::from_json(&c.to_json()).unwrap();
        assert_eq!(fresh.decrypt("f", 2, &rotated).unwrap(), "w");
        assert_eq!(fresh.decrypt("f", 1, &after).unwrap(), "v");
        assert!(matches!(
            k.decrypt("f", 2, &rotated),
            Err(CryptoError::UnknownKey(_))
        ));
        // Nonces differ from value to value (thread CSPRNG).
        let nonces: std::collections::HashSet<Vec<u8>> = (0..1000)
            .map(|_| {
                let v = k.encrypt("f", 1, "v");
                B64.decode(v.rsplit(':').next().unwrap()).unwrap()[..24].to_vec()
            })
            .collect();
        assert_eq!(nonces.len(), 1000);
    }

    #[test]
    fn blind_index_is_stable_normalised_and_keyed() {
        let k = Keyring::generate("t");
        assert_eq!(
            k.blind_index("name", "  Ana   JOVANOVIĆ "),
            k.blind_index("name", "ana jovanović")
        );
        assert_ne!(k.blind_index("name", "ana"), k.blind_index("phone", "ana"));
        let other = Keyring::generate("t");
        assert_ne!(
            k.blind_index("name", "ana"),
            other.blind_index("name", "ana")
        );
    }

    #[test]
    fn key_file_round_trip_and_validation() {
        let k = Keyring::generate("t");
        let back = Keyring::from_json(&k.to_json()).unwrap();
        assert_eq!(back.decrypt("f", 1, &k.encrypt("f", 1, "x")).unwrap(), "x");
        assert!(Keyring::from_json("{}").is_err());
        let mut bad = k.clone();
        bad.current = "k9".into();
        assert!(Keyring::from_json(&bad.to_json()).is_err());
        assert!(!format!("{k:?}").contains(&k.index_key));
    }
}
