//! The effect of each op not yet declared through the route.
//!
//! A routed op declares its own effect (`Op::EFFECT`); the ops written
//! before the route existed are listed here until they move onto it.

use super::Effect;

/// Ops that change files (journals, ledgers, locks, counters, cursors).
const WRITES: &[&str] =
    &["archive_lock.acquire", "archive_lock.release", "intent_ledger.append", "lane_journal.append", "lane_lease.acquire"];

/// Ops that read files, the process environment, the clock or the OS's
/// entropy, and change nothing.
const READS: &[&str] = &["archive_lock.status", "config.load_workspace_config", "config.resolve_workspace_root", "intent_ledger.read_file"];

pub(super) fn effect_of(op: &str) -> Effect {
    if WRITES.contains(&op) {
        Effect::WritesFiles
    } else if READS.contains(&op) {
        Effect::ReadsFiles
    } else {
        Effect::Pure
    }
}
