//! Properties of the Python-compatible JSON codec.
//!
//! - Whatever the writer emits, the reader reads back as the same value
//!   (floats compared by their bits, any NaN equal to any NaN; objects in
//!   order), under each spelling that keeps lone surrogates readable.
//! - The reader never panics, whatever the bytes.

use dos_core::pyjson::{self, Dict, Int, Options, Str, Surrogates, Value};
use proptest::prelude::*;

/// Structural equality with floats compared bit for bit.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
        }
        _ => a == b,
    }
}

/// A Python `str`: usually valid text, sometimes UTF-16 units that may hold
/// lone surrogates (normalized as the reader normalizes them).
fn any_str() -> impl Strategy<Value = Str> {
    let unit = prop_oneof![
        4 => 0x20u16..0x7f,
        2 => 0u16..0x20,
        1 => Just(0x7f),
        2 => 0x80u16..0xD800,
        3 => 0xD800u16..0xE000,
        2 => 0xE000u16..=0xFFFF,
    ];
    prop_oneof![
        3 => any::<String>().prop_map(Str::Utf8),
        2 => proptest::collection::vec(unit, 0..12).prop_map(Str::from_utf16),
    ]
}

/// A Python `int` beyond `i64`, as canonical digits.
fn big_int() -> impl Strategy<Value = Int> {
    (any::<bool>(), 1u8..=9, proptest::collection::vec(0u8..=9, 19..80)).prop_map(|(neg, lead, rest)| {
        let mut s = String::with_capacity(rest.len() + 2);
        if neg {
            s.push('-');
        }
        s.push(char::from(b'0' + lead));
        s.extend(rest.into_iter().map(|d| char::from(b'0' + d)));
        Int::Big(s.into())
    })
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::int),
        big_int().prop_map(Value::Int),
        // Every bit pattern: subnormals, infinities, NaN payloads, -0.0.
        any::<u64>().prop_map(|b| Value::Float(f64::from_bits(b))),
        any::<f64>().prop_map(Value::Float),
        any_str().prop_map(Value::Str),
    ]
}

fn any_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
            proptest::collection::vec((any_str(), inner), 0..8).prop_map(|entries| {
                let mut d = Dict::new();
                for (k, v) in entries {
                    d.insert(k, v);
                }
                Value::Dict(d)
            }),
        ]
    })
}

/// The spellings whose output the reader must take back unchanged.
fn spellings() -> Vec<Options> {
    vec![
        Options::SORTED_ASCII,
        Options::PLAIN,
        Options::COMPACT,
        Options::SORTED_UTF8.with_surrogates(Surrogates::Escape),
        Options::PLAIN.with_separators(" ,\n", "\t:\r "),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_reads_back_what_dumps_writes(v in any_value()) {
        for opts in spellings() {
            let sorted = opts.sort_keys;
            let text = pyjson::dumps(&v, opts).expect("these spellings never refuse");
            let back = pyjson::parse(&text);
            prop_assert!(back.is_ok(), "{:?} does not parse: {:?}", String::from_utf8_lossy(&text), back);
            let back = back.unwrap_or(Value::Null);
            if sorted {
                // Sorting changes object order only; writing again is stable.
                let again = pyjson::dumps(&back, Options::SORTED_ASCII).unwrap_or_default();
                prop_assert_eq!(&again, &pyjson::dumps(&v, Options::SORTED_ASCII).unwrap_or_default());
            } else {
                prop_assert!(same(&back, &v), "{:?}\n read back as {:?}", v, back);
            }
        }
    }

    #[test]
    fn ascii_output_is_ascii_and_utf8_output_is_utf8(v in any_value()) {
        let ascii = pyjson::dumps(&v, Options::SORTED_ASCII).unwrap_or_default();
        prop_assert!(ascii.is_ascii());
        let utf8 = pyjson::dumps(&v, Options::SORTED_UTF8.with_surrogates(Surrogates::Replace)).unwrap_or_default();
        prop_assert!(std::str::from_utf8(&utf8).is_ok());
    }

    #[test]
    fn dumps_str_keeps_each_lone_surrogate_where_replace_writes_a_question_mark(v in any_value()) {
        let opts = Options { ensure_ascii: false, ..Options::PLAIN };
        let kept = pyjson::dumps_str(&v, opts.clone().with_surrogates(Surrogates::Pass));
        let replaced = pyjson::dumps_string(&v, opts.clone().with_surrogates(Surrogates::Replace));
        prop_assert!(kept.is_ok() && replaced.is_ok());
        let (kept, replaced) = (kept.unwrap_or(Str::Utf8(String::new())), replaced.unwrap_or_default());
        let kept_cps: Vec<u32> = kept.code_points().collect();
        let replaced_cps: Vec<u32> = replaced.chars().map(u32::from).collect();
        prop_assert_eq!(kept_cps.len(), replaced_cps.len());
        for (k, r) in kept_cps.iter().zip(&replaced_cps) {
            prop_assert!(k == r || ((0xD800..0xE000).contains(k) && *r == u32::from('?')));
        }
        // Without a lone surrogate it is the plain UTF-8 text.
        if let Ok(strict) = pyjson::dumps_string(&v, opts.with_surrogates(Surrogates::Refuse)) {
            prop_assert_eq!(kept, Str::Utf8(strict));
        }
    }

    #[test]
    fn parse_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = pyjson::parse(&bytes);
    }

    #[test]
    fn parse_never_panics_on_json_like_bytes(
        parts in proptest::collection::vec(
            prop_oneof![
                Just(&b"{"[..]), Just(&b"}"[..]), Just(&b"["[..]), Just(&b"]"[..]), Just(&b","[..]),
                Just(&b":"[..]), Just(&b"\""[..]), Just(&b"\\"[..]), Just(&b"\\u"[..]), Just(&b"\\ud800"[..]),
                Just(&b"\\udc00"[..]), Just(&b"0"[..]), Just(&b"-"[..]), Just(&b"."[..]), Just(&b"e"[..]),
                Just(&b"E+"[..]), Just(&b"1"[..]), Just(&b"NaN"[..]), Just(&b"-Infinity"[..]), Just(&b"null"[..]),
                Just(&b"tru"[..]), Just(&b" "[..]), Just(&b"\xef\xbb\xbf"[..]), Just(&b"\xed\xa0\x80"[..]),
                Just(&b"\xc3"[..]), Just(&b"\x00"[..]), Just(&b"\"k\":"[..]),
            ],
            0..64,
        )
    ) {
        let bytes: Vec<u8> = parts.concat();
        let _ = pyjson::parse(&bytes);
    }

    #[test]
    fn mutated_documents_never_panic(v in any_value(), cut in any::<usize>(), byte in any::<u8>()) {
        let mut text = pyjson::dumps(&v, Options::PLAIN).unwrap_or_default();
        if !text.is_empty() {
            let i = cut % text.len();
            text[i] = byte;
            let _ = pyjson::parse(&text);
            text.truncate(i);
            let _ = pyjson::parse(&text);
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = "[".repeat(100_000);
    assert!(pyjson::parse(deep.as_bytes()).is_err());
    let deep = "{\"a\":".repeat(100_000);
    assert!(pyjson::parse(deep.as_bytes()).is_err());
}
