//! HTML to the text a reader sees: paragraphs and headings separated by blank lines, list
//! items, table rows and `<br>` lines on their own lines, links as their text, no tags, no
//! `head`/`style`/`script`/`title`/`template` content, entities decoded, non-breaking spaces
//! as plain spaces.
//!
//! A single linear pass over the input (a lowercase copy is made once for case-insensitive
//! searches), so hostile HTML costs time proportional to its length and can never recurse.

/// Elements that separate paragraphs.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "dl",
    "table",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "address",
    "hr",
    "pre",
    "figure",
    "figcaption",
    "center",
    "form",
    "fieldset",
];

/// Elements that start a new line.
const LINES: &[&str] = &["li", "tr", "dt", "dd", "caption", "option"];

/// Elements whose content is never shown.
const HIDDEN: &[&str] = &[
    "head", "style", "script", "title", "template", "noscript", "xml",
];

struct Writer {
    out: String,
    pending_breaks: usize,
    pending_space: bool,
    preformatted: u32,
}

impl Writer {
    fn trailing_newlines(&self) -> usize {
        self.out.len() - self.out.trim_end_matches('\n').len()
    }

    fn trim_trailing_spaces(&mut self) {
        let kept = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(kept);
    }

    fn request_breaks(&mut self, count: usize) {
        self.pending_breaks = self.pending_breaks.max(count);
    }

    fn line_break(&mut self) {
        if self.out.is_empty() {
            return;
        }
        self.trim_trailing_spaces();
        self.out.push('\n');
        self.pending_space = false;
    }

    fn push_char(&mut self, c: char) {
        if !self.out.is_empty() {
            if self.pending_breaks > 0 {
                self.trim_trailing_spaces();
                for _ in self.trailing_newlines()..self.pending_breaks {
                    self.out.push('\n');
                }
            } else if self.pending_space && !self.out.ends_with(['\n', ' ']) {
                self.out.push(' ');
            }
        }
        self.pending_breaks = 0;
        self.pending_space = false;
        self.out.push(c);
    }

    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let decoded = html_escape::decode_html_entities(raw);
        for c in decoded.chars() {
            if self.preformatted > 0 {
                match c {
                    '\r' => {}
                    '\n' => self.line_break(),
                    '\u{a0}' => self.push_char(' '),
                    _ => self.push_char(c),
                }
            } else if c.is_ascii_whitespace() {
                self.pending_space = true;
            } else if c == '\u{a0}' {
                self.push_char(' ');
            } else if !c.is_control() {
                self.push_char(c);
            }
        }
    }
}

/// The readable text of an HTML document or fragment.
pub fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let bytes = html.as_bytes();
    let mut writer = Writer {
        out: String::with_capacity(html.len() / 2),
        pending_breaks: 0,
        pending_space: false,
        preformatted: 0,
    };
    let mut index = 0;
    while index < html.len() {
        let Some(offset) = html[index..].find('<') else {
            writer.text(&html[index..]);
            break;
        };
        let lt = index + offset;
        writer.text(&html[index..lt]);
        let after = lt + 1;
        match bytes.get(after) {
            Some(b'!') if lower[after..].starts_with("!--") => {
                index = lower[after + 3..]
                    .find("-->")
                    .map_or(html.len(), |end| after + 3 + end + 3);
            }
            Some(b'!' | b'?') => {
                index = html[after..]
                    .find('>')
                    .map_or(html.len(), |end| after + end + 1);
            }
            Some(c) if *c == b'/' || c.is_ascii_alphabetic() => {
                // An unterminated tag swallows the rest of the input, as in browsers.
                let Some(end) = find_tag_end(&html[after..]) else {
                    break;
                };
                let tag = &lower[after..after + end];
                index = after + end + 1;
                let closing = tag.starts_with('/');
                let name: &str = tag
                    .trim_start_matches('/')
                    .split(|c: char| c.is_ascii_whitespace() || c == '/')
                    .next()
                    .unwrap_or("");
                let self_closing = tag.ends_with('/');
                if !closing && !self_closing && HIDDEN.contains(&name) {
                    let close = format!("</{name}");
                    index = match lower[index..].find(&close) {
                        Some(at) => {
                            let close_at = index + at;
                            html[close_at..]
                                .find('>')
                                .map_or(html.len(), |end| close_at + end + 1)
                        }
                        None => html.len(),
                    };
                    continue;
                }
                match name {
                    "br" => writer.line_break(),
                    "td" | "th" if !closing => writer.pending_space = true,
                    "pre" => {
                        writer.request_breaks(2);
                        if closing {
                            writer.preformatted = writer.preformatted.saturating_sub(1);
                        } else {
                            writer.preformatted += 1;
                        }
                    }
                    _ if BLOCKS.contains(&name) => writer.request_breaks(2),
                    _ if LINES.contains(&name) => writer.request_breaks(1),
                    _ => {}
                }
            }
            _ => {
                // `a < b`: a literal less-than sign.
                writer.text("<");
                index = after;
            }
        }
    }
    let lines: Vec<&str> = writer.out.lines().map(str::trim_end).collect();
    lines.join("\n").trim().to_owned()
}

/// The index of the `>` that ends a tag, skipping `>` inside quoted attribute values.
fn find_tag_end(tag: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut after_equals = false;
    for (index, c) in tag.char_indices() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                after_equals = false;
            }
            Some(_) => {}
            None => match c {
                '>' => return Some(index),
                '"' | '\'' if after_equals => quote = Some(c),
                '=' => after_equals = true,
                c if !c.is_ascii_whitespace() => after_equals = false,
                _ => {}
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lists_breaks_and_entities() {
        let html = concat!(
            "<!DOCTYPE html>\n<html><head><title>T</title><style>p { color: red; }</style>",
            "<script>alert('x')</script></head><body>\n",
            "<h1>Hello &ndash; world</h1>\n<p class=\"lead\">Good  morning!\nHere&#8217;s the news.</p>\n",
            "<ul>\n<li><b>One</b>: first</li>\n<li>Two</li>\n</ul>\n",
            "<p>Quote:<br>&ldquo;Q&rdquo;</p><p><a href=\"https://x.example/?a=1&amp;b=2\">our site</a> &gt;&gt;</p>",
            "<p>A&nbsp;B &amp; C</p><!-- hidden <p>comment</p> --></body></html>"
        );
        assert_eq!(
            html_to_text(html),
            "Hello \u{2013} world\n\nGood morning! Here\u{2019}s the news.\n\nOne: first\nTwo\n\nQuote:\n\u{201c}Q\u{201d}\n\nour site >>\n\nA B & C"
        );
    }

    #[test]
    fn tables_pre_and_case() {
        let html = "<TABLE><TR><TD>a</TD><TD>b</TD></TR><TR><TD>c</TD></TR></TABLE><PRE>x  y\n z</PRE>after";
        assert_eq!(html_to_text(html), "a b\nc\n\nx  y\n z\n\nafter");
    }

    #[test]
    fn script_and_style_never_show_even_when_odd() {
        let html = "<p>keep</p><SCRIPT type=x>var s = '</p>';</SCRIPT ><style>.a{}</style><p>too</p><script>unterminated";
        let text = html_to_text(html);
        assert_eq!(text, "keep\n\ntoo");
    }

    #[test]
    fn hostile_input_is_linear_and_safe() {
        for html in [
            "<",
            "<<<<",
            "a < b",
            "<a href=\"x>",
            "<!--",
            "<!",
            "&#xFFFFFFFF;",
            "<p",
            "</",
        ] {
            let _ = html_to_text(html);
        }
        assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        let big = "<div><a href='x'>".repeat(50_000);
        let started = std::time::Instant::now();
        let _ = html_to_text(&big);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
