//! Layering `dos.toml` over a preset: the reference's `load_workspace_config`
//! without the file access.
//!
//! The tables apply one by one in the reference's order. A table that is
//! absent, empty or not a table leaves its seam as it was. A malformed table
//! where the reference raises `ValueError` leaves its seam as it was and adds
//! a [`ConfigWarning`]; where the reference fails with another exception the whole
//! build fails with `BAD_CONFIG`.

use super::interventions::layer_interventions;
use super::policies::{
    stream_policy_from_table, CooldownPolicy, DataClassPolicy, EnumerateGrammar, LifecyclePolicy, MarkerPolicy, PrecursorGrammar,
    RetentionPolicy, SupervisePolicy,
};
use super::reasons::{layer_reasons, morphology_from, MorphologyRuleset};
use super::stamp::convention_from_table;
use super::value::{table_to_dict, Fault, FaultKind, Read, Table, Tv};
use super::{ClassBudgets, LaneTaxonomy, SubstrateConfig, WorkspaceFacts};
use crate::dict;
use crate::envelope::{CallError, ErrorCode};
use crate::pyjson::Value;
use crate::route::Describe;
use serde::{Deserialize, Serialize};

/// The base a workspace's tables layer over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// `default_config`: `main`/`global`, the `.dos/` layout.
    #[default]
    Generic,
    /// `load_workspace_config(job=True)`: the job taxonomy and the reference
    /// layout. As in the reference, `dos.toml` is layered twice (once by
    /// `job_config`, once more on top), so additive tables warn about their
    /// own duplicates the second time.
    Job,
    /// The workshop driver's `workshop_config` base.
    Workshop,
}

impl Preset {
    pub fn parse(s: &str) -> Option<Preset> {
        match s {
            "generic" => Some(Preset::Generic),
            "job" => Some(Preset::Job),
            "workshop" => Some(Preset::Workshop),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Generic => "generic",
            Preset::Job => "job",
            Preset::Workshop => "workshop",
        }
    }

    /// The preset's config before any table applies.
    pub fn base(self, root: &str, facts: Option<WorkspaceFacts>) -> SubstrateConfig {
        match self {
            Preset::Generic => SubstrateConfig::generic(root, facts),
            Preset::Job => SubstrateConfig::job_base(root, facts),
            Preset::Workshop => SubstrateConfig::workshop(root, facts),
        }
    }
}

/// A `dos.toml` table the build warned about and ignored (the reference
/// prints the same facts and goes on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ConfigWarning {
    /// The table's label (`lanes`, `reasons.morphology`, `verify`, …).
    pub table: String,
    /// The offending key inside the table; empty for the table as a whole.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigWarning {
    /// The warning as data: `{"table", "key", "message"}`.
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! { "table" => self.table.as_str(), "key" => self.key.as_str(), "message" => self.message.as_str() })
    }
}

/// A built config and what was ignored on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub config: SubstrateConfig,
    pub warnings: Vec<ConfigWarning>,
}

/// A built config as data (the reference `SubstrateConfig`'s seams, in its
/// field order) and the tables its build ignored: what the config ops
/// answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LoadedConfig {
    /// The config's seams as data.
    pub config: Value,
    /// The tables the build warned about and ignored, in layering order.
    pub warnings: Vec<ConfigWarning>,
}

impl From<Loaded> for LoadedConfig {
    fn from(l: Loaded) -> Self {
        LoadedConfig { config: l.config.to_value(), warnings: l.warnings }
    }
}

/// The document the tables come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc {
    /// No `dos.toml`: every seam keeps its base.
    Absent,
    /// The text could not be read as TOML (or as UTF-8): every table warns.
    Invalid(String),
    Parsed(Table),
}

/// Every table label, in layering order.
pub const LABELS: [&str; 18] = [
    "reasons",
    "stamp",
    "enumerate",
    "cooldown",
    "supervise",
    "lifecycle",
    "reasons.morphology",
    "lanes",
    "paths",
    "overlap",
    "retention",
    "data_class",
    "concurrency_class",
    "intervention",
    "tool_stream",
    "marker",
    "precursor",
    "verify",
];

/// The tables libdos adds (the reference ignores them): layered after the
/// reference's, never named in its warnings.
pub const EXTENSION_LABELS: [&str; 1] = ["lease_store"];

fn table_of<'a>(data: &'a Table, key: &str) -> Option<&'a Table> {
    match data.get(key) {
        Some(Tv::Table(t)) if !t.is_empty() => Some(t),
        _ => None,
    }
}

fn overlap_from(t: &Table, ratio: f64, policy: &str) -> Read<(f64, String)> {
    let unknown = t.unknown_keys(&["ratio_max", "policy"]);
    if !unknown.is_empty() {
        return Err(Fault::warn(unknown[0].clone(), format!("[overlap] does not take {}; it takes policy, ratio_max", unknown.join(", "))));
    }
    let mut ratio_max = ratio;
    if let Some(raw) = t.get("ratio_max") {
        ratio_max = match raw {
            // float() of these is a TypeError, which the reader turns into a warning.
            Tv::Null | Tv::List(_) | Tv::Table(_) | Tv::DateTime(_) => {
                return Err(Fault::warn("ratio_max", format!("[overlap] ratio_max must be a number, not {}", raw.py_repr())))
            }
            _ => raw.py_float().map_err(|(kind, m)| Fault {
                kind,
                key: "ratio_max".into(),
                message: format!("[overlap] ratio_max must be a number ({m})"),
            })?,
        };
        if !(ratio_max > 0.0 && ratio_max <= 1.0) {
            return Err(Fault::warn(
                "ratio_max",
                format!("[overlap] ratio_max is {}; it must lie in (0, 1]", super::value::float_py_repr(ratio_max)),
            ));
        }
    }
    let policy_name = t.get("policy").map_or_else(|| policy.to_string(), Tv::py_str);
    Ok((ratio_max, policy_name))
}

fn verify_from(data: &Table, oracle: &str, ci: &crate::pyjson::Dict) -> Read<(String, crate::pyjson::Dict)> {
    let mut name = oracle.to_string();
    if let Some(v) = table_of(data, "verify") {
        match v.get("non_git_oracle") {
            None => {}
            Some(Tv::Str(s)) => name = crate::pystr::strip(s).to_string(),
            Some(other) => {
                return Err(Fault::warn("non_git_oracle", format!("[verify] non_git_oracle must be a string, not {}", other.type_name())))
            }
        }
    }
    let ci = match table_of(data, "ci") {
        Some(t) => table_to_dict(t),
        None => ci.clone(),
    };
    Ok((name, ci))
}

/// Apply one table: `Ok(Some(v))` to take `v`, `Ok(None)` to keep the base.
fn apply<T>(label: &str, warnings: &mut Vec<ConfigWarning>, r: Read<Option<T>>) -> Result<Option<T>, CallError> {
    match r {
        Ok(v) => Ok(v),
        Err(Fault { kind: FaultKind::Warn, key, message }) => {
            warnings.push(ConfigWarning { table: label.to_string(), key, message });
            Ok(None)
        }
        Err(Fault { kind: FaultKind::Crash, key, message }) => {
            let at = if key.is_empty() { String::new() } else { format!(" (key {key:?})") };
            Err(CallError::new(ErrorCode::BadConfig, format!("[{label}]{at}: {message}")))
        }
    }
}

/// Layer `doc`'s tables over `cfg`, in the reference's order.
pub fn layer(mut cfg: SubstrateConfig, doc: &Doc, warnings: &mut Vec<ConfigWarning>) -> Result<SubstrateConfig, CallError> {
    let data = match doc {
        Doc::Absent => return Ok(cfg),
        Doc::Invalid(msg) => {
            for label in LABELS {
                warnings.push(ConfigWarning { table: label.to_string(), key: String::new(), message: msg.clone() });
            }
            return Ok(cfg);
        }
        Doc::Parsed(t) => t,
    };
    macro_rules! seam {
        ($label:expr, $field:expr, $r:expr) => {
            if let Some(v) = apply($label, warnings, $r)? {
                $field = v;
            }
        };
    }
    seam!("reasons", cfg.reasons, table_of(data, "reasons").map(|t| layer_reasons(&cfg.reasons, t)).transpose());
    seam!("stamp", cfg.stamp, table_of(data, "stamp").map(|t| convention_from_table(t, &cfg.stamp)).transpose());
    seam!(
        "enumerate",
        cfg.enumerate_grammar,
        table_of(data, "enumerate").map(|t| EnumerateGrammar::from_table(t, &cfg.enumerate_grammar)).transpose()
    );
    seam!("cooldown", cfg.cooldown, table_of(data, "cooldown").map(|t| CooldownPolicy::from_table(t, &cfg.cooldown)).transpose());
    seam!("supervise", cfg.supervise, table_of(data, "supervise").map(|t| SupervisePolicy::from_table(t, &cfg.supervise)).transpose());
    seam!("lifecycle", cfg.lifecycle, table_of(data, "lifecycle").map(|t| LifecyclePolicy::from_table(t, &cfg.lifecycle)).transpose());
    let morph: Read<Option<MorphologyRuleset>> = match data.get("reasons") {
        Some(Tv::Table(r)) => match r.get("morphology") {
            None => Ok(None),
            Some(Tv::List(items)) if items.is_empty() => Ok(Some(MorphologyRuleset::default())),
            Some(v) => morphology_from(v).map(Some),
        },
        _ => Ok(None),
    };
    seam!("reasons.morphology", cfg.reason_morphology, morph);
    seam!("lanes", cfg.lanes, table_of(data, "lanes").map(|t| LaneTaxonomy::from_tv(&Tv::Table(t.clone()))).transpose());
    seam!("paths", cfg.paths, table_of(data, "paths").map(|t| cfg.paths.with_overrides(t)).transpose());
    let overlap = table_of(data, "overlap").map(|t| overlap_from(t, cfg.overlap_ratio_max, &cfg.overlap_policy_name)).transpose();
    if let Some((r, p)) = apply("overlap", warnings, overlap)? {
        cfg.overlap_ratio_max = r;
        cfg.overlap_policy_name = p;
    }
    seam!("retention", cfg.retention, table_of(data, "retention").map(|t| RetentionPolicy::from_table(t, &cfg.retention)).transpose());
    seam!("data_class", cfg.data_class, table_of(data, "data_class").map(|t| DataClassPolicy::from_table(t, &cfg.data_class)).transpose());
    let budgets = match data.get("concurrency_class") {
        Some(v) if v.truthy() => ClassBudgets::from_tv(v).map(Some),
        _ => Ok(None),
    };
    seam!("concurrency_class", cfg.class_budgets, budgets);
    seam!(
        "intervention",
        cfg.interventions,
        table_of(data, "intervention").map(|t| layer_interventions(&cfg.interventions, t)).transpose()
    );
    seam!("tool_stream", cfg.stream_policy, table_of(data, "tool_stream").map(stream_policy_from_table).transpose());
    seam!("marker", cfg.marker, table_of(data, "marker").map(|t| MarkerPolicy::from_table(t, &cfg.marker)).transpose());
    seam!("precursor", cfg.precursors, table_of(data, "precursor").map(PrecursorGrammar::from_table).transpose());
    if let Some((name, ci)) = apply("verify", warnings, verify_from(data, &cfg.non_git_oracle, &cfg.ci).map(Some))? {
        cfg.non_git_oracle = name;
        cfg.ci = ci;
    }
    seam!(
        "lease_store",
        cfg.lease_store,
        table_of(data, "lease_store").map(|t| super::lease_store::LeaseStoreConfig::from_table(t, &cfg.lease_store)).transpose()
    );
    Ok(cfg)
}

/// `load_workspace_config` over an already-read document: the preset's base
/// (`root` already resolved, facts already probed) with `doc` layered on.
pub fn load(preset: Preset, root: &str, facts: Option<WorkspaceFacts>, doc: &Doc) -> Result<Loaded, CallError> {
    let mut warnings = Vec::new();
    let base = preset.base(root, facts);
    let mut config = layer(base, doc, &mut warnings)?;
    if preset == Preset::Job {
        config = layer(config, doc, &mut warnings)?;
    }
    Ok(Loaded { config, warnings })
}

/// `job_config`: the job base with `doc` layered once.
pub fn job_config(root: &str, facts: Option<WorkspaceFacts>, doc: &Doc) -> Result<Loaded, CallError> {
    let mut warnings = Vec::new();
    let config = layer(Preset::Job.base(root, facts), doc, &mut warnings)?;
    Ok(Loaded { config, warnings })
}
