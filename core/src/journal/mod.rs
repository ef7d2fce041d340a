//! The lane journal: the write-ahead log of lane leases, without the disk.
//!
//! This module knows the records (their vocabulary and builders), the exact
//! bytes of a line, how a file's bytes read back into records (torn tail,
//! corrupt lines), and the fold from records to the live-lease set. Opening,
//! appending, locking and the fold sidecar live in [`crate::boundary`].

pub mod codec;
pub mod fold;
pub mod integrity;
pub mod lease;
pub(crate) mod ops;
pub mod records;

pub use codec::{decode, encode_line, Decoded, Decoder, LineRef};
pub use fold::{compact, fold_all, next_seq, replay, seq_of, Fold, Identity};

/// The schema family ATTEMPT records are tagged with.
pub const SCHEMA_FAMILY: &str = "lane-journal";
/// The schema version ATTEMPT records are tagged with.
pub const LANE_JOURNAL_SCHEMA: i64 = 1;

pub const OP_ACQUIRE: &str = "ACQUIRE";
pub const OP_RELEASE: &str = "RELEASE";
pub const OP_HEARTBEAT: &str = "HEARTBEAT";
pub const OP_SCAVENGE: &str = "SCAVENGE";
pub const OP_REFUSE: &str = "REFUSE";
pub const OP_RECONCILE: &str = "RECONCILE";
pub const OP_HALT: &str = "HALT";
pub const OP_ENFORCE: &str = "ENFORCE";
pub const OP_ADOPT: &str = "ADOPT";
pub const OP_ATTEMPT: &str = "ATTEMPT";
pub const OP_SPAWN: &str = "SPAWN";
pub const OP_CHECKPOINT: &str = "CHECKPOINT";
/// The reader's sentinel for a corrupt line in the middle of the file.
pub const OP_CORRUPT: &str = "_CORRUPT";

/// The ops that change the live-lease set (CHECKPOINT is handled apart).
pub const STATE_MUTATING_OPS: [&str; 6] = [OP_ACQUIRE, OP_RELEASE, OP_HEARTBEAT, OP_SCAVENGE, OP_RECONCILE, OP_ADOPT];
