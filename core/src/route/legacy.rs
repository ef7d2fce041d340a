//! The effect of each op not yet declared through the route.
//!
//! A routed op declares its own effect (`Op::EFFECT`); the ops written
//! before the route existed are listed here until they move onto it.

use super::Effect;

/// Ops that change files (journals, ledgers, locks, counters, cursors).
const WRITES: &[&str] = &["lane_lease.acquire"];

pub(super) fn effect_of(op: &str) -> Effect {
    if WRITES.contains(&op) {
        Effect::WritesFiles
    } else {
        Effect::Pure
    }
}
