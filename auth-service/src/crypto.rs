//! Google tokens at rest: AES-256-GCM with a random 96-bit nonce per write, the account id as
//! associated data (a ciphertext moved to another account's key fails to decrypt), and a key id
//! in every record so keys can rotate: the first configured key encrypts, all of them decrypt.

use std::collections::HashMap;

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Why a key specification or a stored record cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CipherError {
    #[error(
        "TOKEN_ENCRYPTION_KEY must be base64 of 32 bytes, or kid:base64 pairs separated by commas"
    )]
    BadKeySpec,
    #[error("the stored record is not an encrypted token record")]
    Malformed,
    #[error("the stored record names key {0:?}, which is not configured")]
    UnknownKey(String),
    #[error("the stored record does not decrypt (tampered, or moved from another account)")]
    Undecryptable,
}

/// What Redis holds for one account.
#[derive(Serialize, Deserialize)]
struct Sealed {
    v: u8,
    kid: String,
    nonce: String,
    ct: String,
}

/// The token-encryption key ring.
pub struct TokenCipher {
    active: String,
    keys: HashMap<String, Aes256Gcm>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCipher")
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl TokenCipher {
    /// Parses `base64` (key id `k1`) or `kid:base64,kid:base64,…` (first one active).
    pub fn parse(spec: &SecretString) -> Result<Self, CipherError> {
        let mut active = None;
        let mut keys = HashMap::new();
        for (i, item) in spec.expose_secret().split(',').map(str::trim).enumerate() {
            let (kid, b64) = match item.split_once(':') {
                Some((kid, b64)) if !kid.is_empty() => (kid.to_owned(), b64),
                Some(_) => return Err(CipherError::BadKeySpec),
                None => (format!("k{}", i + 1), item),
            };
            let raw = STANDARD
                .decode(b64.trim())
                .map_err(|_| CipherError::BadKeySpec)?;
            let cipher = Aes256Gcm::new_from_slice(&raw).map_err(|_| CipherError::BadKeySpec)?;
            if keys.insert(kid.clone(), cipher).is_some() {
                return Err(CipherError::BadKeySpec);
            }
            active.get_or_insert(kid);
        }
        Ok(Self {
            active: active.ok_or(CipherError::BadKeySpec)?,
            keys,
        })
    }

    /// A new random key specification (`k1:base64`).
    pub fn generate_spec() -> SecretString {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        SecretString::from(format!("demo1:{}", STANDARD.encode(key)))
    }

    /// Encrypts `plaintext` bound to `associated` (the account id).
    pub fn seal(&self, associated: &str, plaintext: &[u8]) -> Result<String, CipherError> {
        let cipher = self.keys.get(&self.active).ok_or(CipherError::BadKeySpec)?;
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: associated.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Undecryptable)?;
        serde_json::to_string(&Sealed {
            v: 1,
            kid: self.active.clone(),
            nonce: STANDARD.encode(nonce),
            ct: STANDARD.encode(ct),
        })
        .map_err(|_| CipherError::Malformed)
    }

    /// Decrypts a record written by [`TokenCipher::seal`] for the same `associated` value.
    pub fn open(&self, associated: &str, sealed: &str) -> Result<Vec<u8>, CipherError> {
        let record: Sealed = serde_json::from_str(sealed).map_err(|_| CipherError::Malformed)?;
        if record.v != 1 {
            return Err(CipherError::Malformed);
        }
        let cipher = self
            .keys
            .get(&record.kid)
            .ok_or_else(|| CipherError::UnknownKey(record.kid.clone()))?;
        let nonce = STANDARD
            .decode(&record.nonce)
            .map_err(|_| CipherError::Malformed)?;
        if nonce.len() != 12 {
            return Err(CipherError::Malformed);
        }
        let ct = STANDARD
            .decode(&record.ct)
            .map_err(|_| CipherError::Malformed)?;
        cipher
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &ct,
                    aad: associated.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; 32])
    }

    #[test]
    fn round_trip_with_fresh_nonces() {
        let cipher = TokenCipher::parse(&SecretString::from(key(1))).unwrap();
        let a = cipher.seal("sub-1", b"tokens").unwrap();
        let b = cipher.seal("sub-1", b"tokens").unwrap();
        assert_ne!(a, b, "nonce reuse");
        assert!(!a.contains("tokens"));
        assert_eq!(cipher.open("sub-1", &a).unwrap(), b"tokens");
    }

    #[test]
    fn a_record_moved_to_another_account_or_tampered_does_not_open() {
        let cipher = TokenCipher::parse(&SecretString::from(key(1))).unwrap();
        let sealed = cipher.seal("sub-1", b"tokens").unwrap();
        assert_eq!(
            cipher.open("sub-2", &sealed),
            Err(CipherError::Undecryptable)
        );
        let mut record: serde_json::Value = serde_json::from_str(&sealed).unwrap();
        let mut ct = STANDARD.decode(record["ct"].as_str().unwrap()).unwrap();
        ct[0] ^= 1;
        record["ct"] = serde_json::json!(STANDARD.encode(ct));
        assert_eq!(
            cipher.open("sub-1", &record.to_string()),
            Err(CipherError::Undecryptable)
        );
        assert_eq!(
            cipher.open("sub-1", "not json"),
            Err(CipherError::Malformed)
        );
    }

    #[test]
    fn keys_rotate_by_id() {
        let old = TokenCipher::parse(&SecretString::from(format!("old:{}", key(1)))).unwrap();
        let sealed = old.seal("sub", b"x").unwrap();
        let rotated = TokenCipher::parse(&SecretString::from(format!(
            "new:{},old:{}",
            key(2),
            key(1)
        )))
        .unwrap();
        assert_eq!(rotated.open("sub", &sealed).unwrap(), b"x");
        assert!(
            rotated
                .seal("sub", b"y")
                .unwrap()
                .contains("\"kid\":\"new\"")
        );
        let without_old =
            TokenCipher::parse(&SecretString::from(format!("new:{}", key(2)))).unwrap();
        assert_eq!(
            without_old.open("sub", &sealed),
            Err(CipherError::UnknownKey("old".into()))
        );
    }

    #[test]
    fn bad_specs_are_refused() {
        for spec in [
            "",
            "abc",
            "k:",
            ":AAAA",
            &STANDARD.encode([0u8; 16]),
            &format!("a:{},a:{}", key(1), key(2)),
        ] {
            assert!(
                TokenCipher::parse(&SecretString::from(spec.to_owned())).is_err(),
                "{spec}"
            );
        }
    }
}
