//! A reader for callers that look at a few fields of many documents (the
//! transcript readers: one JSON record per line, of which a handful of keys
//! decide). It accepts and refuses exactly what [`parse`](super::parse)
//! does (the same grammar code: `Parser`), but builds no [`Value`] tree: the
//! document is laid out flat in a caller's reusable [`Scratch`], and a
//! string stays a slice of the input until it is read ([`Text`]), decoded
//! only when it holds an escape. A dict's key lookup is Python's: the last
//! duplicate wins, and keys compare as decoded `str`.

use super::parse::{ParseError, Parser};
use super::value::{Dict, Str, Value};

/// One node of a scanned document. A `List` is followed by its `len`
/// items, a `Dict` by its `len` (key, value) pairs, keys being `Str`
/// nodes; `end` is the index just past the last node they hold.
#[derive(Debug, Clone)]
pub(super) enum Slot {
    /// A number, `null`, `true`, `false` (no allocation but for an int
    /// beyond 64 bits).
    Scalar(Value),
    /// A string: `start` just past its opening quote, `end` just past its
    /// closing quote (byte offsets into the input).
    Str {
        start: usize,
        end: usize,
        escaped: bool,
    },
    List {
        len: usize,
        end: usize,
    },
    Dict {
        len: usize,
        end: usize,
    },
}

/// The reusable node buffer of [`scan`].
#[derive(Debug, Default)]
pub struct Scratch {
    slots: Vec<Slot>,
}

/// Scan one JSON document from text (surrounding JSON whitespace allowed):
/// `Ok` exactly where [`parse_str`](super::parse_str) is `Ok`, the root of
/// the document as an [`Item`].
pub fn scan<'t, 's>(input: &'s str, scratch: &'t mut Scratch) -> Result<Item<'t, 's>, ParseError> {
    scratch.slots.clear();
    Parser::scan_document(input.as_bytes(), &mut scratch.slots)?;
    Ok(Item { src: input.as_bytes(), slots: &scratch.slots, at: 0 })
}

/// A value inside a scanned document.
#[derive(Clone, Copy, Debug)]
pub struct Item<'t, 's> {
    src: &'s [u8],
    slots: &'t [Slot],
    at: usize,
}

fn end_of(slots: &[Slot], i: usize) -> usize {
    match slots.get(i) {
        Some(Slot::List { end, .. } | Slot::Dict { end, .. }) => *end,
        _ => i + 1,
    }
}

impl<'t, 's> Item<'t, 's> {
    fn slot(&self) -> Option<&'t Slot> {
        self.slots.get(self.at)
    }

    fn at(&self, at: usize) -> Item<'t, 's> {
        Item { src: self.src, slots: self.slots, at }
    }

    /// Whether this is a dict.
    pub fn is_dict(&self) -> bool {
        matches!(self.slot(), Some(Slot::Dict { .. }))
    }

    /// `d.get(key)` of a dict (the last of duplicate keys); `None` when this
    /// is not a dict or has no such key.
    pub fn get(&self, key: &str) -> Option<Item<'t, 's>> {
        let Some(&Slot::Dict { len, .. }) = self.slot() else { return None };
        let mut found = None;
        let mut k = self.at + 1;
        for _ in 0..len {
            let v = k + 1;
            if self.at(k).text().is_some_and(|t| t.eq_str(key)) {
                found = Some(v);
            }
            k = end_of(self.slots, v);
        }
        found.map(|v| self.at(v))
    }

    /// The items of a list (none when this is not a list).
    pub fn items(&self) -> Items<'t, 's> {
        let left = match self.slot() {
            Some(&Slot::List { len, .. }) => len,
            _ => 0,
        };
        Items { next: self.at(self.at + 1), left }
    }

    /// The string, when this is one.
    pub fn text(&self) -> Option<Text<'s>> {
        match self.slot() {
            Some(&Slot::Str { start, end, escaped }) => Some(Text { raw: &self.src[start..end], escaped }),
            _ => None,
        }
    }

    /// The value as [`parse`](super::parse) builds it.
    pub fn to_value(&self) -> Value {
        match self.slot() {
            None => Value::Null,
            Some(Slot::Scalar(v)) => v.clone(),
            Some(Slot::Str { .. }) => Value::Str(self.text().map(|t| t.to_str()).unwrap_or_else(|| Str::from(""))),
            Some(Slot::List { .. }) => Value::List(self.items().map(|i| i.to_value()).collect()),
            Some(&Slot::Dict { len, .. }) => {
                let mut d = Dict::with_capacity(len);
                let mut k = self.at + 1;
                for _ in 0..len {
                    let key = self.at(k).text().map(|t| t.to_str()).unwrap_or_else(|| Str::from(""));
                    d.insert(key, self.at(k + 1).to_value());
                    k = end_of(self.slots, k + 1);
                }
                Value::Dict(d)
            }
        }
    }
}

/// The items of a list, in order.
#[derive(Clone, Debug)]
pub struct Items<'t, 's> {
    next: Item<'t, 's>,
    left: usize,
}

impl<'t, 's> Iterator for Items<'t, 's> {
    type Item = Item<'t, 's>;

    fn next(&mut self) -> Option<Item<'t, 's>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let it = self.next;
        self.next = it.at(end_of(it.slots, it.at));
        Some(it)
    }
}

/// A JSON string as it stands in the input (its bytes after the opening
/// quote, through the closing one), read on demand.
#[derive(Clone, Copy, Debug)]
pub struct Text<'s> {
    raw: &'s [u8],
    escaped: bool,
}

impl<'s> Text<'s> {
    /// The text when it holds no escape (no decoding needed).
    pub fn plain(&self) -> Option<&'s str> {
        if self.escaped {
            return None;
        }
        // The scanner took these bytes from a `str` and stopped on ASCII
        // quotes, so they are whole UTF-8.
        std::str::from_utf8(&self.raw[..self.raw.len() - 1]).ok()
    }

    /// Whether the decoded string is empty.
    pub fn is_empty(&self) -> bool {
        // An escape always decodes to at least one code unit.
        self.raw.len() <= 1
    }

    /// Whether the decoded string equals `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        match self.plain() {
            Some(p) => p == s,
            None => self.to_str().as_str() == Some(s),
        }
    }

    /// The decoded string (lone surrogates kept, as `json.loads` keeps them).
    pub fn to_str(&self) -> Str {
        if let Some(p) = self.plain() {
            return Str::from(p);
        }
        Parser::string_at(self.raw).unwrap_or_else(|_| Str::from(""))
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_str;
    use super::*;

    /// Scanned and parsed agree: the same documents accepted, the same
    /// value built.
    fn agree(doc: &str) {
        let mut s = Scratch::default();
        match (parse_str(doc), scan(doc, &mut s)) {
            (Ok(v), Ok(item)) => assert_eq!(format!("{:?}", item.to_value()), format!("{v:?}"), "{doc:?}"),
            (Err(_), Err(_)) => {}
            (p, q) => panic!("{doc:?}: parse {:?}, scan {:?}", p.is_ok(), q.is_ok()),
        }
    }

    const DOCS: &[&str] = &[
        r#"{"a":1,"b":[true,false,null,1.5,-0,1e400,NaN,-Infinity,Infinity],"a":{"x":"y"}}"#,
        r#"{"message":{"role":"assistant","content":[{"type":"text","text":"hi\nthere \ud800 \ud83d\ude00 \u00e9"}]}}"#,
        r#"  [ ]  "#,
        r#"{}"#,
        r#""\u0061""#,
        r#"123456789012345678901234567890"#,
        r#"{"\u0061":1,"a":2}"#,
        "\"a\u{1}\"",
        "\u{feff}{}",
        r#"{"a":1,}"#,
        r#"[1,]"#,
        r#"{"a" 1}"#,
        r#"{'a':1}"#,
        r#""\x""#,
        r#""\u12G4""#,
        r#""abc"#,
        r#""abc\"#,
        r#"[1] x"#,
        r#"tru"#,
        r#"-"#,
        r#"1."#,
        r#"01"#,
        r#""#,
        r#"   "#,
        r#"{"a":[{"b":[{"c":"d"}]},"\/\b\f\n\r\t\"\\"]}"#,
    ];

    #[test]
    fn agrees_with_parse() {
        for d in DOCS {
            agree(d);
        }
        agree(&"[".repeat(super::super::MAX_DEPTH + 1));
        agree(&format!("{}{}", "[".repeat(super::super::MAX_DEPTH), "]".repeat(super::super::MAX_DEPTH)));
        agree(&"9".repeat(4301));
    }

    /// Every one-byte edit of a few documents: scan and parse still agree.
    #[test]
    fn agrees_under_edits() {
        let subs = [b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'u', b'0', b'a', b' ', b'\n', 1, b'-', b'.', b'e'];
        for d in DOCS.iter().take(2).chain([&r#"{"k":[1,"two",{"t":"\u00e9\n"},null]}"#]) {
            let b = d.as_bytes();
            for i in 0..b.len() {
                for &c in &subs {
                    let mut e = b.to_vec();
                    e[i] = c;
                    if let Ok(t) = String::from_utf8(e.clone()) {
                        agree(&t);
                    }
                    e.remove(i);
                    if let Ok(t) = String::from_utf8(e) {
                        agree(&t);
                    }
                }
            }
        }
    }

    #[test]
    fn lookups() {
        let mut s = Scratch::default();
        let doc = r#"{"message":{"role":"a","r\u006fle":"assistant","content":[1,{"type":"text","text":""},"x"]},"n":2}"#;
        let root = scan(doc, &mut s).unwrap();
        let msg = root.get("message").unwrap();
        assert!(msg.is_dict());
        assert!(msg.get("role").unwrap().text().unwrap().eq_str("assistant"));
        let items: Vec<_> = msg.get("content").unwrap().items().collect();
        assert_eq!(items.len(), 3);
        assert!(items[1].get("text").unwrap().text().unwrap().is_empty());
        assert_eq!(items[2].text().unwrap().plain(), Some("x"));
        assert_eq!(root.get("n").unwrap().to_value(), Value::int(2));
        assert!(root.get("missing").is_none());
        assert!(items[0].get("x").is_none());
    }
}
