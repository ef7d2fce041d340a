//! The workspace configuration model: the data the deciders read.
//!
//! Mirrors the reference's `SubstrateConfig` and its seam values. This module
//! holds only data and pure constructors (presets, table readers, the
//! `dos.toml` layering over already-read text); reading `dos.toml` from disk,
//! resolving the workspace root and probing the runtime files happen in
//! [`crate::boundary`].
//!
//! Field names follow the reference so a DOS user finds their way.

pub mod budgets;
pub mod facts;
pub mod interventions;
pub mod json;
pub mod layer;
pub mod lease_store;
pub mod lint;
pub mod ops;
pub mod paths;
pub mod policies;
pub mod reasons;
pub mod stamp;
pub mod taxonomy;
pub mod toml_text;
pub mod value;

pub use budgets::{ClassBudgets, ConcurrencyClass};
pub use facts::WorkspaceFacts;
pub use interventions::InterventionLadder;
pub use layer::{ConfigWarning, Loaded, LoadedConfig, Preset};
pub use lease_store::LeaseStoreConfig;
pub use paths::PathLayout;
pub use policies::{
    CooldownPolicy, DataClassPolicy, EnumerateGrammar, LifecyclePolicy, MarkerPolicy, PrecursorGrammar, RetentionPolicy, SupervisePolicy,
};
pub use reasons::{MorphologyRuleset, ReasonRegistry};
pub use stamp::StampConvention;
pub use taxonomy::LaneTaxonomy;

use crate::deciders::tool_stream::StreamPolicy;
use crate::pyjson::{Dict, Value};

/// The built-in soft-overlap tolerance: one third.
pub const DEFAULT_OVERLAP_RATIO_MAX: f64 = 1.0 / 3.0;

/// The complete per-workspace policy (the reference's `SubstrateConfig`,
/// without the runtime print `env` and the unused `plan_meta_schema`).
#[derive(Debug, Clone, PartialEq)]
pub struct SubstrateConfig {
    /// Which lanes exist and how they may run together.
    pub lanes: LaneTaxonomy,
    /// Where the workspace keeps its state.
    pub paths: PathLayout,
    /// The refusal vocabulary.
    pub reasons: ReasonRegistry,
    /// The ship-stamp convention.
    pub stamp: StampConvention,
    /// The rung-2 reason recognizer.
    pub reason_morphology: MorphologyRuleset,
    /// Facts probed at build time; `None` means never gathered (the
    /// conservative reading for safety guards).
    pub workspace: Option<WorkspaceFacts>,
    /// `[overlap] ratio_max`.
    pub overlap_ratio_max: f64,
    /// `[overlap] policy`; `"prefix"` is the built-in scorer.
    pub overlap_policy_name: String,
    /// `[[concurrency_class]]` budgets.
    pub class_budgets: ClassBudgets,
    pub retention: RetentionPolicy,
    pub data_class: DataClassPolicy,
    pub interventions: InterventionLadder,
    pub stream_policy: StreamPolicy,
    pub precursors: PrecursorGrammar,
    pub enumerate_grammar: EnumerateGrammar,
    pub cooldown: CooldownPolicy,
    pub lifecycle: LifecyclePolicy,
    pub supervise: SupervisePolicy,
    pub marker: MarkerPolicy,
    /// `[verify] non_git_oracle`; empty means git only.
    pub non_git_oracle: String,
    /// The raw `[ci]` table, handed through.
    pub ci: Dict,
    /// `[lease_store]` (a libdos extension): where the lane leases live.
    pub lease_store: LeaseStoreConfig,
}

impl SubstrateConfig {
    /// A config over `lanes` and `paths` with every other field at the
    /// dataclass default (the reference application's stamp convention).
    pub fn new(lanes: LaneTaxonomy, paths: PathLayout) -> Self {
        SubstrateConfig {
            lanes,
            paths,
            reasons: reasons::base_reasons(),
            stamp: StampConvention::job(),
            reason_morphology: reasons::generic_reason_morphology(),
            workspace: None,
            overlap_ratio_max: DEFAULT_OVERLAP_RATIO_MAX,
            overlap_policy_name: "prefix".to_string(),
            class_budgets: ClassBudgets::default(),
            retention: RetentionPolicy::default(),
            data_class: DataClassPolicy::default(),
            interventions: interventions::base_interventions(),
            stream_policy: StreamPolicy::default(),
            precursors: PrecursorGrammar::default(),
            enumerate_grammar: EnumerateGrammar::default(),
            cooldown: CooldownPolicy::default(),
            lifecycle: LifecyclePolicy::default(),
            supervise: SupervisePolicy::default(),
            marker: MarkerPolicy::default(),
            non_git_oracle: String::new(),
            ci: Dict::new(),
            lease_store: LeaseStoreConfig::default(),
        }
    }

    /// A config over `lanes` with every other field at its default (the
    /// `.dos/` layout under `"."`, facts not gathered).
    pub fn with_lanes(lanes: LaneTaxonomy) -> Self {
        SubstrateConfig::new(lanes, PathLayout::for_dos_dir("."))
    }

    /// `default_config`: `main`/`global`, the `.dos/` layout, the generic
    /// stamp convention. `root` is the resolved workspace root.
    pub fn generic(root: &str, facts: Option<WorkspaceFacts>) -> Self {
        let mut c = SubstrateConfig::new(LaneTaxonomy::generic(), PathLayout::for_dos_dir(root));
        c.stamp = StampConvention::generic();
        c.workspace = facts;
        c
    }

    /// The `job` base before `dos.toml`: the structural job taxonomy and the
    /// reference layout.
    pub fn job_base(root: &str, facts: Option<WorkspaceFacts>) -> Self {
        let mut c = SubstrateConfig::new(LaneTaxonomy::job(), PathLayout::for_root(root));
        c.workspace = facts;
        c
    }

    /// `workshop_config`: the workshop taxonomy and the reference layout.
    pub fn workshop(root: &str, facts: Option<WorkspaceFacts>) -> Self {
        let mut c = SubstrateConfig::new(LaneTaxonomy::workshop(), PathLayout::for_root(root));
        c.workspace = facts;
        c
    }

    /// The resolved workspace root.
    pub fn root(&self) -> &str {
        &self.paths.root
    }

    /// The kernel runtime files known to exist under the workspace, or `None`
    /// when the workspace was never probed.
    pub fn kernel_runtime_files(&self) -> Option<&[String]> {
        self.workspace.as_ref().map(|w| w.kernel_runtime_files.as_slice())
    }

    /// The config as data: every seam in the reference's field order, then
    /// `lease_store` when it is not the default (so a config the reference
    /// can express reads exactly as the reference's `to_dict()`).
    pub fn to_value(&self) -> Value {
        let mut d = Dict::with_capacity(21);
        d.push("lanes", self.lanes.to_value());
        d.push("paths", self.paths.to_value());
        d.push("reasons", self.reasons.to_value());
        d.push("stamp", self.stamp.to_value());
        d.push("reason_morphology", self.reason_morphology.to_value());
        d.push("workspace", self.workspace.as_ref().map_or(Value::Null, WorkspaceFacts::to_value));
        d.push("overlap_ratio_max", Value::Float(self.overlap_ratio_max));
        d.push("overlap_policy_name", Value::str(self.overlap_policy_name.as_str()));
        d.push("class_budgets", self.class_budgets.to_value());
        d.push("retention", self.retention.to_value());
        d.push("data_class", self.data_class.to_value());
        d.push("interventions", self.interventions.to_value());
        d.push("stream_policy", self.stream_policy.to_value());
        d.push("precursors", self.precursors.to_value());
        d.push("enumerate_grammar", self.enumerate_grammar.to_value());
        d.push("cooldown", self.cooldown.to_value());
        d.push("lifecycle", self.lifecycle.to_value());
        d.push("supervise", self.supervise.to_value());
        d.push("marker", self.marker.to_value());
        d.push("non_git_oracle", Value::str(self.non_git_oracle.as_str()));
        d.push("ci", Value::Dict(self.ci.clone()));
        // An extension seam: shown only when set, so a config without it
        // reads exactly as the reference's.
        if !self.lease_store.is_default() {
            d.push("lease_store", self.lease_store.to_value());
        }
        Value::Dict(d)
    }
}
