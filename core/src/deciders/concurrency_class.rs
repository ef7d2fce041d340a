//! `concurrency_class`: the operator's `--class-budget KIND=N` flags.
//!
//! Each flag is `KIND=N`: split at the first `=`, the kind stripped and
//! non-empty, N read as Python's `int()` reads text and not negative. A later
//! flag for the same kind replaces the earlier value (keeping its position).

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Int, Str};
use crate::pystr;
use crate::route::{self, Describe, Module, Op};
use serde::Deserialize;

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

/// Parse the operator's repeatable `--class-budget KIND=N` flags into
/// `{kind: N}` in first-seen order (a later flag for a kind replaces its
/// value). A flag with no `=`, an empty kind, or an N that is not a
/// non-negative integer is refused (BAD_ARGS); no flags (or None) is `{}`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ParseCliBudgets {
    /// The `KIND=N` flags, or None for none.
    #[serde(default)]
    pub pairs: Option<Vec<Str>>,
}

impl Op for ParseCliBudgets {
    const NAME: &'static str = "concurrency_class.parse_cli_budgets";
    type Verdict = route::Map<Int>;

    fn run(self, _: &Ctx<'_>) -> Result<route::Map<Int>, CallError> {
        let pairs = self.pairs.unwrap_or_default();
        let mut texts = Vec::with_capacity(pairs.len());
        for (i, p) in pairs.iter().enumerate() {
            texts.push(p.as_str().ok_or_else(|| {
                CallError::bad_args(format!("{}: pairs[{i}] holds a lone surrogate, which this operation cannot take", Self::NAME))
            })?);
        }
        let parsed = parse_cli_budgets(&texts).map_err(|e| CallError::bad_args(format!("{}: pairs: {}", Self::NAME, e.0)))?;
        Ok(route::Map(parsed))
    }
}

pub(crate) const MODULE: Module = Module {
    name: "concurrency_class",
    doc: "The operator's `--class-budget KIND=N` flags, read into per-kind budgets.",
    routes: &[route::route::<ParseCliBudgets>()],
    consts: &[],
};

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
