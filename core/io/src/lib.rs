//! dos-io: the I/O layer of libdos, above the pure `dos-core`.
//!
//! Everything that touches a file, the clock, the environment or a process
//! lives here: the lane journal's files and its fold sidecar, the lock files
//! and the lane-lease mutex, the lease verbs, id allocation, run ids, the
//! verdict journal, the intent ledger, the export cursor, the workspace
//! config read from disk ([`workspace`]), and the hook verbs' file work
//! ([`hook`]), and, with the `install` feature, `dos-hook install`'s edits
//! of an agent runtime's settings file (`install`). The deciders it calls
//! are `dos-core`'s; nothing in `dos-core` calls back here except through the seams `dos-core` declares (for example
//! [`dos_core::config::json::WorkspaceReader`]).

pub mod boundary;
// issue 10, output shape (part C): commit_audit's git reads
pub mod commit_audit;
pub mod hook;
#[cfg(feature = "install")]
pub mod install;
pub mod transcript;
pub mod workspace;

use dos_core::envelope::OpSpec;

/// Every envelope operation of this layer, grouped by module.
pub static OPS: &[&[OpSpec]] = &[boundary::ops::OPS];

/// The I/O layer's modules on the generated route, listed after
/// `dos_core::deciders::ROUTED` (a module named like one of those adds its
/// file-reading ops to it).
pub static ROUTED: &[&dos_core::route::Module] = &[
    // issue 10, output shape (part A)
    &transcript::CLAIM_EXTRACT,
    &transcript::RESULT_STATE,
    &transcript::COVERAGE,
    // issue 10, output shape (part C)
    &commit_audit::MODULE,
    // issue 9, the durable surfaces: their file ops
    &boundary::export_cursor::MODULE,
    &boundary::id_alloc::MODULE,
    &boundary::run_id::MODULE,
    &boundary::verdict_journal::MODULE,
    &boundary::intent_ledger::MODULE,
    // issue 9, the journal file and the lease verbs (acquire is still hand-registered)
    &boundary::journal::file_ops::MODULE,
    &boundary::lane_lease::MODULE,
    &boundary::archive_lock::MODULE,
    // issue 9, loading a workspace's config from disk
    &workspace::MODULE,
];
