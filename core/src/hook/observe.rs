//! The hook observation log (`.dos/metrics/observations.jsonl`) and the
//! `stats` verb that folds it.

use super::{Flags, Outcome};

/// What one call did, for the observation log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Note {
    pub outcome: &'static str,
    pub rung: &'static str,
    pub reason_class: String,
    pub tree_known: Option<bool>,
    pub stream_state: Option<&'static str>,
    pub marker: Option<(u64, u64)>,
}

/// The `stats` verb.
pub fn stats(_out: &mut Outcome, _flags: &Flags) {}

/// Append one observation for a finished call (best effort).
pub fn record(_argv: &[String], _out: &Outcome, _elapsed: std::time::Duration, _panicked: bool) {}
