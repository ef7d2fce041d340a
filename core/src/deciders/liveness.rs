//! `liveness`: is a run moving, alive but idle, or dead?
//!
//! The caller gathers the evidence (commits and journal events since the run
//! began, the age of the newest heartbeat, optionally an OS process probe and
//! the clock) and this module only reads it:
//!
//! 1. any commit, then any state-changing journal event, means ADVANCING;
//! 2. otherwise a heartbeat no older than `spin_ms` means the run is alive —
//!    unless the OS says its process is gone (STALLED); an alive run younger
//!    than `grace_ms` is not judged yet (ADVANCING); an older one is SPINNING;
//! 3. no heartbeat, or a stale one, is STALLED.

use super::argnum::int_field;
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Value;
use crate::dict;

/// The verdict vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Liveness {
    Advancing,
    Spinning,
    Stalled,
}

impl Liveness {
    pub fn as_str(self) -> &'static str {
        match self {
            Liveness::Advancing => "ADVANCING",
            Liveness::Spinning => "SPINNING",
            Liveness::Stalled => "STALLED",
        }
    }
}

/// `LivenessPolicy`: the two windows, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LivenessPolicy {
    /// Minimum run age before an alive, idle run is called SPINNING.
    pub grace_ms: i64,
    /// Oldest heartbeat that still counts as proof of life.
    pub spin_ms: i64,
}

impl Default for LivenessPolicy {
    fn default() -> Self {
        LivenessPolicy { grace_ms: 30 * 60 * 1000, spin_ms: 15 * 60 * 1000 }
    }
}

impl LivenessPolicy {
    /// Build a policy, refusing negative windows as the reference does.
    pub fn new(grace_ms: i64, spin_ms: i64) -> Result<Self, &'static str> {
        if grace_ms < 0 || spin_ms < 0 {
            return Err("the liveness windows (grace_ms, spin_ms) cannot be negative");
        }
        Ok(LivenessPolicy { grace_ms, spin_ms })
    }
}

/// `ProgressEvidence`: everything the verdict reads, gathered by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgressEvidence {
    pub run_started_ms: i64,
    pub now_ms: i64,
    pub commits_since_start: i64,
    pub journal_events_since: i64,
    pub last_heartbeat_age_ms: Option<i64>,
    /// Echoed only; never read by the ladder.
    pub tokens_spent_since: Option<i64>,
    /// The OS process probe: `Some(false)` can only demote an alive run.
    pub process_alive: Option<bool>,
}

impl ProgressEvidence {
    /// Evidence with the optional fields at their defaults.
    pub fn new(run_started_ms: i64, now_ms: i64, commits_since_start: i64) -> Self {
        ProgressEvidence {
            run_started_ms,
            now_ms,
            commits_since_start,
            journal_events_since: 0,
            last_heartbeat_age_ms: None,
            tokens_spent_since: None,
            process_alive: None,
        }
    }

    /// The reference's check: the two counts cannot be negative.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.commits_since_start < 0 || self.journal_events_since < 0 {
            return Err("commits_since_start and journal_events_since cannot be negative");
        }
        Ok(())
    }
}

/// `LivenessVerdict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LivenessVerdict {
    pub verdict: Liveness,
    pub reason: String,
    pub evidence: ProgressEvidence,
}

impl LivenessVerdict {
    pub fn to_value(&self) -> Value {
        let ev = &self.evidence;
        Value::Dict(dict! {
            "verdict" => self.verdict.as_str(),
            "reason" => self.reason.clone(),
            "evidence" => dict! {
                "run_started_ms" => ev.run_started_ms,
                "now_ms" => ev.now_ms,
                "commits_since_start" => ev.commits_since_start,
                "journal_events_since" => ev.journal_events_since,
                "last_heartbeat_age_ms" => ev.last_heartbeat_age_ms,
                "tokens_spent_since" => ev.tokens_spent_since,
                "process_alive" => ev.process_alive,
            },
        })
    }
}

/// `classify`: the liveness ladder over already-gathered evidence.
pub fn classify(ev: &ProgressEvidence, policy: &LivenessPolicy) -> LivenessVerdict {
    let verdict = |verdict: Liveness, reason: String| LivenessVerdict { verdict, reason, evidence: *ev };

    if ev.commits_since_start >= 1 {
        return verdict(
            Liveness::Advancing,
            format!(
                "ADVANCING: {} commit(s) landed after the start SHA, so the repository moved",
                ev.commits_since_start
            ),
        );
    }
    if ev.journal_events_since >= 1 {
        return verdict(
            Liveness::Advancing,
            format!(
                "ADVANCING: no commits yet, but {} lease-work journal event(s) were recorded since the start",
                ev.journal_events_since
            ),
        );
    }

    let Some(age) = ev.last_heartbeat_age_ms.filter(|age| *age <= policy.spin_ms) else {
        return match ev.last_heartbeat_age_ms {
            None => verdict(
                Liveness::Stalled,
                "STALLED: nothing committed and no heartbeat ever seen; the run is dead or hung".into(),
            ),
            Some(age) => verdict(
                Liveness::Stalled,
                format!(
                    "STALLED: nothing committed and the newest heartbeat is {age} ms old, past the \
                     {} ms spin window; the run is dead or hung",
                    policy.spin_ms
                ),
            ),
        };
    };

    if ev.process_alive == Some(false) {
        return verdict(
            Liveness::Stalled,
            format!(
                "STALLED: a {age} ms old heartbeat looks alive, but the OS probe found the process gone; \
                 the probe outranks the heartbeat"
            ),
        );
    }

    // Python ints: the difference of two i64 clock values can exceed i64.
    let run_age = i128::from(ev.now_ms) - i128::from(ev.run_started_ms);
    if run_age < i128::from(policy.grace_ms) {
        return verdict(
            Liveness::Advancing,
            format!(
                "ADVANCING: nothing committed yet, but the run is alive (heartbeat {age} ms old) and only \
                 {run_age} ms old, under the {} ms grace, so it is not judged yet",
                policy.grace_ms
            ),
        );
    }
    verdict(
        Liveness::Spinning,
        format!(
            "SPINNING: alive (heartbeat {age} ms old, within the {} ms spin window) and {run_age} ms old \
             (grace {} ms reached), yet 0 commits and 0 journal events since the start",
            policy.spin_ms, policy.grace_ms
        ),
    )
}

/// The state [`classify`] reaches, without writing its reason: for hosts
/// that produce the prose only when it is asked for. Same ladder.
pub fn state(ev: &ProgressEvidence, policy: &LivenessPolicy) -> Liveness {
    if ev.commits_since_start >= 1 || ev.journal_events_since >= 1 {
        return Liveness::Advancing;
    }
    if !ev.last_heartbeat_age_ms.is_some_and(|age| age <= policy.spin_ms) || ev.process_alive == Some(false) {
        return Liveness::Stalled;
    }
    if i128::from(ev.now_ms) - i128::from(ev.run_started_ms) < i128::from(policy.grace_ms) {
        Liveness::Advancing
    } else {
        Liveness::Spinning
    }
}

/// Read a `LivenessPolicy` from `{"grace_ms", "spin_ms"}`.
pub fn policy_from_args(p: &Args) -> Result<LivenessPolicy, CallError> {
    p.check_known(&["grace_ms", "spin_ms"])?;
    let d = LivenessPolicy::default();
    let grace_ms = int_field(p, "grace_ms", Some(d.grace_ms))?;
    let spin_ms = int_field(p, "spin_ms", Some(d.spin_ms))?;
    LivenessPolicy::new(grace_ms, spin_ms).map_err(|m| p.err(m))
}

/// Read `ProgressEvidence` from its dataclass fields.
pub fn evidence_from_args(e: &Args) -> Result<ProgressEvidence, CallError> {
    e.check_known(&[
        "run_started_ms",
        "now_ms",
        "commits_since_start",
        "journal_events_since",
        "last_heartbeat_age_ms",
        "tokens_spent_since",
        "process_alive",
    ])?;
    let ev = ProgressEvidence {
        run_started_ms: int_field(e, "run_started_ms", None)?,
        now_ms: int_field(e, "now_ms", None)?,
        commits_since_start: int_field(e, "commits_since_start", None)?,
        journal_events_since: int_field(e, "journal_events_since", Some(0))?,
        last_heartbeat_age_ms: e.opt_i64("last_heartbeat_age_ms")?,
        tokens_spent_since: e.opt_i64("tokens_spent_since")?,
        process_alive: e.opt_bool("process_alive")?,
    };
    ev.validate().map_err(|m| e.err(m))?;
    Ok(ev)
}

fn op_classify(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let ev = evidence_from_args(&a.obj("ev")?)?;
    let policy = match a.opt_obj("policy")? {
        Some(p) => policy_from_args(&p)?,
        None => LivenessPolicy::default(),
    };
    Ok(classify(&ev, &policy).to_value())
}

pub(crate) const OPS: &[OpSpec] = &[OpSpec { name: "liveness.classify", args: &["ev", "policy"], run: op_classify }];

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(commits: i64, journal: i64, age: Option<i64>, started: i64, now: i64) -> ProgressEvidence {
        ProgressEvidence {
            journal_events_since: journal,
            last_heartbeat_age_ms: age,
            ..ProgressEvidence::new(started, now, commits)
        }
    }

    fn v(e: &ProgressEvidence) -> Liveness {
        classify(e, &LivenessPolicy::default()).verdict
    }

    #[test]
    fn ladder() {
        let min = 60_000;
        assert_eq!(v(&ev(2, 0, None, 0, 0)), Liveness::Advancing);
        assert_eq!(v(&ev(0, 1, Some(99 * min), 0, 0)), Liveness::Advancing);
        assert_eq!(v(&ev(0, 0, None, 0, 99 * min)), Liveness::Stalled);
        assert_eq!(v(&ev(0, 0, Some(15 * min + 1), 0, 99 * min)), Liveness::Stalled);
        assert_eq!(v(&ev(0, 0, Some(15 * min), 0, 30 * min)), Liveness::Spinning);
        assert_eq!(v(&ev(0, 0, Some(15 * min), 0, 30 * min - 1)), Liveness::Advancing);
        let dead = ProgressEvidence { process_alive: Some(false), ..ev(0, 0, Some(0), 0, 0) };
        assert_eq!(v(&dead), Liveness::Stalled);
        let up = ProgressEvidence { process_alive: Some(true), ..ev(0, 0, Some(0), 0, 40 * min) };
        assert_eq!(v(&up), Liveness::Spinning);
    }

    #[test]
    fn state_agrees_with_classify() {
        let vals = [i64::MIN, -1, 0, 1, 2, 899_999, 900_000, 900_001, 1_800_000, 3_600_000, i64::MAX];
        let policies = [LivenessPolicy::default(), LivenessPolicy { grace_ms: 0, spin_ms: 0 }, LivenessPolicy { grace_ms: i64::MAX, spin_ms: 1 }];
        for p in &policies {
            for &commits in &[0, 1, -1] {
                for &journal in &[0, 1] {
                    for age in [None, Some(-5), Some(0), Some(900_000), Some(900_001)] {
                        for alive in [None, Some(true), Some(false)] {
                            for &started in &vals {
                                for &now in &vals {
                                    let e = ProgressEvidence {
                                        journal_events_since: journal,
                                        last_heartbeat_age_ms: age,
                                        process_alive: alive,
                                        ..ProgressEvidence::new(started, now, commits)
                                    };
                                    assert_eq!(state(&e, p), classify(&e, p).verdict, "{e:?} {p:?}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn extreme_clocks_do_not_overflow() {
        let e = ev(0, 0, Some(0), i64::MIN, i64::MAX);
        let out = classify(&e, &LivenessPolicy::default());
        assert_eq!(out.verdict, Liveness::Spinning);
        let age = i128::from(i64::MAX) - i128::from(i64::MIN);
        assert!(out.reason.contains(&age.to_string()));
    }

    #[test]
    fn validation() {
        assert!(LivenessPolicy::new(-1, 0).is_err());
        assert!(ev(-1, 0, None, 0, 0).validate().is_err());
        assert!(ev(0, -1, None, 0, 0).validate().is_err());
    }
}
