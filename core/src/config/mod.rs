//! The workspace configuration model: the data the deciders read.
//!
//! Mirrors the reference's `SubstrateConfig` and its seam values. This module
//! holds only data and pure constructors (presets, table readers); reading
//! `dos.toml` from disk, resolving the workspace root and probing the runtime
//! files happen in [`crate::boundary`].
//!
//! Field names follow the reference so a DOS user finds their way.

pub mod budgets;
pub mod facts;
pub mod json;
pub mod taxonomy;

pub use budgets::{ClassBudgets, ConcurrencyClass};
pub use facts::WorkspaceFacts;
pub use taxonomy::LaneTaxonomy;

/// The built-in soft-overlap tolerance: one third.
pub const DEFAULT_OVERLAP_RATIO_MAX: f64 = 1.0 / 3.0;

/// The complete per-workspace policy (the part ported so far).
///
/// More seam values (reasons, stamp, retention, …) join as their tables are
/// parsed; the arbiter reads only the fields below.
#[derive(Debug, Clone, PartialEq)]
pub struct SubstrateConfig {
    /// Which lanes exist and how they may run together.
    pub lanes: LaneTaxonomy,
    /// `[overlap] ratio_max`.
    pub overlap_ratio_max: f64,
    /// `[overlap] policy`; `"prefix"` is the built-in scorer.
    pub overlap_policy_name: String,
    /// `[[concurrency_class]]` budgets.
    pub class_budgets: ClassBudgets,
    /// Facts probed at build time; `None` means never gathered (the
    /// conservative reading for safety guards).
    pub workspace: Option<WorkspaceFacts>,
}

impl SubstrateConfig {
    /// A config over `lanes` with every other field at its default.
    pub fn with_lanes(lanes: LaneTaxonomy) -> Self {
        SubstrateConfig {
            lanes,
            overlap_ratio_max: DEFAULT_OVERLAP_RATIO_MAX,
            overlap_policy_name: "prefix".to_string(),
            class_budgets: ClassBudgets::default(),
            workspace: None,
        }
    }

    /// The kernel runtime files known to exist under the workspace, or `None`
    /// when the workspace was never probed.
    pub fn kernel_runtime_files(&self) -> Option<&[String]> {
        self.workspace.as_ref().map(|w| w.kernel_runtime_files.as_slice())
    }
}
