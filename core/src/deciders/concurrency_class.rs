//! `concurrency_class`: the operator's `--class-budget KIND=N` flags.
//!
//! Each flag is `KIND=N`: split at the first `=`, the kind stripped and
//! non-empty, N read as Python's `int()` reads text and not negative. A later
//! flag for the same kind replaces the earlier value (keeping its position).

use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{Dict, Int, Value};
use crate::pystr;

/// A flag the reference refuses (`ValueError`), with our explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadBudgetFlag(pub String);

/// `parse_cli_budgets(pairs)`: `{kind: N}` in first-seen order.
pub fn parse_cli_budgets<S: AsRef<str>>(pairs: &[S]) -> Result<Vec<(String, Int)>, BadBudgetFlag> {
    let mut out: Vec<(String, Int)> = Vec::new();
    for raw in pairs {
        let raw = raw.as_ref();
        let Some((kind, val)) = raw.split_once('=') else {
            return Err(BadBudgetFlag(format!("--class-budget takes KIND=N; {} has no '='", pystr::repr(raw))));
        };
        let kind = pystr::strip(kind);
        if kind.is_empty() {
            return Err(BadBudgetFlag(format!("--class-budget {}: the KIND is empty", pystr::repr(raw))));
        }
        let text = pystr::strip(val);
        let n = pystr::int_from_str(text).ok_or_else(|| {
            BadBudgetFlag(format!("--class-budget {}: N must be an integer, not {}", pystr::repr(raw), pystr::repr(text)))
        })?;
        let negative = match &n {
            Int::Small(v) => *v < 0,
            Int::Big(s) => s.starts_with('-'),
        };
        if negative {
            return Err(BadBudgetFlag(format!("--class-budget {}: N cannot be negative ({n})", pystr::repr(raw))));
        }
        match out.iter_mut().find(|(k, _)| k == kind) {
            Some(slot) => slot.1 = n,
            None => out.push((kind.to_string(), n)),
        }
    }
    Ok(out)
}

fn op_parse(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let pairs = a.opt_str_list("pairs")?.unwrap_or_default();
    let parsed = parse_cli_budgets(&pairs).map_err(|e| a.err(format_args!("pairs: {}", e.0)))?;
    let mut d = Dict::with_capacity(parsed.len());
    for (k, n) in parsed {
        d.push(k, Value::Int(n));
    }
    Ok(Value::Dict(d))
}

pub(crate) const OPS: &[OpSpec] =
    &[OpSpec { name: "concurrency_class.parse_cli_budgets", args: &["pairs"], run: op_parse }];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        let got = parse_cli_budgets(&[" priority = 3", "apply=1", "priority=+2"]).unwrap();
        assert_eq!(got, vec![("priority".into(), Int::Small(2)), ("apply".into(), Int::Small(1))]);
        assert!(parse_cli_budgets(&["x"]).is_err());
        assert!(parse_cli_budgets(&["=1"]).is_err());
        assert!(parse_cli_budgets(&["a=-1"]).is_err());
        assert!(parse_cli_budgets(&["a=1.5"]).is_err());
    }
}
