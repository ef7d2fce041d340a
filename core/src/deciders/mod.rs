//! The pure deciders, one module per reference module.
//!
//! Each module exposes plain Rust functions and types (the typed API) and an
//! `OPS` table that makes them reachable through the envelope. Adding a
//! decider: write the module, add its `OPS` to [`ALL`], generate golden cases.

use crate::envelope::OpSpec;

pub mod admission;
pub mod arbiter;
mod argnum;
pub mod breaker;
pub mod claim_ttl;
pub mod concurrency_class;
pub mod durable_schema;
pub mod efficiency;
pub mod exec_capability;
pub mod hook_dialect;
pub mod hook_exit;
pub mod lane_overlap;
pub mod liveness;
pub mod lock_modes;
pub mod marker_gate;
pub mod overlap_policy;
pub mod posttool_sensor;
pub mod pretool_sensor;
pub mod productivity;
pub mod pyjson_op;
pub mod pyvalue;
pub mod tool_stream;
pub mod tree;
pub mod verdict;
// issue 10, witness chain
pub mod attest;
pub mod effect_witness;
pub mod evidence;
pub mod log_source;
pub mod reward;
pub mod testwitness;
// issue 10, tool-call provenance
pub mod arg_provenance;
pub mod enforce;
pub mod intervention;
pub mod precursor_gate;
// issue 10, output shape (part A)
pub mod answer_shape;
pub mod claim_extract;
pub mod dangling_intent;
pub mod result_state;
// issue 10, output shape (part C: commit_audit, judges)
pub mod commit_audit;
pub mod judges;
// issue 10, output shape part B (coverage, improve)
pub mod coverage;
pub mod improve;

/// Every envelope operation of the pure layer, grouped by module (`dos-ops`
/// adds the I/O layer's and assembles the registry).
pub static ALL: &[&[OpSpec]] = &[
    // (posttool_sensor, admission, self_modify and intent_ledger are on the generated route since session 9,
    // run_id since session 10)
    arbiter::OPS,
];

/// The modules on the generated route (`crate::route`): each is one
/// `Module` constant, and its ops, schema and host bindings follow from it.
pub static ROUTED: &[&crate::route::Module] = &[
    &claim_ttl::MODULE,
    &verdict::MODULE,
    // issue 10, witness chain
    &log_source::MODULE,
    &evidence::MODULE,
    &effect_witness::MODULE,
    &reward::MODULE,
    &attest::MODULE,
    &testwitness::MODULE,
    // issue 10, tool-call provenance
    &arg_provenance::MODULE,
    &intervention::MODULE,
    &enforce::MODULE,
    &precursor_gate::MODULE,
    // issue 10, output shape (part A)
    &answer_shape::MODULE,
    &dangling_intent::MODULE,
    // their file readers join them from dos-io (before coverage: it reads their vocabularies)
    &claim_extract::MODULE,
    &result_state::MODULE,
    // issue 10, output shape (part C: commit_audit, judges)
    &commit_audit::MODULE,
    &judges::MODULE,
    // issue 10, output shape part B (coverage, improve)
    &coverage::MODULE,
    &improve::MODULE,
    // issue 9, hook cluster
    &hook_exit::MODULE,
    // issue 9, the arbiter cluster's pure modules
    &concurrency_class::MODULE,
    // issue 9, loop economics (liveness, productivity, efficiency, breaker)
    &liveness::MODULE,
    &productivity::MODULE,
    &efficiency::MODULE,
    &breaker::MODULE,
    // issue 9, the hook sensors (marker_gate, hook_dialect, pretool_sensor, posttool_sensor, tool_stream, exec_capability)
    &marker_gate::MODULE,
    &hook_dialect::MODULE,
    &pretool_sensor::MODULE,
    &exec_capability::MODULE,
    &tool_stream::MODULE,
    &posttool_sensor::MODULE,
    // issue 9, the arbiter cluster's pure leaves (lock_modes, overlap_policy, lane_overlap, durable_schema)
    &lock_modes::MODULE,
    &lane_overlap::MODULE,
    &overlap_policy::MODULE,
    // issue 9, the durable surfaces (export_cursor, id_alloc, run_id,
    // verdict_journal, intent_ledger); their file ops join from dos-io
    &crate::durable::export_cursor::MODULE,
    &crate::durable::id_alloc::MODULE,
    &crate::durable::run_id::MODULE,
    &crate::durable::verdict_journal::MODULE,
    &crate::durable::intent_ledger::MODULE,
    &durable_schema::MODULE,
    // the codec: Python's json.dumps
    &pyjson_op::MODULE,
    // issue 9, the lane journal's pure half (its file ops are dos-io's, routed under the same name)
    &crate::journal::ops::MODULE,
    // issue 9, the file-tree prefix algebra (its callable lookup stays a Python companion)
    &tree::MODULE,
    // issue 9, admission and the self-modification guard (plugin predicates stay in Python)
    &admission::MODULE,
    &admission::SELF_MODIFY,
    // issue 9, the config linter, and the config built from text (loading a workspace is dos-io's)
    &crate::config::lint::MODULE,
    &crate::config::ops::MODULE,
];
