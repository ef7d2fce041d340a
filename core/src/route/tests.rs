use super::*;
use crate::pyjson::{self, Dict, Int, Str, Value};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Color {
    /// The first.
    DeepRed,
    Blue,
}

#[derive(Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
struct Inner {
    n: i64,
    #[serde(default)]
    color: Option<Color>,
}

/// A record.
#[derive(Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
struct Outer {
    /// Text.
    s: Str,
    #[serde(default = "seven")]
    #[describe(min = -3)]
    x: i64,
    f: f64,
    any: Value,
    inner: Inner,
    many: Vec<Inner>,
    big: Int,
}

fn seven() -> i64 {
    7
}

fn parse(s: &str) -> Value {
    pyjson::parse_str(s).unwrap()
}

#[test]
fn round_trip_keeps_python_values_and_key_order() {
    let text = r#"{"s":"\ud800x","f":3,"any":{"k":[1.5,18446744073709551616,"\udc00",null,true]},
                   "inner":{"n":-1,"color":"DEEP_RED"},"many":[{"n":2}],"big":123456789012345678901234567890}"#;
    let v = parse(text);
    let o: Outer = pyjson::from_value(&v).unwrap();
    assert_eq!(o.s, Str::Utf16(vec![0xd800, u16::from(b'x')]));
    assert_eq!(o.x, 7);
    assert_eq!(o.f, 3.0);
    assert_eq!(o.inner.color, Some(Color::DeepRed));
    assert_eq!(o.big, Int::Big("123456789012345678901234567890".into()));
    assert_eq!(o.any, v.get("any").unwrap().clone());
    let back = pyjson::to_value(&o).unwrap();
    let keys: Vec<_> = back.as_dict().unwrap().keys().filter_map(Str::as_str).collect();
    assert_eq!(keys, ["s", "x", "f", "any", "inner", "many", "big"]);
    assert_eq!(back.get("any"), v.get("any"));
    assert_eq!(back.get("s"), v.get("s"));
    assert_eq!(back.get("big"), v.get("big"));
    assert_eq!(back.get("f"), Some(&Value::Float(3.0)));
    assert_eq!(back.get("inner").unwrap().get("color"), Some(&Value::str("DEEP_RED")));
    assert_eq!(back.get("many").unwrap().as_list().unwrap()[0].get("color"), Some(&Value::Null));
}

fn err_of(text: &str) -> String {
    pyjson::from_value::<Outer>(&parse(text)).unwrap_err().to_string()
}

#[test]
fn errors_name_the_path_and_python_types() {
    let ok = r#""s":"a","f":1.0,"any":null,"many":[],"big":1"#;
    assert_eq!(err_of(&format!(r#"{{{ok},"inner":{{"n":"1"}}}}"#)), "inner.n: expected int, got str");
    assert_eq!(err_of(&format!(r#"{{{ok},"inner":{{"n":true}}}}"#)), "inner.n: expected int, got bool");
    assert_eq!(err_of(&format!(r#"{{{ok},"inner":{{"n":1.0}}}}"#)), "inner.n: expected int, got float");
    assert_eq!(
        err_of(&format!(r#"{{{ok},"inner":{{"n":18446744073709551616}}}}"#)),
        "inner.n: expected int in the range of i64, got 18446744073709551616"
    );
    assert_eq!(err_of(&format!(r#"{{{ok},"inner":{{"n":1,"zz":0}}}}"#)), r#"inner.zz: unexpected field "zz" (takes: n, color)"#);
    assert_eq!(err_of(&format!(r#"{{{ok},"inner":{{}}}}"#)), r#"inner: missing required field "n""#);
    assert_eq!(
        err_of(&format!(r#"{{{ok},"inner":{{"n":1,"color":"GREEN"}}}}"#)),
        r#"inner.color: "GREEN" is not one of "DEEP_RED", "BLUE""#
    );
    assert_eq!(
        err_of(r#"{"s":"a","f":1.0,"any":null,"inner":{"n":1},"many":[{"n":1},{"n":null}],"big":1}"#),
        "many[1].n: expected int, got None"
    );
    assert_eq!(err_of(r#"{"s":5}"#), "s: expected str, got int");
    assert_eq!(err_of("[]"), "expected dict, got list");
}

#[test]
fn strings_refuse_lone_surrogates_unless_typed_str() {
    let v = parse(r#""\ud800""#);
    assert!(pyjson::from_value::<String>(&v).unwrap_err().to_string().contains("lone surrogate"));
    assert_eq!(pyjson::from_value::<Str>(&v).unwrap(), Str::Utf16(vec![0xd800]));
    assert_eq!(pyjson::to_value(&Str::Utf16(vec![0xd800])).unwrap(), v);
}

#[test]
fn dicts_and_ints_round_trip() {
    let v = parse(r#"{"b":1,"a":{"\udfff":-99999999999999999999999}}"#);
    let d: Dict = pyjson::from_value(&v).unwrap();
    assert_eq!(pyjson::to_value(&d).unwrap(), v);
    let n: i128 = pyjson::from_value(&parse("-170141183460469231731687303715884105728")).unwrap();
    assert_eq!(n, i128::MIN);
    assert_eq!(pyjson::to_value(&n).unwrap(), parse("-170141183460469231731687303715884105728"));
    assert_eq!(pyjson::to_value(&u64::MAX).unwrap(), parse("18446744073709551615"));
}

#[test]
fn describe_gives_names_types_defaults_and_tokens() {
    let mut reg = Registry::default();
    assert_eq!(Outer::describe(&mut reg), Type::Record("Outer"));
    let names: Vec<_> = reg.defs.iter().map(|d| d.name).collect();
    assert_eq!(names, ["Color", "Inner", "Outer"]);
    let color = reg.get("Color").unwrap();
    assert_eq!(color.variants[0].token, "DEEP_RED");
    assert_eq!(color.variants[0].doc, "The first.");
    let outer = reg.get("Outer").unwrap();
    assert_eq!(outer.doc, "A record.");
    let f = |n: &str| outer.fields.iter().find(|f| f.name == n).unwrap().clone();
    assert_eq!(f("s").ty.to_string(), "str");
    assert_eq!(f("s").doc, "Text.");
    assert!(f("s").required);
    assert_eq!(f("x").default, Some(Value::int(7)));
    assert_eq!(f("x").minimum, Some(-3));
    assert_eq!(f("s").minimum, None);
    assert_eq!(f("many").ty.to_string(), "list[Inner]");
    let inner = reg.get("Inner").unwrap();
    assert_eq!(inner.fields[1].ty.to_string(), "Color | None");
    assert_eq!(inner.fields[1].default, Some(Value::Null));
    assert_eq!(<Outer as Record>::FIELDS, ["s", "x", "f", "any", "inner", "many", "big"]);
}

/// A record holding a set, as the reference's `frozenset[str]` fields.
#[derive(Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
struct Holds {
    names: std::collections::BTreeSet<String>,
}

#[test]
fn sets_are_frozensets_read_from_any_list_and_written_sorted() {
    let mut reg = Registry::default();
    Holds::describe(&mut reg);
    let ty = &reg.get("Holds").unwrap().fields[0].ty;
    assert_eq!(*ty, Type::Set(Box::new(Type::Str)));
    assert_eq!(ty.to_string(), "frozenset[str]");
    // Duplicates collapse; the JSON is sorted by code point (`sorted()` on str).
    let h: Holds = pyjson::from_value(&parse(r#"{"names":["b","\u00e9","a","b","Z"]}"#)).unwrap();
    assert_eq!(pyjson::to_value(&h).unwrap(), parse(r#"{"names":["Z","a","b","\u00e9"]}"#));
    assert_eq!(pyjson::from_value::<Holds>(&parse(r#"{"names":[1]}"#)).unwrap_err().to_string(), "names[0]: expected str, got int");
}

#[test]
fn two_modules_may_each_own_a_type_of_the_same_name() {
    let mut reg = Registry::default();
    assert_eq!(reg.claim("Escalation", "dos_core::deciders::improve"), ("Escalation", true));
    reg.define(TypeDef::enumeration("Escalation", "", vec![]));
    assert_eq!(reg.claim("Escalation", "dos_core::deciders::improve"), ("Escalation", false));
    // Another module's type of the same name: its module's name in front.
    let (name, first) = reg.claim("Escalation", "dos_core::deciders::loop_breaker");
    assert_eq!((name, first), ("LoopBreakerEscalation", true));
    reg.define(TypeDef::enumeration(name, "", vec![]));
    assert_eq!(reg.claim("Escalation", "dos_core::deciders::loop_breaker"), ("LoopBreakerEscalation", false));
    let d = reg.get("LoopBreakerEscalation").unwrap();
    assert!(d.module_local && d.class == Some("Escalation"), "{d:?}");
    let first = reg.get("Escalation").unwrap();
    assert!(!first.module_local && first.class.is_none(), "{first:?}");
}

#[derive(Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
struct HoldsText {
    names: std::collections::BTreeSet<Str>,
}

#[test]
fn a_set_of_python_str_keeps_lone_surrogates_in_code_point_order() {
    let mut reg = Registry::default();
    HoldsText::describe(&mut reg);
    assert_eq!(reg.get("HoldsText").unwrap().fields[0].ty, Type::Set(Box::new(Type::Str)));
    // Python: sorted({"\U0001f600", "\ue000", "\ud800", "a", "\ud800"}) (a lone
    // surrogate sorts by its code point, below U+E000; U+1F600 last, though
    // its UTF-16 units start below U+E000).
    let h: HoldsText = pyjson::from_value(&parse(r#"{"names":["\ud83d\ude00","\ue000","\ud800","a","\ud800"]}"#)).unwrap();
    assert_eq!(h.names.len(), 4);
    assert_eq!(pyjson::to_value(&h).unwrap(), parse(r#"{"names":["a","\ud800","\ue000","\ud83d\ude00"]}"#));
}

/// Two integer bounds: one of its own, one against another field.
#[derive(Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
struct Window {
    #[describe(min = 1)]
    lo: i64,
    #[describe(at_least = "lo")]
    hi: i64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
struct Windows {
    #[serde(default)]
    one: Option<Window>,
    many: Vec<Window>,
}

#[test]
fn a_record_checks_its_bounds_and_its_nested_records_after_reading() {
    let mut reg = Registry::default();
    Windows::describe(&mut reg);
    let hi = &reg.get("Window").unwrap().fields[1];
    assert_eq!((hi.at_least, hi.minimum), (Some("lo"), None));
    let read = |s: &str| pyjson::from_value::<Windows>(&parse(s)).unwrap().check().map_err(|e| e.to_string());
    assert_eq!(read(r#"{"one":{"lo":2,"hi":2},"many":[{"lo":1,"hi":9}]}"#), Ok(()));
    assert_eq!(read(r#"{"one":{"lo":0,"hi":2},"many":[]}"#), Err("one.lo: cannot be below 1 (got 0)".into()));
    assert_eq!(read(r#"{"one":{"lo":3,"hi":2},"many":[]}"#), Err("one.hi: hi (2) cannot be below lo (3)".into()));
    assert_eq!(read(r#"{"many":[{"lo":1,"hi":1},{"lo":5,"hi":4}]}"#), Err("many[1].hi: hi (4) cannot be below lo (5)".into()));
}

#[test]
fn a_verdict_that_is_already_a_value_is_moved_as_serde_would_write_it() {
    let text = r#"{"op": "ACQUIRE", "seq": 99999999999999999999, "f": 1.5, "lease": {"tree": ["a", null, true], "k": {}}, "s": "\ud800x"}"#;
    let v = crate::pyjson::parse_str(text).unwrap();
    let d = v.as_dict().unwrap().clone();
    assert_eq!(super::verdict_value(d.clone()).unwrap(), pyjson::to_value(&d).unwrap());
    assert_eq!(super::verdict_value(vec![d.clone(), d.clone()]).unwrap(), pyjson::to_value(&vec![d.clone(), d]).unwrap());
    assert_eq!(super::verdict_value(v.clone()).unwrap(), v);
    assert_eq!(super::verdict_value(7_i64).unwrap(), Value::int(7));
}

#[test]
fn moved_dicts_are_the_value_serde_writes() {
    let dicts = match parse(r#"[{"b": 1, "a": [1.5, null, "\ud800"]}, {}, {"op": "_CORRUPT", "_line": 3}]"#) {
        Value::List(items) => items.into_iter().filter_map(|v| v.as_dict().cloned()).collect::<Vec<Dict>>(),
        _ => unreachable!(),
    };
    let via_serde = pyjson::to_value(&dicts).unwrap();
    assert_eq!(dicts_value(dicts), via_serde);
}

#[test]
fn a_map_keyed_by_str_keeps_lone_surrogate_keys_and_the_first_place_of_a_repeated_key() {
    let v = parse(r#"{"b":1,"\ud800":2,"b":3}"#);
    let m: Map<i64, crate::pyjson::Str> = pyjson::from_value(&v).unwrap();
    assert_eq!(m.0.len(), 2);
    assert_eq!(m.get("b"), Some(&3));
    assert_eq!(m.0[1], (crate::pyjson::Str::Utf16(vec![0xD800]), 2));
    assert_eq!(pyjson::to_value(&m).unwrap(), parse(r#"{"b":3,"\ud800":2}"#));
    // A String key cannot hold the lone surrogate: refused, not mangled.
    assert!(pyjson::from_value::<Map<i64>>(&v).is_err());
    let mut reg = Registry::default();
    assert_eq!(Map::<i64, crate::pyjson::Str>::describe(&mut reg), Type::Dict(Box::new(Type::Int)));
}
