//! `productivity`: is the work landed per step fading?
//!
//! The input is the ordered list of per-step work deltas (oldest first, in
//! whatever unit the host counts). With fewer than `min_steps` steps (or none)
//! there is no trend to judge: PRODUCTIVE. Otherwise a zero last step is
//! STALLED, the last two steps both under `floor` is DIMINISHING, and anything
//! else is PRODUCTIVE.

use super::argnum::int_field;
use crate::dict;
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Value;

/// The verdict vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Productivity {
    Productive,
    Diminishing,
    Stalled,
}

impl Productivity {
    pub fn as_str(self) -> &'static str {
        match self {
            Productivity::Productive => "PRODUCTIVE",
            Productivity::Diminishing => "DIMINISHING",
            Productivity::Stalled => "STALLED",
        }
    }
}

/// `ProductivityPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProductivityPolicy {
    /// Steps needed before a fading rate may be called out.
    pub min_steps: i64,
    /// A step that lands fewer work units than this "did little".
    pub floor: i64,
}

impl Default for ProductivityPolicy {
    fn default() -> Self {
        ProductivityPolicy { min_steps: 3, floor: 500 }
    }
}

impl ProductivityPolicy {
    /// Build a policy, refusing negative values as the reference does.
    pub fn new(min_steps: i64, floor: i64) -> Result<Self, &'static str> {
        if min_steps < 0 {
            return Err("min_steps cannot be negative");
        }
        if floor < 0 {
            return Err("the per-step work floor cannot be negative");
        }
        Ok(ProductivityPolicy { min_steps, floor })
    }
}

/// `WorkHistory`: the per-step work deltas, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkHistory {
    pub deltas: Vec<i64>,
}

impl WorkHistory {
    /// Build a history, refusing negative deltas as the reference does.
    pub fn new(deltas: Vec<i64>) -> Result<Self, &'static str> {
        if deltas.iter().any(|d| *d < 0) {
            return Err("a work delta cannot be negative");
        }
        Ok(WorkHistory { deltas })
    }

    pub fn step_count(&self) -> usize {
        self.deltas.len()
    }

    pub fn last_delta(&self) -> Option<i64> {
        self.deltas.last().copied()
    }

    pub fn prior_delta(&self) -> Option<i64> {
        self.deltas.len().checked_sub(2).map(|i| self.deltas[i])
    }
}

/// `ProductivityVerdict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductivityVerdict {
    pub verdict: Productivity,
    pub reason: String,
    pub history: WorkHistory,
}

impl ProductivityVerdict {
    pub fn to_value(&self) -> Value {
        let h = &self.history;
        Value::Dict(dict! {
            "verdict" => self.verdict.as_str(),
            "reason" => self.reason.clone(),
            "history" => dict! {
                "deltas" => h.deltas.clone(),
                "step_count" => h.step_count() as i64,
                "last_delta" => h.last_delta(),
                "prior_delta" => h.prior_delta(),
            },
        })
    }
}

/// `classify`: the productivity ladder over a work trend.
pub fn classify(history: &WorkHistory, policy: &ProductivityPolicy) -> ProductivityVerdict {
    let n = history.step_count();
    let verdict = |verdict: Productivity, reason: String| ProductivityVerdict { verdict, reason, history: history.clone() };

    // A Vec length always fits in i64 on supported targets; saturate regardless.
    let n_i64 = i64::try_from(n).unwrap_or(i64::MAX);
    let Some(last) = history.last_delta().filter(|_| n_i64 >= policy.min_steps) else {
        return verdict(
            Productivity::Productive,
            format!(
                "PRODUCTIVE: {n} step(s) recorded, too few to judge a trend (it takes {} and at least \
                 one); nothing to flag yet",
                policy.min_steps
            ),
        );
    };

    if last == 0 {
        return verdict(Productivity::Stalled, format!("STALLED: the latest of {n} steps landed 0 work units; the run has flat-lined"));
    }

    // With a single step there is no prior; the floor itself stands in, which
    // can never be under the floor.
    let prior = history.prior_delta().unwrap_or(policy.floor);
    if last < policy.floor && prior < policy.floor {
        return verdict(
            Productivity::Diminishing,
            format!(
                "DIMINISHING: after {n} steps the two latest landed {prior} and then {last} work units, \
                 each below the floor of {}; returns are fading",
                policy.floor
            ),
        );
    }
    verdict(
        Productivity::Productive,
        format!(
            "PRODUCTIVE: the latest of {n} steps landed {last} work units (the one before: {prior}; \
             floor {}), so work is still landing",
            policy.floor
        ),
    )
}

/// The state [`classify`] reaches, without writing its reason. Same ladder,
/// read from the step count and the last two deltas alone.
pub fn state(n: usize, last: Option<i64>, prior: Option<i64>, policy: &ProductivityPolicy) -> Productivity {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let Some(last) = last.filter(|_| n >= policy.min_steps) else {
        return Productivity::Productive;
    };
    if last == 0 {
        return Productivity::Stalled;
    }
    if last < policy.floor && prior.unwrap_or(policy.floor) < policy.floor {
        Productivity::Diminishing
    } else {
        Productivity::Productive
    }
}

/// Read a `ProductivityPolicy` from `{"min_steps", "floor"}`.
pub fn policy_from_args(p: &Args) -> Result<ProductivityPolicy, CallError> {
    p.check_known(&["min_steps", "floor"])?;
    let d = ProductivityPolicy::default();
    let min_steps = int_field(p, "min_steps", Some(d.min_steps))?;
    let floor = int_field(p, "floor", Some(d.floor))?;
    ProductivityPolicy::new(min_steps, floor).map_err(|m| p.err(m))
}

/// Read a `WorkHistory` from `{"deltas": [int, ...]}`.
pub fn history_from_args(h: &Args) -> Result<WorkHistory, CallError> {
    h.check_known(&["deltas"])?;
    let deltas = match h.dict().get("deltas") {
        None => Vec::new(),
        Some(Value::List(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Int(n) => n.as_i64().ok_or_else(|| h.err(format_args!("deltas[{i}] is out of the 64-bit integer range"))),
                other => Err(h.err(format_args!("deltas[{i}] must be an integer, not {}", other.type_name()))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => return Err(h.err(format_args!("\"deltas\" must be a list, not {}", other.type_name()))),
    };
    WorkHistory::new(deltas).map_err(|m| h.err(m))
}

fn op_classify(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let history = history_from_args(&a.obj("history")?)?;
    let policy = match a.opt_obj("policy")? {
        Some(p) => policy_from_args(&p)?,
        None => ProductivityPolicy::default(),
    };
    Ok(classify(&history, &policy).to_value())
}

pub(crate) const OPS: &[OpSpec] = &[OpSpec { name: "productivity.classify", args: &["history", "policy"], run: op_classify }];

#[cfg(test)]
mod tests {
    use super::*;

    fn v(deltas: &[i64], min_steps: i64, floor: i64) -> Productivity {
        let h = WorkHistory::new(deltas.to_vec()).unwrap();
        classify(&h, &ProductivityPolicy::new(min_steps, floor).unwrap()).verdict
    }

    #[test]
    fn ladder() {
        assert_eq!(v(&[], 3, 500), Productivity::Productive);
        assert_eq!(v(&[], 0, 500), Productivity::Productive);
        assert_eq!(v(&[0, 0], 3, 500), Productivity::Productive);
        assert_eq!(v(&[900, 10, 0], 3, 500), Productivity::Stalled);
        assert_eq!(v(&[900, 40, 12], 3, 500), Productivity::Diminishing);
        assert_eq!(v(&[900, 500, 12], 3, 500), Productivity::Productive);
        assert_eq!(v(&[12], 1, 500), Productivity::Productive);
        assert_eq!(v(&[12], 0, 0), Productivity::Productive);
        assert_eq!(v(&[0], 0, 500), Productivity::Stalled);
    }

    #[test]
    fn state_agrees_with_classify() {
        let vals = [0, 1, 499, 500, 501, i64::MAX];
        let mut histories = vec![vec![]];
        for &a in &vals {
            histories.push(vec![a]);
            for &b in &vals {
                histories.push(vec![a, b]);
                histories.push(vec![7, a, b]);
            }
        }
        for min_steps in [0, 1, 2, 3, 4, i64::MAX] {
            for floor in [0, 1, 500, i64::MAX] {
                let p = ProductivityPolicy::new(min_steps, floor).unwrap();
                for d in &histories {
                    let h = WorkHistory::new(d.clone()).unwrap();
                    let got = state(h.step_count(), h.last_delta(), h.prior_delta(), &p);
                    assert_eq!(got, classify(&h, &p).verdict, "{d:?} {p:?}");
                }
            }
        }
    }

    #[test]
    fn echo_and_validation() {
        let h = WorkHistory::new(vec![5]).unwrap();
        assert_eq!((h.last_delta(), h.prior_delta()), (Some(5), None));
        assert!(WorkHistory::new(vec![1, -1]).is_err());
        assert!(ProductivityPolicy::new(-1, 0).is_err());
        assert!(ProductivityPolicy::new(0, -1).is_err());
    }
}
