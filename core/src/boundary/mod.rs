//! The boundary: the only code in `dos-core` that touches files, the clock,
//! the environment or other processes. Deciders receive what it reads as
//! plain data.

pub mod archive_lock;
pub mod export_cursor;
pub mod filelock;
pub mod host;
pub mod id_alloc;
pub mod intent_ledger;
pub mod journal;
pub mod jsonl;
pub mod lease;
pub(crate) mod ops;
pub mod run_id;
pub mod verdict_journal;
