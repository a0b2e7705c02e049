//! Field encryption: any text decrypts back to itself for its field and row only, never
//! twice to the same ciphertext, and a changed ciphertext never decrypts.

use crate::{config, text};
use dignity_core::crypto::{person_of, Keyring, PersonKey};
use proptest::prelude::*;
use std::sync::OnceLock;

fn keyring() -> &'static Keyring {
    static K: OnceLock<Keyring> = OnceLock::new();
    K.get_or_init(|| Keyring::generate("2024-01-01T00:00:00Z"))
}

fn field() -> impl Strategy<Value = String> {
    "[a-z_]{1,12}\\.[a-z_]{1,12}"
}

proptest! {
    #![proptest_config(config(128))]

    /// Any text decrypts back to itself for the same field and row, and for no other; the
    /// same text never encrypts twice to the same value.
    #[test]
    fn values_decrypt_for_their_field_and_row_only(
        pt in text(), f in field(), g in field(), row in 1i64..1000, other in 1i64..1000,
    ) {
        let k = keyring();
        let v = k.encrypt(&f, row, &pt);
        prop_assert!(v.is_ascii() && v.starts_with("enc:v2:"), "{}", v);
        prop_assert_eq!(k.decrypt(&f, row, &v).unwrap(), pt.clone());
        prop_assert_ne!(k.encrypt(&f, row, &pt), v.clone());
        if other != row {
            prop_assert!(k.decrypt(&f, other, &v).is_err());
        }
        if g != f {
            prop_assert!(k.decrypt(&g, row, &v).is_err());
        }
        let again = Keyring::from_json(&k.to_json()).unwrap();
        prop_assert_eq!(again.decrypt(&f, row, &v).unwrap(), pt);
    }

    /// A value changed in any one character never decrypts (to anything).
    #[test]
    fn a_changed_value_never_decrypts(
        pt in "\\PC{0,40}", at in any::<proptest::sample::Index>(), c in "[A-Za-z0-9+/=:]",
    ) {
        let k = keyring();
        let v = k.encrypt("vio_persons.name", 7, &pt);
        let i = at.index(v.len());
        let mut changed = v.clone();
        changed.replace_range(i..i + 1, &c);
        prop_assume!(changed != v);
        prop_assert!(k.decrypt("vio_persons.name", 7, &changed).is_err(), "{} -> {}", v, changed);
    }

    /// A person's values decrypt with that person's key for their field and row, and name
    /// the person.
    #[test]
    fn person_values_round_trip(pt in text(), person in 1i64..10_000, row in 1i64..1000) {
        static P: OnceLock<PersonKey> = OnceLock::new();
        let key = P.get_or_init(PersonKey::generate);
        let v = key.encrypt(person, "vio_persons.name", row, &pt);
        prop_assert_eq!(person_of(&v), Some(person));
        prop_assert_eq!(key.decrypt("vio_persons.name", row, &v).unwrap(), pt);
        prop_assert!(key.decrypt("vio_persons.name", row + 1, &v).is_err());
        prop_assert!(PersonKey::generate().decrypt("vio_persons.name", row, &v).is_err());
    }
}
