//! An attachment's bytes out of Gmail's `messages.attachments.get` answer as it arrives:
//! `{"attachmentId": "…", "size": 123, "data": "<base64url>"}`, decoded chunk by chunk, so a
//! 25 MB attachment never sits whole in memory (the [`Decoder`] holds at most the answer's
//! head before `data`, bounded by [`MAX_HEAD`], and three characters between chunks).
//!
//! `data` is base64url without escapes (its alphabet has no character JSON escapes), so the
//! value ends at the next `"`. The standard alphabet's `+` and `/` and `=` padding are accepted
//! too, as in [`super::body::decode_body_data`].

use base64::Engine;

use super::body::BASE64URL;

/// The longest the answer may run before its `data` value starts.
pub const MAX_HEAD: usize = 16 * 1024;

/// Why an answer could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the answer has no data value")]
    NoData,
    #[error("the data value is not base64url")]
    NotBase64,
    #[error("the data value does not end")]
    Unterminated,
    #[error("the attachment is larger than {0} bytes")]
    TooLarge(u64),
}

enum State {
    /// Before `"data"…:"`: what came so far.
    Head(Vec<u8>),
    /// Inside the value: the characters not yet decoded (fewer than four).
    Data(Vec<u8>),
    Done,
}

/// Decodes one answer fed in chunks.
pub struct Decoder {
    state: State,
    decoded: u64,
    limit: u64,
}

impl Decoder {
    /// A decoder that refuses more than `limit` decoded bytes.
    pub fn new(limit: u64) -> Self {
        Self {
            state: State::Head(Vec::new()),
            decoded: 0,
            limit,
        }
    }

    /// Bytes held between chunks (the head, or the undecoded tail of the value).
    pub fn held(&self) -> usize {
        match &self.state {
            State::Head(head) => head.len(),
            State::Data(tail) => tail.len(),
            State::Done => 0,
        }
    }

    /// The decoded bytes `chunk` completes.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let rest: Vec<u8>;
        let value = match &mut self.state {
            State::Done => return Ok(Vec::new()),
            State::Data(_) => chunk,
            State::Head(head) => {
                head.extend_from_slice(chunk);
                match value_start(head) {
                    Some(start) => {
                        rest = head.split_off(start);
                        self.state = State::Data(Vec::new());
                        &rest
                    }
                    None if head.len() > MAX_HEAD => return Err(DecodeError::NoData),
                    None => return Ok(Vec::new()),
                }
            }
        };
        self.value(value)
    }

    /// The last bytes, once the answer has ended.
    pub fn finish(&mut self) -> Result<Vec<u8>, DecodeError> {
        match &self.state {
            State::Done => Ok(Vec::new()),
            State::Head(_) => Err(DecodeError::NoData),
            State::Data(_) => Err(DecodeError::Unterminated),
        }
    }

    fn value(&mut self, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let State::Data(tail) = &mut self.state else {
            return Ok(Vec::new());
        };
        let (part, ended) = match input.iter().position(|b| *b == b'"') {
            Some(end) => (&input[..end], true),
            None => (input, false),
        };
        let mut text = std::mem::take(tail);
        text.reserve(part.len());
        for &byte in part {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => text.push(byte),
                b'+' => text.push(b'-'),
                b'/' => text.push(b'_'),
                b'=' | b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => return Err(DecodeError::NotBase64),
            }
        }
        let whole = if ended {
            text.len()
        } else {
            text.len() - text.len() % 4
        };
        let out = BASE64URL
            .decode(&text[..whole])
            .map_err(|_| DecodeError::NotBase64)?;
        self.decoded += out.len() as u64;
        if self.decoded > self.limit {
            return Err(DecodeError::TooLarge(self.limit));
        }
        self.state = if ended {
            State::Done
        } else {
            State::Data(text.split_off(whole))
        };
        Ok(out)
    }
}

/// Where the `data` value starts in `head` (just past its opening quote), if it has begun.
fn value_start(head: &[u8]) -> Option<usize> {
    const KEY: &[u8] = b"\"data\"";
    let mut from = 0;
    while let Some(at) = find(&head[from..], KEY) {
        let mut i = from + at + KEY.len();
        let skip = |i: &mut usize| {
            while head.get(*i).is_some_and(u8::is_ascii_whitespace) {
                *i += 1;
            }
        };
        skip(&mut i);
        if head.get(i) == Some(&b':') {
            i += 1;
            skip(&mut i);
            match head.get(i) {
                Some(b'"') => return Some(i + 1),
                // The rest has not come yet.
                None => return None,
                Some(_) => {}
            }
        } else if i >= head.len() {
            return None;
        }
        from += at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::{Digest, Sha256};

    use super::*;

    fn answer(bytes: &[u8]) -> Vec<u8> {
        format!(
            "{{\n  \"attachmentId\": \"ANGjdJ_data_x\",\n  \"size\": {},\n  \"data\": \"{}\"\n}}\n",
            bytes.len(),
            URL_SAFE_NO_PAD.encode(bytes)
        )
        .into_bytes()
    }

    fn decode_in(chunks: usize, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut decoder = Decoder::new(u64::MAX);
        let mut out = Vec::new();
        for chunk in input.chunks(chunks) {
            out.extend(decoder.feed(chunk)?);
        }
        out.extend(decoder.finish()?);
        Ok(out)
    }

    #[test]
    fn every_split_of_the_answer_decodes_the_same() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1_000).collect();
        let input = answer(&bytes);
        for size in [1, 2, 3, 5, 7, 64, 4096, input.len()] {
            assert_eq!(decode_in(size, &input).unwrap(), bytes, "chunks of {size}");
        }
        // `data` first, padding and the standard alphabet.
        let padded = format!(
            "{{\"data\":\"{}\",\"size\":2}}",
            base64::engine::general_purpose::STANDARD.encode([0xfb, 0xff])
        );
        assert_eq!(decode_in(3, padded.as_bytes()).unwrap(), vec![0xfb, 0xff]);
    }

    #[test]
    fn twenty_megabytes_pass_through_a_few_bytes_held() {
        // 20 MB of a pattern, encoded as Gmail answers, fed in 16 KiB chunks: the decoder
        // never holds more than the answer's head or three characters.
        let size = 20 * 1000 * 1000;
        let bytes: Vec<u8> = (0..size).map(|n| (n % 253) as u8).collect();
        let input = answer(&bytes);
        let expected = Sha256::digest(&bytes);
        drop(bytes);
        let mut decoder = Decoder::new(25 * 1000 * 1000);
        let mut digest = Sha256::new();
        let mut total = 0;
        let mut most_held = 0;
        for chunk in input.chunks(16 * 1024) {
            let out = decoder.feed(chunk).unwrap();
            total += out.len();
            digest.update(&out);
            most_held = most_held.max(decoder.held());
        }
        digest.update(decoder.finish().unwrap());
        assert_eq!(total, size);
        assert_eq!(digest.finalize(), expected);
        assert!(most_held < 64, "held {most_held} bytes");
    }

    #[test]
    fn bad_answers_are_refused() {
        assert_eq!(decode_in(4, b"{\"size\": 3}"), Err(DecodeError::NoData));
        assert_eq!(
            decode_in(4, b"{\"data\": \"QUJD"),
            Err(DecodeError::Unterminated)
        );
        assert_eq!(
            decode_in(4, b"{\"data\": \"QU<script>\"}"),
            Err(DecodeError::NotBase64)
        );
        // A key that only looks like it.
        assert_eq!(
            decode_in(2, b"{\"data\" \"x\", \"data\": \"QUJD\"}").unwrap(),
            b"ABC"
        );
        let head = format!("{{\"pad\": \"{}\"", "x".repeat(MAX_HEAD + 1));
        assert_eq!(decode_in(1024, head.as_bytes()), Err(DecodeError::NoData));
        let mut small = Decoder::new(2);
        assert_eq!(
            small.feed(b"{\"data\":\"QUJD\"}"),
            Err(DecodeError::TooLarge(2))
        );
    }
}
