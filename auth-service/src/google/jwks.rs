//! Google's signing keys now live in `common::google_keys` (shared with gmail-service's push
//! endpoint); the checks below pin which keys of a set are kept, against the emulator's JWKS.

pub use common::google_keys::*;

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use jsonwebtoken::DecodingKey;

    fn parse_key_set(document: &[u8]) -> Option<std::collections::HashMap<String, DecodingKey>> {
        common::jwks::parse(document, is_rs256_signing_key)
    }

    #[test]
    fn only_rs256_signing_keys_of_2048_bits_or_more_are_kept() {
        let emulator = google_emulator::oauth::id_token::IdTokenSigner::jwks();
        let good = emulator["keys"][0].clone();
        let variant = |fields: &[(&str, serde_json::Value)]| {
            let mut key = good.clone();
            for (k, v) in fields {
                key[*k] = v.clone();
            }
            key
        };
        let document = serde_json::json!({"keys": [
            good,
            variant(&[("kid", "enc".into()), ("use", "enc".into())]),
            variant(&[("kid", "hs".into()), ("alg", "HS256".into())]),
            variant(&[
                ("kid", "small".into()),
                ("n", URL_SAFE_NO_PAD.encode([0xC5u8; 128]).into()),
            ]),
            variant(&[("kid", serde_json::Value::Null)]),
            {"kty": "EC", "crv": "P-256", "kid": "ec", "x": "AA", "y": "AA"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "AA"},
        ]});
        let keys = parse_key_set(document.to_string().as_bytes()).unwrap();
        let kids: Vec<&String> = keys.keys().collect();
        assert_eq!(kids, [google_emulator::oauth::id_token::KEY_ID], "{kids:?}");
        assert!(parse_key_set(b"{\"not\": \"a jwks\"}").is_none());
        assert!(parse_key_set(b"[]").is_none());
    }
}
