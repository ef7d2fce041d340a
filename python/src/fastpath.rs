//! Hand fast paths hung off the generated route, keyed by op name.
//!
//! A typed module generated from the op table (`_route.native_functions`)
//! and `accelerate()` (`_adapter.bind`) first ask [`bind_fast`] for an op:
//! when a fast path is listed here, it serves the call on the module's own
//! classes and hands what it does not take to the generated function (or
//! the reference's); otherwise the generic route binder serves the op. The
//! types, stubs, Go, docs and the fallback stay generated from the one Rust
//! declaration; only the hot call is hand code, and each entry stays only
//! while `bench/compare.py` shows the generic binder too slow for it
//! (docs/benchmarks.md names the row).

use crate::swap::NativeFunction;
use crate::{
    audit_fast, economics, exec_fast, intervention_fast, journal_fast, precursor_fast, schema, shape_fast, stop_fast, stream, tree,
    witness_fast,
};
use pyo3::prelude::*;

type Binder = fn(&Bound<'_, PyAny>, Py<PyAny>) -> PyResult<Option<NativeFunction>>;

/// op name -> the binder of its fast path.
const FAST: &[(&str, Binder)] = &[
    // issue 9, hook cluster
    ("hook_exit.classify_exit", |m, f| schema::bind_classify_exit(m, f).map(Some)),
    // issue 9, the hook sensors (exec_capability, tool_stream, posttool_sensor)
    ("exec_capability.classify_command", exec_fast::bind_classify_command),
    ("tool_stream.classify_stream", stream::bind_classify_stream),
    ("posttool_sensor.step_from_event", stream::bind_step_from_event),
    ("posttool_sensor.warn_payload", stream::bind_warn_payload),
    // issue 9, loop economics
    ("liveness.classify", economics::bind_liveness_fast),
    // issue 9, the durable surfaces
    ("durable_schema.classify", schema::bind_classify_fast),
    ("durable_schema.tag", schema::bind_tag_fast),
    ("durable_schema.unreadable_refusal_payload", schema::bind_refusal_fast),
    // issue 9, loop economics (productivity, efficiency, breaker)
    ("productivity.classify", economics::bind_productivity_fast),
    ("efficiency.classify", economics::bind_efficiency_fast),
    ("breaker.record_failure", economics::bind_breaker_failure_fast),
    ("breaker.record_success", economics::bind_breaker_success_fast),
    ("breaker.classify", economics::bind_breaker_classify_fast),
    // issue 9, the lane journal's pure half
    ("lane_journal.replay", journal_fast::bind_replay),
    ("lane_journal.compact", journal_fast::bind_compact),
    // issue 9, the file-tree prefix algebra
    ("_tree.norm_tree_prefix", tree::bind_norm_fast),
    ("_tree.prefixes_collide", tree::bind_collide_fast),
    ("_tree.lane_trees_disjoint", tree::bind_disjoint_fast),
    // issue 10, tool-call provenance (the default policy and ladder)
    ("intervention.choose_intervention", intervention_fast::bind_choose_fast),
    ("intervention.assess_confidence", intervention_fast::bind_assess_fast),
    ("intervention.synthetic_corrective_result", intervention_fast::bind_synth_fast),
    // issue 10, the precursor gate and dangling intent (the default policy)
    ("precursor_gate.classify_call", precursor_fast::bind_classify_fast),
    ("precursor_gate.precursor_intervention", precursor_fast::bind_intervention_fast),
    ("dangling_intent.classify_stop", stop_fast::bind_stop_fast),
    // issue 10, the witness chain
    ("reward.acceptance_ab", witness_fast::bind_ab_fast),
    ("evidence.derived_witness", witness_fast::bind_derived_fast),
    ("testwitness.classify", witness_fast::bind_testwitness_fast),
    ("effect_witness.witness_effect", witness_fast::bind_witness_fast),
    ("reward.admit", witness_fast::bind_admit_fast),
    ("evidence.believe_under_floor", witness_fast::bind_believe_fast),
    ("log_source.gather_log", witness_fast::bind_gather_fast),
    ("attest.canonical_bytes", witness_fast::bind_canonical_fast),
    ("attest.sign_hmac", witness_fast::bind_sign_fast),
    ("attest.verify_hmac", witness_fast::bind_verify_fast),
    ("attest.receipt_from_verdict", witness_fast::bind_from_verdict_fast),
    // issue 10, the audit leaves (built-in judge and handler, improve, coverage)
    ("judges.run_judge", audit_fast::bind_judge_fast),
    ("enforce.run_handler", audit_fast::bind_handler_fast),
    ("improve.classify", audit_fast::bind_improve_fast),
    ("coverage.classify_coverage", audit_fast::bind_coverage_fast),
    ("commit_audit.sweep_summary", audit_fast::bind_sweep_fast),
    ("commit_audit.classify", audit_fast::bind_classify_fast),
    // issue 10, the output-shape leaves (result_state, claim_extract)
    ("result_state.classify_terminal", shape_fast::bind_terminal_fast),
    ("result_state.refusal_envelope", shape_fast::bind_envelope_fast),
    ("result_state.terminal_evidence_from_record", shape_fast::bind_record_fast),
    ("claim_extract.claim_from_frontmatter", shape_fast::bind_frontmatter_fast),
];

/// The fast path of `op` bound to `module`'s classes (None: `op` has none).
/// `fallback` answers every call the fast path does not take.
#[crate::guard]
#[pyfunction]
pub(crate) fn bind_fast(op: &str, module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    match FAST.iter().find(|(name, _)| *name == op) {
        Some((_, bind)) => bind(module, fallback),
        None => Ok(None),
    }
}

/// The ops with a fast path.
#[crate::guard]
#[pyfunction]
pub(crate) fn fast_ops() -> Vec<&'static str> {
    FAST.iter().map(|(name, _)| *name).collect()
}
