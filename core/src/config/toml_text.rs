//! `dos.toml` text to a [`Doc`], the way the reference reads it:
//! `tomllib.loads(path.read_text(encoding="utf-8-sig"))`.
//!
//! So a UTF-8 byte-order mark is dropped, `\r\n` and a lone `\r` become
//! `\n` (text-mode reading), text that is not UTF-8 is a read error, and the
//! grammar is TOML 1.0 (`tomllib`). The `toml` crate speaks TOML 1.1, so the
//! few 1.1 additions (newlines and a trailing comma inside an inline table,
//! the `\e` and `\xHH` escapes, a time without seconds) are refused here
//! before it parses.

use super::layer::Doc;
use super::value::toml_table;
use toml_parser::lexer::TokenKind;
use toml_parser::Source;

/// File bytes to text: drop a BOM, refuse non-UTF-8, translate newlines.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(body).map_err(|e| format!("dos.toml is not UTF-8 text (bad byte at offset {})", e.valid_up_to()))?;
    Ok(universal_newlines(text))
}

/// Text-mode newline translation: `\r\n` and `\r` read as `\n`.
pub fn universal_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Why `text` is TOML 1.1 but not TOML 1.0, if it is.
fn toml_1_1_only(text: &str) -> Option<String> {
    let src = Source::new(text);
    let tokens = src.lex().into_vec();
    let mut stack: Vec<TokenKind> = Vec::new();
    let mut in_value = false;
    // Spans are byte offsets; read them without assuming they fall on
    // character boundaries (no slice of the caller's text can panic).
    let line_of = |offset: usize| {
        let b = text.as_bytes();
        b[..offset.min(b.len())].iter().filter(|&&c| c == b'\n').count() + 1
    };
    for (i, tok) in tokens.iter().enumerate() {
        let span = tok.span();
        let raw = text.get(span.start()..span.end()).unwrap_or("");
        let in_inline_table = stack.last() == Some(&TokenKind::LeftCurlyBracket);
        match tok.kind() {
            TokenKind::Equals if stack.is_empty() => in_value = true,
            TokenKind::Newline | TokenKind::Comment if in_inline_table => {
                return Some(format!("an inline table spans lines (line {}); TOML 1.0 keeps it on one line", line_of(span.start())));
            }
            TokenKind::Newline if stack.is_empty() => in_value = false,
            TokenKind::LeftSquareBracket if in_value || !stack.is_empty() => stack.push(TokenKind::LeftSquareBracket),
            TokenKind::LeftCurlyBracket => stack.push(TokenKind::LeftCurlyBracket),
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket if !stack.is_empty() => {
                stack.pop();
            }
            TokenKind::Comma if in_inline_table => {
                let next = tokens[i + 1..].iter().find(|t| t.kind() != TokenKind::Whitespace);
                if next.map(|t| t.kind()) == Some(TokenKind::RightCurlyBracket) {
                    return Some(format!("an inline table ends with a comma (line {})", line_of(span.start())));
                }
            }
            TokenKind::BasicString | TokenKind::MlBasicString => {
                let mut chars = raw.chars();
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        if let Some(n @ ('e' | 'x')) = chars.next() {
                            return Some(format!("the escape \\{n} (line {}) is not TOML 1.0", line_of(span.start())));
                        }
                    }
                }
            }
            TokenKind::Atom => {
                if let Some(pos) = raw.find(':') {
                    let b = raw.as_bytes();
                    let hh = pos >= 2 && b[pos - 1].is_ascii_digit() && b[pos - 2].is_ascii_digit();
                    let mm = b.len() >= pos + 3 && b[pos + 1].is_ascii_digit() && b[pos + 2].is_ascii_digit();
                    if hh && mm && b.get(pos + 3) != Some(&b':') {
                        return Some(format!("a time without seconds (line {}) is not TOML 1.0", line_of(span.start())));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Parse decoded `dos.toml` text.
pub fn parse(text: &str) -> Doc {
    if let Some(why) = toml_1_1_only(text) {
        return Doc::Invalid(format!("dos.toml is not valid TOML: {why}"));
    }
    match toml::from_str::<toml::Table>(text) {
        Ok(t) => Doc::Parsed(toml_table(&t)),
        Err(e) => {
            let msg = e.to_string();
            let first = msg.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid TOML").trim().to_string();
            Doc::Invalid(format!("dos.toml is not valid TOML: {first}"))
        }
    }
}

/// File bytes to a [`Doc`].
pub fn parse_bytes(bytes: &[u8]) -> Doc {
    match decode(bytes) {
        Ok(text) => parse(&text),
        Err(e) => Doc::Invalid(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(t: &str) -> bool {
        matches!(parse(t), Doc::Invalid(_))
    }

    #[test]
    fn toml_1_0_only() {
        assert!(!invalid("a = {x = 1, y = [1,\n2]}\n"));
        assert!(invalid("a = {x = 1,\n y = 2}\n"));
        assert!(invalid("a = {x = 1, }\n"));
        assert!(invalid("a = \"\\e\"\n"));
        assert!(invalid("a = \"\\x41\"\n"));
        assert!(!invalid("a = '\\e'\n"));
        assert!(!invalid("a = \"\\\\e\"\n"));
        assert!(invalid("a = 07:32\n"));
        assert!(invalid("a = 1979-05-27T07:32Z\n"));
        assert!(invalid("a = 1979-05-27 07:32\n"));
        assert!(!invalid("a = 1979-05-27T07:32:00+05:30\n"));
        assert!(!invalid("a = 07:32:00\n[t]\nb = [\n 1,\n]\n"));
    }

    #[test]
    fn decoding() {
        assert_eq!(decode(b"\xef\xbb\xbfa = 1\r\nb = 2\rc = 3").unwrap(), "a = 1\nb = 2\nc = 3");
        assert!(decode(b"a = \"\xff\"").is_err());
    }
}
