//! `pyjson.dumps`: Python's `json.dumps` through the envelope.
//!
//! Hosts use it to produce the exact bytes the reference writes (hook stdout,
//! durable records, digest input) without a JSON library of their own, and the
//! golden corpus uses it to pin the codec against CPython.
//!
//! Args: `{"obj": <any JSON>, "sort_keys": bool = false, "ensure_ascii": bool =
//! true, "errors": "surrogatepass" | "strict" | "replace" = "surrogatepass",
//! "separators": [item, key] = [", ", ": "]}`. Verdict: `{"text": <str>}`.
//!
//! `text` is the `str` that `json.dumps` returns. With `ensure_ascii` off it
//! may hold a lone surrogate (from a `"\ud800"` escape in `obj`); `errors`
//! says what to do with one, as `text.encode("utf-8", errors)` would:
//! - `surrogatepass` (default): keep it, so `text` is exactly what Python
//!   returns. The envelope's response writes it as a `\udXXX` escape, which a
//!   Python reader turns back into the same surrogate.
//! - `replace`: each lone surrogate becomes `?`.
//! - `strict`: refuse with `BAD_ARGS` (Python raises `UnicodeEncodeError`).
//!
//! `null` in an option means "absent", as everywhere in the envelope; `obj`
//! itself may be `null` (giving `"null"`).

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{self, LoneSurrogate, Options, Str, Surrogates, Value};
use crate::route::{self, Describe, Module, Op};
use serde::{Deserialize, Deserializer, Serialize};

/// What to do with a lone surrogate in the output: `str.encode`'s `errors`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, Describe)]
#[serde(rename_all = "lowercase")]
pub enum Errors {
    /// Keep it: the text is exactly the `str` Python returns.
    #[default]
    Surrogatepass,
    /// Refuse the call (Python raises `UnicodeEncodeError`).
    Strict,
    /// Each lone surrogate becomes `?`.
    Replace,
}

/// A null read as the field's default (null means "absent" in the envelope).
fn null_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn yes() -> bool {
    true
}

fn null_yes<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
}

/// The text `json.dumps(obj, ...)` returns, with Python's options.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Dumps {
    /// The value written (null writes `null`; it is required all the same).
    pub obj: Value,
    /// Write each object's keys sorted.
    #[serde(default, deserialize_with = "null_default")]
    pub sort_keys: bool,
    /// Escape every non-ASCII character as `\uXXXX`.
    #[serde(default = "yes", deserialize_with = "null_yes")]
    pub ensure_ascii: bool,
    /// What a lone surrogate in the output becomes.
    #[serde(default, deserialize_with = "null_default")]
    pub errors: Errors,
    /// `(item, key)` separators (null: `", "` and `": "`).
    #[serde(default)]
    pub separators: Option<(String, String)>,
}

/// The written text.
#[derive(Clone, Debug, PartialEq, Serialize, Describe)]
pub struct Dumped {
    /// What `json.dumps` returns; with `ensure_ascii` off and
    /// `errors="surrogatepass"` it may hold a lone surrogate.
    pub text: Str,
}

impl Dumps {
    /// The `Options` the call asks for.
    pub fn options(&self) -> Options {
        let mut opts = Options::PLAIN;
        opts.sort_keys = self.sort_keys;
        opts.ensure_ascii = self.ensure_ascii;
        opts.surrogates = match self.errors {
            Errors::Surrogatepass => Surrogates::Pass,
            Errors::Strict => Surrogates::Refuse,
            Errors::Replace => Surrogates::Replace,
        };
        if let Some((item, key)) = &self.separators {
            opts = opts.with_separators(item.clone(), key.clone());
        }
        opts
    }
}

impl Op for Dumps {
    const NAME: &'static str = "pyjson.dumps";
    type Verdict = Dumped;

    fn run(self, _: &Ctx<'_>) -> Result<Dumped, CallError> {
        let text = pyjson::dumps_str(&self.obj, self.options()).map_err(|LoneSurrogate(unit)| {
            CallError::bad_args(format!(
                "{}: the output holds a lone surrogate (U+{unit:04X}) that UTF-8 cannot encode with errors=\"strict\"",
                Self::NAME
            ))
        })?;
        Ok(Dumped { text })
    }
}

pub(crate) const MODULE: Module = Module {
    name: "pyjson",
    doc: "Python's `json.dumps` through the envelope: the exact text the reference writes (hook stdout, durable \
          records, digest input), for hosts without a JSON library of their own; the golden corpus pins it \
          against CPython.",
    routes: &[route::route::<Dumps>()],
    consts: &[],
};

#[cfg(test)]
mod tests {
    use crate::pyjson::{parse, Str, Value};

    fn run(args: &str) -> Result<Value, String> {
        let req = format!(r#"{{"abi":1,"op":"pyjson.dumps","args":{args}}}"#);
        let (ok, out) = crate::envelope::call_pure(req.as_bytes());
        let resp = parse(&out).map_err(|e| e.to_string())?;
        if ok {
            resp.get("verdict").and_then(|v| v.get("text")).cloned().ok_or_else(|| "no text".into())
        } else {
            Err(resp.get("error").and_then(|e| e.get("code")).and_then(Value::as_str).unwrap_or("").to_owned())
        }
    }

    #[test]
    fn defaults_are_python_defaults() {
        assert_eq!(run(r#"{"obj":{"b":[1,2.0],"a":"\u00e9"}}"#), Ok(Value::str(r#"{"b": [1, 2.0], "a": "\u00e9"}"#)));
        assert_eq!(run(r#"{"obj":null}"#), Ok(Value::str("null")));
        assert_eq!(run(r#"{"obj":{"b":1,"a":2},"sort_keys":true,"separators":[",",":"]}"#), Ok(Value::str(r#"{"a":2,"b":1}"#)));
    }

    #[test]
    fn lone_surrogates_follow_errors() {
        let lone = Value::Str(Str::Utf16(vec![b'"' as u16, 0xD800, b'"' as u16]));
        assert_eq!(run(r#"{"obj":"\ud800","ensure_ascii":false}"#), Ok(lone));
        assert_eq!(run(r#"{"obj":"\ud800","ensure_ascii":false,"errors":"replace"}"#), Ok(Value::str("\"?\"")));
        assert_eq!(run(r#"{"obj":"\ud800","ensure_ascii":false,"errors":"strict"}"#), Err("BAD_ARGS".into()));
        assert_eq!(run(r#"{"obj":"\ud800","errors":"strict"}"#), Ok(Value::str(r#""\ud800""#)));
    }

    #[test]
    fn bad_args_are_refused() {
        for args in [
            r#"{}"#,
            r#"{"obj":1,"sort_keys":"yes"}"#,
            r#"{"obj":1,"errors":"ignore"}"#,
            r#"{"obj":1,"separators":[","]}"#,
            r#"{"obj":1,"separators":[",",1]}"#,
            r#"{"obj":1,"separators":["\udc00",":"]}"#,
            r#"{"obj":1,"indent":2}"#,
        ] {
            assert_eq!(run(args), Err("BAD_ARGS".into()), "{args}");
        }
    }
}
