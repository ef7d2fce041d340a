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
//!
//! `classify` is on the generated route (`crate::route`): the types below
//! are declared once, and their docs are the schema's docs.

use crate::envelope::{CallError, Ctx};
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// A run's liveness state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Liveness {
    /// Ground truth moved since the run began (or the run is too young to judge).
    Advancing,
    /// Alive by its heartbeat, yet nothing moved.
    Spinning,
    /// No live heartbeat and nothing moved: dead or hung.
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

/// The two windows of the ladder, in milliseconds (defaults: 30 minutes of
/// grace, a 15-minute spin window). Neither may be negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct LivenessPolicy {
    /// Minimum run age before an alive, idle run is called SPINNING.
    #[describe(min = 0)]
    pub grace_ms: i64,
    /// Oldest heartbeat that still counts as proof of life.
    #[describe(min = 0)]
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
        LivenessPolicy { grace_ms, spin_ms }.validate().map(|()| LivenessPolicy { grace_ms, spin_ms })
    }

    /// The reference's check: neither window is negative.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.grace_ms < 0 || self.spin_ms < 0 {
            return Err("the liveness windows (grace_ms, spin_ms) cannot be negative");
        }
        Ok(())
    }
}

/// What the caller measured about one run; `classify` reads nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ProgressEvidence {
    /// When the run began, in ms since the epoch.
    pub run_started_ms: i64,
    /// The caller's clock, in ms since the epoch.
    pub now_ms: i64,
    /// Commits landed after the run's start SHA.
    #[describe(min = 0)]
    pub commits_since_start: i64,
    /// State-changing lane-journal events since the start.
    #[serde(default)]
    #[describe(min = 0)]
    pub journal_events_since: i64,
    /// Age of the newest heartbeat, or None when the run never beat.
    #[serde(default)]
    pub last_heartbeat_age_ms: Option<i64>,
    /// Tokens spent since the start; echoed, never read by the ladder.
    #[serde(default)]
    pub tokens_spent_since: Option<i64>,
    /// The OS process probe: only a definite False counts, and it can only demote an alive run.
    #[serde(default)]
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

/// The state, one line saying why, and the evidence it judged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LivenessVerdict {
    pub verdict: Liveness,
    /// One line for the operator.
    pub reason: String,
    pub evidence: ProgressEvidence,
}

/// `classify`: the liveness ladder over already-gathered evidence.
pub fn classify(ev: &ProgressEvidence, policy: &LivenessPolicy) -> LivenessVerdict {
    let (verdict, why) = judge(ev, policy);
    LivenessVerdict { verdict, reason: why.to_string(), evidence: *ev }
}

/// Why the ladder stopped where it did: the facts its reason line states.
/// `judge` returns it unwritten, so a caller that may never show the reason
/// (a host's fast path) writes it only when asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    Commits(i64),
    JournalEvents(i64),
    NeverBeat,
    HeartbeatTooOld { age: i64, spin_ms: i64 },
    ProbeFoundGone { age: i64 },
    InGrace { age: i64, run_age: i128, grace_ms: i64 },
    Spinning { age: i64, run_age: i128, spin_ms: i64, grace_ms: i64 },
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Why::Commits(n) => write!(f, "ADVANCING: {n} commit(s) landed after the start SHA, so the repository moved"),
            Why::JournalEvents(n) => {
                write!(f, "ADVANCING: no commits yet, but {n} lease-work journal event(s) were recorded since the start")
            }
            Why::NeverBeat => f.write_str("STALLED: nothing committed and no heartbeat ever seen; the run is dead or hung"),
            Why::HeartbeatTooOld { age, spin_ms } => write!(
                f,
                "STALLED: nothing committed and the newest heartbeat is {age} ms old, past the \
                 {spin_ms} ms spin window; the run is dead or hung"
            ),
            Why::ProbeFoundGone { age } => write!(
                f,
                "STALLED: a {age} ms old heartbeat looks alive, but the OS probe found the process gone; \
                 the probe outranks the heartbeat"
            ),
            Why::InGrace { age, run_age, grace_ms } => write!(
                f,
                "ADVANCING: nothing committed yet, but the run is alive (heartbeat {age} ms old) and only \
                 {run_age} ms old, under the {grace_ms} ms grace, so it is not judged yet"
            ),
            Why::Spinning { age, run_age, spin_ms, grace_ms } => write!(
                f,
                "SPINNING: alive (heartbeat {age} ms old, within the {spin_ms} ms spin window) and {run_age} ms old \
                 (grace {grace_ms} ms reached), yet 0 commits and 0 journal events since the start"
            ),
        }
    }
}

/// The ladder itself: the state and why, the reason left unwritten.
pub fn judge(ev: &ProgressEvidence, policy: &LivenessPolicy) -> (Liveness, Why) {
    if ev.commits_since_start >= 1 {
        return (Liveness::Advancing, Why::Commits(ev.commits_since_start));
    }
    if ev.journal_events_since >= 1 {
        return (Liveness::Advancing, Why::JournalEvents(ev.journal_events_since));
    }
    let Some(age) = ev.last_heartbeat_age_ms.filter(|age| *age <= policy.spin_ms) else {
        return match ev.last_heartbeat_age_ms {
            None => (Liveness::Stalled, Why::NeverBeat),
            Some(age) => (Liveness::Stalled, Why::HeartbeatTooOld { age, spin_ms: policy.spin_ms }),
        };
    };
    if ev.process_alive == Some(false) {
        return (Liveness::Stalled, Why::ProbeFoundGone { age });
    }
    // Python ints: the difference of two i64 clock values can exceed i64.
    let run_age = i128::from(ev.now_ms) - i128::from(ev.run_started_ms);
    if run_age < i128::from(policy.grace_ms) {
        return (Liveness::Advancing, Why::InGrace { age, run_age, grace_ms: policy.grace_ms });
    }
    (Liveness::Spinning, Why::Spinning { age, run_age, spin_ms: policy.spin_ms, grace_ms: policy.grace_ms })
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

/// Judge one run's liveness from the evidence its caller gathered (no
/// I/O, no clock): a commit, else a journal event, since the start is
/// ADVANCING; a heartbeat within the spin window proves life, but an OS
/// probe that found the process gone makes it STALLED, and an alive run
/// younger than the grace window is ADVANCING, an older one SPINNING; no
/// heartbeat, or an older one, is STALLED.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    pub ev: ProgressEvidence,
    /// The windows; None, or left out, is the default policy.
    #[serde(default, deserialize_with = "default_when_null")]
    pub policy: LivenessPolicy,
}

/// An explicit null reads as the default, as the envelope op has always taken it.
fn default_when_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Op for Classify {
    const NAME: &'static str = "liveness.classify";
    type Verdict = LivenessVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<LivenessVerdict, CallError> {
        self.ev.validate().map_err(|m| CallError::bad_args(format!("{}: args.ev: {m}", Self::NAME)))?;
        self.policy.validate().map_err(|m| CallError::bad_args(format!("{}: args.policy: {m}", Self::NAME)))?;
        Ok(classify(&self.ev, &self.policy))
    }
}

/// The `liveness` module: its op and constants.
pub(crate) const MODULE: Module = Module {
    name: "liveness",
    doc: "Is a run moving, alive but idle, or dead? A pure ladder over evidence the caller gathered \
          (commits and journal events since the start, the newest heartbeat's age, an optional OS probe, \
          the clock as integer ms).",
    routes: &[route::route::<Classify>()],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The LivenessPolicy with every default.",
        eval: |reg| route::konst(reg, LivenessPolicy::default()),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(commits: i64, journal: i64, age: Option<i64>, started: i64, now: i64) -> ProgressEvidence {
        ProgressEvidence { journal_events_since: journal, last_heartbeat_age_ms: age, ..ProgressEvidence::new(started, now, commits) }
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
        let policies =
            [LivenessPolicy::default(), LivenessPolicy { grace_ms: 0, spin_ms: 0 }, LivenessPolicy { grace_ms: i64::MAX, spin_ms: 1 }];
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

    fn call(args: &str) -> Result<crate::pyjson::Value, CallError> {
        let v = crate::pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure("liveness.classify", None, v.as_dict().unwrap())
    }

    #[test]
    fn the_route_names_the_refused_field() {
        let e = call(r#"{"ev":{"run_started_ms":0,"now_ms":"x","commits_since_start":0}}"#).unwrap_err();
        assert_eq!(e.message, "liveness.classify: args.ev.now_ms: expected int, got str");
        let e = call(r#"{"ev":{"run_started_ms":0,"now_ms":0,"commits_since_start":0,"journal_events_since":null}}"#).unwrap_err();
        assert!(e.message.contains("args.ev.journal_events_since"), "{}", e.message);
        let e = call(r#"{"ev":{"run_started_ms":0,"now_ms":0,"commits_since_start":-1}}"#).unwrap_err();
        assert!(e.message.contains("args.ev.commits_since_start: cannot be below 0"), "{}", e.message);
        let e = call(r#"{"ev":{"run_started_ms":0,"now_ms":0,"commits_since_start":0},"policy":{"spin_ms":-1}}"#).unwrap_err();
        assert!(e.message.contains("args.policy"), "{}", e.message);
        let ok = call(r#"{"ev":{"run_started_ms":0,"now_ms":0,"commits_since_start":2}}"#).unwrap();
        let d = ok.as_dict().unwrap();
        assert_eq!(d.get("verdict"), Some(&crate::pyjson::Value::str("ADVANCING")));
    }

    #[test]
    fn validation() {
        assert!(LivenessPolicy::new(-1, 0).is_err());
        assert!(ev(-1, 0, None, 0, 0).validate().is_err());
        assert!(ev(0, -1, None, 0, 0).validate().is_err());
    }
}
