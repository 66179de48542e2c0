//! MIME encoders the renderer uses: text charsets (through `encoding_rs`),
//! Content-Transfer-Encodings (base64 and quoted-printable bodies, RFC 2045,
//! lines of at most 76 characters), RFC 2047 encoded words for headers, and
//! RFC 2231 encoded parameter values.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Longest line of a base64 or quoted-printable body (RFC 2045).
const MAX_ENCODED_LINE: usize = 76;

/// Longest header line the renderer writes before folding.
pub(super) const MAX_HEADER_LINE: usize = 76;

/// Longest RFC 2047 encoded word the renderer writes (the RFC allows 75).
const MAX_ENCODED_WORD: usize = 66;

/// A charset text is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Charset {
    UsAscii,
    Utf8,
    Iso2022Jp,
    ShiftJis,
    Iso8859_1,
    Iso8859_15,
    Windows1252,
}

impl Charset {
    /// The name written in `charset=` and in encoded words.
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::UsAscii => "us-ascii",
            Self::Utf8 => "UTF-8",
            Self::Iso2022Jp => "ISO-2022-JP",
            Self::ShiftJis => "Shift_JIS",
            Self::Iso8859_1 => "ISO-8859-1",
            Self::Iso8859_15 => "ISO-8859-15",
            Self::Windows1252 => "windows-1252",
        }
    }

    /// Encodes text into this charset. Characters the charset lacks come out
    /// as `?` (ASCII, Latin-1) or as `encoding_rs`'s numeric character
    /// references; the corpus avoids them and the round-trip tests catch any.
    pub(super) fn encode(self, text: &str) -> Vec<u8> {
        let encoding = match self {
            Self::UsAscii => {
                return text
                    .chars()
                    .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                    .collect();
            }
            Self::Iso8859_1 => {
                // encoding_rs treats the ISO-8859-1 label as windows-1252; encode Latin-1 directly.
                return text
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect();
            }
            Self::Utf8 => return text.as_bytes().to_vec(),
            Self::Iso2022Jp => encoding_rs::ISO_2022_JP,
            Self::ShiftJis => encoding_rs::SHIFT_JIS,
            Self::Iso8859_15 => encoding_rs::ISO_8859_15,
            Self::Windows1252 => encoding_rs::WINDOWS_1252,
        };
        encoding.encode(text).0.into_owned()
    }
}

/// A Content-Transfer-Encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TransferEncoding {
    SevenBit,
    EightBit,
    QuotedPrintable,
    Base64,
}

impl TransferEncoding {
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::SevenBit => "7bit",
            Self::EightBit => "8bit",
            Self::QuotedPrintable => "quoted-printable",
            Self::Base64 => "base64",
        }
    }

    /// Encodes a body whose lines already end in CRLF.
    pub(super) fn encode_body(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::SevenBit | Self::EightBit => bytes.to_vec(),
            Self::QuotedPrintable => quoted_printable(bytes).into_bytes(),
            Self::Base64 => base64_lines(bytes).into_bytes(),
        }
    }
}

/// Base64 in lines of 76 characters, each ending in CRLF.
pub(super) fn base64_lines(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(MAX_ENCODED_LINE));
        out.push_str(line);
        out.push_str("\r\n");
        rest = tail;
    }
    out
}

/// Quoted-printable (RFC 2045 6.7): CRLF stays a hard line break, other
/// lines are soft-broken with `=` to at most 76 characters, trailing
/// whitespace and all non-printable or non-ASCII bytes are `=XX`.
pub(super) fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    let mut lines = bytes.split(|&byte| byte == b'\n').peekable();
    while let Some(line) = lines.next() {
        let has_more = lines.peek().is_some();
        let line = if has_more {
            line.strip_suffix(b"\r").unwrap_or(line)
        } else {
            line
        };
        quoted_printable_line(line, &mut out);
        if has_more {
            out.push_str("\r\n");
        }
    }
    out
}

fn quoted_printable_line(line: &[u8], out: &mut String) {
    let mut line_length = 0;
    for (position, &byte) in line.iter().enumerate() {
        let is_last = position + 1 == line.len();
        let literal = match byte {
            b' ' | b'\t' => !is_last,
            b'=' => false,
            33..=126 => true,
            _ => false,
        };
        let token_length = if literal { 1 } else { 3 };
        // Leave room for the soft break's `=` unless this is the line's last token.
        let limit = if is_last {
            MAX_ENCODED_LINE
        } else {
            MAX_ENCODED_LINE - 1
        };
        if line_length + token_length > limit {
            out.push_str("=\r\n");
            line_length = 0;
        }
        if literal {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("={byte:02X}"));
        }
        line_length += token_length;
    }
}

/// How a header's non-ASCII text is written as RFC 2047 encoded words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct HeaderStyle {
    pub charset: Charset,
    pub word: WordEncoding,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WordEncoding {
    /// `=?charset?B?base64?=`
    B,
    /// `=?charset?Q?quoted_printable?=`
    Q,
}

impl HeaderStyle {
    pub(super) const UTF8_B: Self = Self::new(Charset::Utf8, WordEncoding::B);
    pub(super) const UTF8_Q: Self = Self::new(Charset::Utf8, WordEncoding::Q);
    pub(super) const ISO_2022_JP_B: Self = Self::new(Charset::Iso2022Jp, WordEncoding::B);
    pub(super) const SHIFT_JIS_B: Self = Self::new(Charset::ShiftJis, WordEncoding::B);
    pub(super) const LATIN1_Q: Self = Self::new(Charset::Iso8859_1, WordEncoding::Q);
    pub(super) const LATIN9_Q: Self = Self::new(Charset::Iso8859_15, WordEncoding::Q);
    pub(super) const WINDOWS_1252_Q: Self = Self::new(Charset::Windows1252, WordEncoding::Q);

    const fn new(charset: Charset, word: WordEncoding) -> Self {
        Self { charset, word }
    }
}

/// The text as encoded words, split between characters so that each word
/// stays short and decodes on its own (whitespace between adjacent encoded
/// words is dropped by decoders, so the split points do not show).
pub(super) fn encoded_words(text: &str, style: HeaderStyle) -> Vec<String> {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for character in text.chars() {
        let mut candidate = chunk.clone();
        candidate.push(character);
        if !chunk.is_empty() && encoded_word(&candidate, style).len() > MAX_ENCODED_WORD {
            words.push(encoded_word(&chunk, style));
            chunk.clear();
        }
        chunk.push(character);
    }
    if !chunk.is_empty() {
        words.push(encoded_word(&chunk, style));
    }
    words
}

fn encoded_word(text: &str, style: HeaderStyle) -> String {
    let bytes = style.charset.encode(text);
    let label = style.charset.label();
    match style.word {
        WordEncoding::B => format!("=?{label}?B?{}?=", STANDARD.encode(bytes)),
        WordEncoding::Q => {
            let mut encoded = String::with_capacity(bytes.len() * 3);
            for byte in bytes {
                match byte {
                    b' ' => encoded.push('_'),
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                        encoded.push(char::from(byte));
                    }
                    _ => encoded.push_str(&format!("={byte:02X}")),
                }
            }
            format!("=?{label}?Q?{encoded}?=")
        }
    }
}

/// `text` as header tokens: itself split at spaces when it is ASCII, else encoded words.
pub(super) fn header_text_tokens(text: &str, style: HeaderStyle) -> Vec<String> {
    if text.is_ascii() {
        text.split(' ').map(str::to_string).collect()
    } else {
        encoded_words(text, style)
    }
}

/// A header field `Name: tokens…`, the tokens separated by single spaces and
/// folded onto continuation lines (CRLF + space) to keep lines short.
pub(super) fn folded_header(name: &str, tokens: &[String]) -> String {
    let mut header = format!("{name}:");
    let mut line_length = header.len();
    for token in tokens {
        if line_length + 1 + token.len() > MAX_HEADER_LINE && line_length > name.len() + 1 {
            header.push_str("\r\n ");
            line_length = 1;
        } else {
            header.push(' ');
            line_length += 1;
        }
        header.push_str(token);
        line_length += token.len();
    }
    header
}

/// An RFC 2231 parameter, `name*=UTF-8''%E4…` or, when long, split into
/// continuation segments `name*0*=UTF-8''%E4…`, `name*1*=…` (one per element,
/// without the `;` separators).
pub(super) fn rfc2231_parameter_segments(name: &str, value: &str) -> Vec<String> {
    const SEGMENT_PAYLOAD: usize = 45;
    let mut segments: Vec<String> = Vec::new();
    let mut current = String::new();
    for character in value.chars() {
        let mut utf8 = [0_u8; 4];
        let encoded: String = character
            .encode_utf8(&mut utf8)
            .bytes()
            .map(|byte| {
                if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                    char::from(byte).to_string()
                } else {
                    format!("%{byte:02X}")
                }
            })
            .collect();
        if !current.is_empty() && current.len() + encoded.len() > SEGMENT_PAYLOAD {
            segments.push(std::mem::take(&mut current));
        }
        current.push_str(&encoded);
    }
    segments.push(current);
    if let [only] = segments.as_slice() {
        return vec![format!("{name}*=UTF-8''{only}")];
    }
    segments
        .into_iter()
        .enumerate()
        .map(|(index, payload)| {
            if index == 0 {
                format!("{name}*0*=UTF-8''{payload}")
            } else {
                format!("{name}*{index}*={payload}")
            }
        })
        .collect()
}
