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
    assert_eq!(f("many").ty.to_string(), "list[Inner]");
    let inner = reg.get("Inner").unwrap();
    assert_eq!(inner.fields[1].ty.to_string(), "Color | None");
    assert_eq!(inner.fields[1].default, Some(Value::Null));
    assert_eq!(<Outer as Record>::FIELDS, ["s", "x", "f", "any", "inner", "many", "big"]);
}

#[test]
fn every_op_is_listed_with_an_effect_and_routed_ops_with_schemas() {
    let cat = catalog();
    let names = crate::envelope::op_names();
    assert_eq!(cat.ops.len() + 1, names.len(), "every op but `ops` itself");
    let lease = cat.op("lane_lease.acquire").unwrap();
    assert_eq!(lease.effect, Effect::WritesFiles);
    assert_eq!(cat.op("lane_journal.read_file").unwrap().effect, Effect::ReadsFiles);
    assert_eq!(cat.op("liveness.classify").unwrap().effect, Effect::Pure);
    let r = cat.op("claim_ttl.resolve_ttl_minutes").unwrap();
    assert!(r.typed);
    assert_eq!(r.args, ["claim_status", "claim_kind", "expected_wallclock_minutes", "policy"]);
    assert_eq!(r.verdict.to_string(), "int | None");
    let ew = &r.params[2];
    assert!(ew.required && ew.default.is_none(), "a `T | None` parameter without a default stays required");
    let policy = &r.params[3];
    assert_eq!(policy.ty, Type::Record("TtlPolicy"));
    assert_eq!(policy.default.as_ref().and_then(|d| d.get("working_ttl_multiplier")), Some(&Value::int(3)));
    assert!(cat.type_def("TtlPolicy").is_some());
    assert!(cat.type_def("ResolveTtlMinutes").is_none(), "argument structs are not types");
    let m = cat.modules.iter().find(|m| m.name == "claim_ttl").unwrap();
    assert_eq!(m.types, ["TtlPolicy"]);
    // The listing through the envelope keeps the first format's fields.
    let (ok, out) = crate::call(br#"{"abi":1,"op":"ops"}"#);
    assert!(ok);
    let v = pyjson::parse(&out).unwrap();
    let listed = v.get("verdict").and_then(|x| x.get("ops")).and_then(Value::as_list).unwrap();
    let first = listed.iter().find(|o| o.get("op") == Some(&Value::str("claim_ttl.infer_kind"))).unwrap();
    assert_eq!(first.get("effect"), Some(&Value::str("pure")));
    assert_eq!(
        first.get("params").and_then(Value::as_list).unwrap()[1].get("type"),
        Some(&Value::str("tuple[tuple[str, str], ...]"))
    );
}
