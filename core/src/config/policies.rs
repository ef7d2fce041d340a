//! The smaller policy seams: `[enumerate]`, `[cooldown]`, `[supervise]`,
//! `[lifecycle]`, `[retention]`, `[data_class]`, `[marker]`, `[precursor]`
//! and `[tool_stream]`. Each is plain data with the reference's defaults and
//! one reader that layers a table over a base value.

use super::stamp::{check_known, str_or_list, strict_bool};
use super::value::{float_to_int, int_lt, int_mul, Fault, FaultKind, Read, Table, Tv};
use crate::deciders::tool_stream::{StreamPolicy, DEFAULT_REPEAT_N, DEFAULT_STALL_N};
use crate::dict;
use crate::pyjson::{Dict, Int, Str, Value};
use crate::pystr;

fn list(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::str(s.as_str())).collect())
}

fn int_value(i: &Int) -> Value {
    Value::Int(i.clone())
}

fn opt_int(i: &Option<Int>) -> Value {
    i.as_ref().map_or(Value::Null, int_value)
}

fn typed(kind: FaultKind, key: &str, message: String) -> Fault {
    Fault { kind, key: key.to_string(), message }
}

// ------------------------------------------------------------- enumerate

/// `[enumerate]`: the phase-list scanner's style knobs (`series` is per plan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumerateGrammar {
    pub series: String,
    pub heading_levels: Vec<Int>,
    pub scan_tables: bool,
    pub generic_numeric_table: bool,
    pub bare_phase_fallback: bool,
    pub rollup_parents: bool,
    pub style: String,
}

impl Default for EnumerateGrammar {
    fn default() -> Self {
        EnumerateGrammar {
            series: String::new(),
            heading_levels: (2..=6).map(Int::Small).collect(),
            scan_tables: true,
            generic_numeric_table: false,
            bare_phase_fallback: true,
            rollup_parents: false,
            style: "generic".into(),
        }
    }
}

impl EnumerateGrammar {
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "series" => self.series.as_str(),
            "heading_levels" => self.heading_levels.iter().map(int_value).collect::<Vec<_>>(),
            "scan_tables" => self.scan_tables,
            "generic_numeric_table" => self.generic_numeric_table,
            "bare_phase_fallback" => self.bare_phase_fallback,
            "rollup_parents" => self.rollup_parents,
            "style" => self.style.as_str(),
        })
    }

    pub fn from_table(t: &Table, base: &EnumerateGrammar) -> Read<EnumerateGrammar> {
        const KNOWN: [&str; 6] =
            ["heading_levels", "scan_tables", "generic_numeric_table", "bare_phase_fallback", "rollup_parents", "style"];
        check_known(t, "enumerate", &KNOWN, " (the series is set per plan, not here)")?;
        let heading_levels = match t.get("heading_levels") {
            None => base.heading_levels.clone(),
            Some(Tv::List(items)) if items.iter().all(Tv::is_int) => {
                items.iter().map(|x| if let Tv::Int(i) = x { i.clone() } else { Int::Small(0) }).collect()
            }
            Some(_) => return Err(Fault::warn("heading_levels", "[enumerate].heading_levels must be a list of integers")),
        };
        let style = match t.get("style") {
            None => base.style.clone(),
            Some(Tv::Str(s)) => s.clone(),
            Some(other) => return Err(Fault::warn("style", format!("[enumerate].style must be a string, not {}", other.type_name()))),
        };
        Ok(EnumerateGrammar {
            series: base.series.clone(),
            heading_levels,
            scan_tables: strict_bool(t, "enumerate", "scan_tables", base.scan_tables)?,
            generic_numeric_table: strict_bool(t, "enumerate", "generic_numeric_table", base.generic_numeric_table)?,
            bare_phase_fallback: strict_bool(t, "enumerate", "bare_phase_fallback", base.bare_phase_fallback)?,
            rollup_parents: strict_bool(t, "enumerate", "rollup_parents", base.rollup_parents)?,
            style,
        })
    }
}

// ------------------------------------------------------------- cooldown

/// `[cooldown]`: the re-pick back-off windows, in milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CooldownPolicy {
    pub window_ms: Int,
    pub error_window_ms: Int,
}

impl Default for CooldownPolicy {
    fn default() -> Self {
        CooldownPolicy { window_ms: Int::Small(6 * 60 * 60 * 1000), error_window_ms: Int::Small(30 * 60 * 1000) }
    }
}

impl CooldownPolicy {
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! { "window_ms" => int_value(&self.window_ms), "error_window_ms" => int_value(&self.error_window_ms) })
    }

    pub fn from_table(t: &Table, base: &CooldownPolicy) -> Read<CooldownPolicy> {
        const KNOWN: [&str; 4] = ["window_ms", "window_hours", "error_window_ms", "error_window_minutes"];
        check_known(t, "cooldown", &KNOWN, "")?;
        let number = |key: &str| -> Read<Int> {
            let v = t.get(key).unwrap_or(&Tv::Null);
            match v {
                Tv::Int(i) => Ok(i.clone()),
                Tv::Float(f) => float_to_int(*f).map_err(|(k, m)| typed(k, key, format!("[cooldown].{key}: {m}"))),
                other => Err(Fault::warn(key, format!("[cooldown].{key} must be a number, not {}", other.type_name()))),
            }
        };
        let window_ms = if t.contains("window_ms") {
            number("window_ms")?
        } else if t.contains("window_hours") {
            int_mul(&number("window_hours")?, 60 * 60 * 1000)
        } else {
            base.window_ms.clone()
        };
        let error_window_ms = if t.contains("error_window_ms") {
            number("error_window_ms")?
        } else if t.contains("error_window_minutes") {
            int_mul(&number("error_window_minutes")?, 60 * 1000)
        } else {
            base.error_window_ms.clone()
        };
        Ok(CooldownPolicy { window_ms, error_window_ms })
    }
}

// ------------------------------------------------------------- supervise

/// `[supervise]`: the always-on worker population policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisePolicy {
    pub target: Int,
    pub count_spinning_as_alive: bool,
    pub reap_stalled: bool,
    pub spin_halt_after_ms: Option<Int>,
    pub worker_launch_template: String,
    pub max_concurrency: Option<Int>,
}

impl Default for SupervisePolicy {
    fn default() -> Self {
        SupervisePolicy {
            target: Int::Small(1),
            count_spinning_as_alive: true,
            reap_stalled: true,
            spin_halt_after_ms: None,
            worker_launch_template: "/dos-dispatch-loop --lane {lane}".into(),
            max_concurrency: None,
        }
    }
}

impl SupervisePolicy {
    /// The reference's `to_dict()`.
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "target" => int_value(&self.target),
            "count_spinning_as_alive" => self.count_spinning_as_alive,
            "reap_stalled" => self.reap_stalled,
            "spin_halt_after_ms" => opt_int(&self.spin_halt_after_ms),
            "worker_launch_template" => self.worker_launch_template.as_str(),
            "max_concurrency" => opt_int(&self.max_concurrency),
        })
    }

    pub fn from_table(t: &Table, base: &SupervisePolicy) -> Read<SupervisePolicy> {
        const KNOWN: [&str; 7] = [
            "target",
            "count_spinning_as_alive",
            "reap_stalled",
            "spin_halt_after_ms",
            "spin_halt_after_minutes",
            "worker_launch_template",
            "max_concurrency",
        ];
        check_known(t, "supervise", &KNOWN, "")?;
        if t.contains("spin_halt_after_ms") && t.contains("spin_halt_after_minutes") {
            return Err(Fault::warn(
                "spin_halt_after_minutes",
                "[supervise] sets both spin_halt_after_ms and spin_halt_after_minutes; keep one",
            ));
        }
        let target = match t.get("target") {
            None => base.target.clone(),
            Some(Tv::Int(i)) => i.clone(),
            Some(other) => {
                return Err(Fault::warn("target", format!("[supervise].target must be a non-negative integer, not {}", other.type_name())))
            }
        };
        let spin_halt_after_ms = if let Some(v) = t.get("spin_halt_after_ms") {
            Some(match v {
                Tv::Int(i) => i.clone(),
                Tv::Float(f) => {
                    float_to_int(*f).map_err(|(k, m)| typed(k, "spin_halt_after_ms", format!("[supervise].spin_halt_after_ms: {m}")))?
                }
                other => {
                    return Err(Fault::warn(
                        "spin_halt_after_ms",
                        format!("[supervise].spin_halt_after_ms must be a non-negative number, not {}", other.type_name()),
                    ))
                }
            })
        } else if let Some(v) = t.get("spin_halt_after_minutes") {
            Some(match v {
                Tv::Int(i) => int_mul(i, 60 * 1000),
                Tv::Float(f) => float_to_int(*f * 60.0 * 1000.0)
                    .map_err(|(k, m)| typed(k, "spin_halt_after_minutes", format!("[supervise].spin_halt_after_minutes: {m}")))?,
                other => {
                    return Err(Fault::warn(
                        "spin_halt_after_minutes",
                        format!("[supervise].spin_halt_after_minutes must be a non-negative number, not {}", other.type_name()),
                    ))
                }
            })
        } else {
            base.spin_halt_after_ms.clone()
        };
        let worker_launch_template = match t.get("worker_launch_template") {
            None => base.worker_launch_template.clone(),
            Some(Tv::Str(s)) => s.clone(),
            Some(other) => {
                return Err(Fault::warn(
                    "worker_launch_template",
                    format!("[supervise].worker_launch_template must be a string, not {}", other.type_name()),
                ))
            }
        };
        let max_concurrency = match t.get("max_concurrency") {
            None => base.max_concurrency.clone(),
            Some(Tv::Int(i)) => Some(i.clone()),
            Some(other) => {
                return Err(Fault::warn(
                    "max_concurrency",
                    format!("[supervise].max_concurrency must be a positive integer, not {}", other.type_name()),
                ))
            }
        };
        let p = SupervisePolicy {
            target,
            count_spinning_as_alive: strict_bool(t, "supervise", "count_spinning_as_alive", base.count_spinning_as_alive)?,
            reap_stalled: strict_bool(t, "supervise", "reap_stalled", base.reap_stalled)?,
            spin_halt_after_ms,
            worker_launch_template,
            max_concurrency,
        };
        if int_lt(&p.target, 0) {
            return Err(Fault::warn("target", format!("[supervise].target is {}; it cannot be negative", p.target)));
        }
        if p.spin_halt_after_ms.as_ref().is_some_and(|s| int_lt(s, 0)) {
            return Err(Fault::warn("spin_halt_after_ms", "[supervise] the spin halt delay (spin_halt_after_ms) cannot be negative"));
        }
        if p.max_concurrency.as_ref().is_some_and(|m| int_lt(m, 1)) {
            return Err(Fault::warn("max_concurrency", "[supervise].max_concurrency has to be at least 1 when set"));
        }
        if !p.worker_launch_template.contains("{lane}") {
            return Err(Fault::warn(
                "worker_launch_template",
                "[supervise].worker_launch_template has no {lane} placeholder to put the lane name in",
            ));
        }
        Ok(p)
    }
}

// ------------------------------------------------------------- lifecycle

/// One legal class transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LifecycleTransition {
    pub frm: String,
    pub to: String,
    pub trigger: String,
    pub auto: bool,
}

/// `[lifecycle]`: the plan classes and their transitions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LifecyclePolicy {
    pub classes: Vec<String>,
    pub transitions: Vec<LifecycleTransition>,
    pub veto_class: String,
    pub max_transitions_per_cycle: Int,
    pub per_plan_cooldown_hours: Int,
}

impl Default for LifecyclePolicy {
    fn default() -> Self {
        LifecyclePolicy {
            classes: vec!["active".into(), "done".into()],
            transitions: vec![LifecycleTransition {
                frm: "active".into(),
                to: "done".into(),
                trigger: "all_phases_shipped".into(),
                auto: true,
            }],
            veto_class: String::new(),
            max_transitions_per_cycle: Int::Small(5),
            per_plan_cooldown_hours: Int::Small(72),
        }
    }
}

impl LifecyclePolicy {
    /// The reference's `to_dict()`.
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "classes" => list(&self.classes),
            "transitions" => self.transitions.iter().map(|t| Value::Dict(dict! {
                "from" => t.frm.as_str(), "to" => t.to.as_str(), "trigger" => t.trigger.as_str(), "auto" => t.auto,
            })).collect::<Vec<_>>(),
            "veto_class" => self.veto_class.as_str(),
            "max_transitions_per_cycle" => int_value(&self.max_transitions_per_cycle),
            "per_plan_cooldown_hours" => int_value(&self.per_plan_cooldown_hours),
        })
    }

    pub fn from_table(t: &Table, base: &LifecyclePolicy) -> Read<LifecyclePolicy> {
        const KNOWN: [&str; 5] = ["classes", "transitions", "veto_class", "max_transitions_per_cycle", "per_plan_cooldown_hours"];
        check_known(t, "lifecycle", &KNOWN, "")?;
        let classes = match t.get("classes") {
            None => base.classes.clone(),
            Some(Tv::List(items)) if !items.is_empty() && items.iter().all(|x| x.as_str().is_some()) => {
                items.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()
            }
            Some(_) => return Err(Fault::warn("classes", "[lifecycle].classes must be a non-empty list of strings")),
        };
        let mut sorted_classes = classes.clone();
        sorted_classes.sort();
        sorted_classes.dedup();
        let declared = |name: &str| classes.iter().any(|c| c == name);
        let transitions = match t.get("transitions") {
            None => base.transitions.clone(),
            Some(Tv::List(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for entry in items {
                    let Tv::Table(e) = entry else {
                        return Err(Fault::warn("transitions", "[lifecycle].transitions entries must be tables"));
                    };
                    let s = |k: &str| e.get(k).and_then(Tv::as_str).filter(|s| !s.is_empty());
                    let (Some(frm), Some(to), Some(trigger)) = (s("from"), s("to"), s("trigger")) else {
                        return Err(Fault::warn(
                            "transitions",
                            format!("[lifecycle] transition {} needs non-empty string from, to and trigger", entry.py_repr()),
                        ));
                    };
                    if !declared(frm) || !declared(to) {
                        return Err(Fault::warn(
                            "transitions",
                            format!(
                                "[lifecycle] transition {} -> {} uses a class outside the declared classes ({})",
                                pystr::repr(frm),
                                pystr::repr(to),
                                sorted_classes.join(", ")
                            ),
                        ));
                    }
                    let auto = match e.get("auto") {
                        None => false,
                        Some(Tv::Bool(b)) => *b,
                        Some(_) => return Err(Fault::warn("transitions", "[lifecycle] a transition's auto must be true or false")),
                    };
                    out.push(LifecycleTransition { frm: frm.into(), to: to.into(), trigger: trigger.into(), auto });
                }
                out
            }
            Some(_) => {
                return Err(Fault::warn("transitions", "[lifecycle].transitions must be a list of {from, to, trigger, auto} tables"))
            }
        };
        let veto_class = match t.get("veto_class") {
            None => base.veto_class.clone(),
            Some(Tv::Str(v)) => {
                if !v.is_empty() && !declared(v) {
                    return Err(Fault::warn(
                        "veto_class",
                        format!("[lifecycle].veto_class {} is not a declared class ({})", pystr::repr(v), sorted_classes.join(", ")),
                    ));
                }
                v.clone()
            }
            Some(_) => return Err(Fault::warn("veto_class", "[lifecycle].veto_class must be a string")),
        };
        let int = |key: &str, cur: &Int| -> Read<Int> {
            match t.get(key) {
                None => Ok(cur.clone()),
                Some(Tv::Int(i)) => Ok(i.clone()),
                Some(other) => Err(Fault::warn(key, format!("[lifecycle].{key} must be an integer, not {}", other.type_name()))),
            }
        };
        Ok(LifecyclePolicy {
            classes,
            transitions,
            veto_class,
            max_transitions_per_cycle: int("max_transitions_per_cycle", &base.max_transitions_per_cycle)?,
            per_plan_cooldown_hours: int("per_plan_cooldown_hours", &base.per_plan_cooldown_hours)?,
        })
    }
}

// ------------------------------------------------------------- retention

/// `[retention]`: scratch-retention caps; `None` means unbounded.
#[derive(Clone, Debug, PartialEq)]
pub struct RetentionPolicy {
    pub journal_max_entries: Option<Int>,
    pub journal_max_age_days: Option<f64>,
    pub runs_keep_last: Option<Int>,
    pub verdicts_keep_last: Option<Int>,
    pub audits_keep_last: Option<Int>,
    pub projections_compact: bool,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            journal_max_entries: Some(Int::Small(5000)),
            journal_max_age_days: Some(30.0),
            runs_keep_last: Some(Int::Small(200)),
            verdicts_keep_last: Some(Int::Small(500)),
            audits_keep_last: Some(Int::Small(200)),
            projections_compact: true,
        }
    }
}

enum Cap {
    Unbounded,
    Int(Int),
    Float(f64),
}

fn coerce_cap(raw: &Tv, key: &str, integral: bool) -> Read<Cap> {
    if let Tv::Str(s) = raw {
        if crate::pystr::lower(pystr::strip(s)) == "none" {
            return Ok(Cap::Unbounded);
        }
    }
    let bad = || Fault::warn(key, format!("[retention] {key} must be a number or \"none\", not {}", raw.py_repr()));
    let (is_minus_one, negative) = match raw {
        Tv::Int(i) => (*i == Int::Small(-1), int_lt(i, 0)),
        Tv::Float(f) => (*f == -1.0, *f < 0.0),
        _ => return Err(bad()),
    };
    if is_minus_one {
        return Ok(Cap::Unbounded);
    }
    if negative {
        return Err(Fault::warn(key, format!("[retention] {key} is {}; a cap is >= 0, or -1 / \"none\" for no cap", raw.py_repr())));
    }
    Ok(match (raw, integral) {
        (Tv::Int(i), true) => Cap::Int(i.clone()),
        (Tv::Float(f), true) => Cap::Int(float_to_int(*f).map_err(|(k, m)| typed(k, key, format!("[retention] {key}: {m}")))?),
        (Tv::Int(i), false) => Cap::Float(Tv::Int(i.clone()).py_float().map_err(|(k, m)| typed(k, key, m))?),
        (Tv::Float(f), false) => Cap::Float(*f),
        _ => return Err(bad()),
    })
}

impl RetentionPolicy {
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "journal_max_entries" => opt_int(&self.journal_max_entries),
            "journal_max_age_days" => self.journal_max_age_days.map_or(Value::Null, Value::Float),
            "runs_keep_last" => opt_int(&self.runs_keep_last),
            "verdicts_keep_last" => opt_int(&self.verdicts_keep_last),
            "audits_keep_last" => opt_int(&self.audits_keep_last),
            "projections_compact" => self.projections_compact,
        })
    }

    pub fn from_table(t: &Table, base: &RetentionPolicy) -> Read<RetentionPolicy> {
        const INT_KEYS: [&str; 4] = ["journal_max_entries", "runs_keep_last", "verdicts_keep_last", "audits_keep_last"];
        const ALL: [&str; 6] = [
            "journal_max_entries",
            "runs_keep_last",
            "verdicts_keep_last",
            "audits_keep_last",
            "journal_max_age_days",
            "projections_compact",
        ];
        check_known(t, "retention", &ALL, "")?;
        let mut p = base.clone();
        // The reference walks a set (no stable order); table order is ours.
        for (key, raw) in t.iter() {
            if !INT_KEYS.contains(&key) {
                continue;
            }
            let cap = match coerce_cap(raw, key, true)? {
                Cap::Unbounded => None,
                Cap::Int(i) => Some(i),
                Cap::Float(_) => None,
            };
            match key {
                "journal_max_entries" => p.journal_max_entries = cap,
                "runs_keep_last" => p.runs_keep_last = cap,
                "verdicts_keep_last" => p.verdicts_keep_last = cap,
                _ => p.audits_keep_last = cap,
            }
        }
        if let Some(raw) = t.get("journal_max_age_days") {
            p.journal_max_age_days = match coerce_cap(raw, "journal_max_age_days", false)? {
                Cap::Float(f) => Some(f),
                _ => None,
            };
        }
        if let Some(raw) = t.get("projections_compact") {
            match raw {
                Tv::Bool(b) => p.projections_compact = *b,
                other => {
                    return Err(Fault::warn(
                        "projections_compact",
                        format!("[retention] projections_compact must be true or false, not {}", other.py_repr()),
                    ))
                }
            }
        }
        Ok(p)
    }
}

// ------------------------------------------------------------- data_class

/// `[data_class]`: which paths hold agent scratch versus product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataClassPolicy {
    pub trajectory_patterns: Vec<String>,
    pub audit_patterns: Vec<String>,
    pub baseline_patterns: Vec<String>,
    pub product_patterns: Vec<String>,
    pub default_class: String,
}

pub const DATA_CLASSES: [&str; 4] = ["TRAJECTORY", "AUDIT", "BASELINE", "PRODUCT"];

impl Default for DataClassPolicy {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        DataClassPolicy {
            trajectory_patterns: s(&[".dos/runs", ".dos/fanout_runs", ".dos/chained_runs", ".dos/dispatch_loops", ".dos/verdicts"]),
            audit_patterns: s(&[".dos/audits", ".dos/picker_audits", ".dos/**/*.verdict-*.json"]),
            baseline_patterns: s(&[".dos/baselines"]),
            product_patterns: vec![],
            default_class: "PRODUCT".into(),
        }
    }
}

impl DataClassPolicy {
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "trajectory_patterns" => list(&self.trajectory_patterns),
            "audit_patterns" => list(&self.audit_patterns),
            "baseline_patterns" => list(&self.baseline_patterns),
            "product_patterns" => list(&self.product_patterns),
            "default_class" => self.default_class.as_str(),
        })
    }

    pub fn from_table(t: &Table, base: &DataClassPolicy) -> Read<DataClassPolicy> {
        const ALL: [&str; 5] = ["trajectory_patterns", "audit_patterns", "baseline_patterns", "product_patterns", "default_class"];
        check_known(t, "data_class", &ALL, "")?;
        let mut p = base.clone();
        for (key, v) in t.iter() {
            let slot = match key {
                "trajectory_patterns" => &mut p.trajectory_patterns,
                "audit_patterns" => &mut p.audit_patterns,
                "baseline_patterns" => &mut p.baseline_patterns,
                "product_patterns" => &mut p.product_patterns,
                _ => continue,
            };
            *slot = str_or_list(v, "data_class", key)?;
        }
        if let Some(raw) = t.get("default_class") {
            let Tv::Str(c) = raw else {
                return Err(Fault::warn("default_class", format!("[data_class].default_class must be a string, not {}", raw.py_repr())));
            };
            if !DATA_CLASSES.contains(&c.as_str()) {
                return Err(Fault::warn(
                    "default_class",
                    format!("[data_class].default_class is {}; it must be one of AUDIT, BASELINE, PRODUCT, TRAJECTORY", pystr::repr(c)),
                ));
            }
            p.default_class = c.clone();
        }
        Ok(p)
    }
}

// ------------------------------------------------------------- marker

/// `[marker]`: the wait-marker budget knobs (declared once, in the decider).
pub use crate::deciders::marker_gate::MarkerPolicy;

impl MarkerPolicy {
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "max_streak" => int_value(&self.max_streak),
            "arm_on_env" => list(&self.arm_on_env.0),
            "respect_stop_hook_active" => self.respect_stop_hook_active,
        })
    }

    /// Lenient: a wrongly typed `arm_on_env` keeps the base's names.
    pub fn from_table(t: &Table, base: &MarkerPolicy) -> Read<MarkerPolicy> {
        if t.is_empty() {
            return Ok(base.clone());
        }
        let arm: Vec<Tv> = match t.get("arm_on_env") {
            None => base.arm_on_env.0.iter().map(|s| Tv::Str(s.clone())).collect(),
            Some(Tv::Str(s)) => vec![Tv::Str(s.clone())],
            Some(Tv::List(items)) => items.clone(),
            Some(_) => base.arm_on_env.0.iter().map(|s| Tv::Str(s.clone())).collect(),
        };
        let max_streak = match t.get("max_streak") {
            None => base.max_streak.clone(),
            Some(v) => v.py_int().map_err(|(k, m)| typed(k, "max_streak", format!("[marker].max_streak: {m}")))?,
        };
        let respect = t.get("respect_stop_hook_active").map_or(base.respect_stop_hook_active, Tv::truthy);
        if int_lt(&max_streak, 0) {
            return Err(Fault::warn("max_streak", format!("[marker].max_streak is {max_streak}; it cannot be negative")));
        }
        let arm_on_env = crate::route::Tuple(crate::deciders::marker_gate::normalize_names(arm.iter().filter_map(Tv::as_str)));
        Ok(MarkerPolicy { max_streak, arm_on_env, respect_stop_hook_active: respect })
    }
}

// ------------------------------------------------------------- precursor

/// `[precursor]`: which lookups a mutating tool needs first. Names are
/// canonical (case-folded, `-` and `.` turned into `_`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrecursorGrammar {
    pub requires: Vec<(String, Vec<String>)>,
    pub aliases: Vec<(String, Vec<String>)>,
}

/// A tool name in canonical form.
pub fn canon_tool(name: &str) -> String {
    pystr::casefold(pystr::strip(name)).replace(['-', '.'], "_")
}

fn canon_tv(v: &Tv, table: &str) -> Read<String> {
    if !v.truthy() {
        return Ok(String::new());
    }
    match v {
        Tv::Str(s) => Ok(canon_tool(s)),
        other => Err(Fault::crash(table, format!("[precursor.{table}] names must be strings, not {}", other.type_name()))),
    }
}

fn precursor_map(t: &Table, which: &str) -> Read<Vec<(String, Vec<String>)>> {
    let raw = match t.get(which) {
        None => return Ok(vec![]),
        Some(v) if !v.truthy() => return Ok(vec![]),
        Some(Tv::Table(m)) => m,
        Some(other) => return Err(Fault::crash(which, format!("[precursor.{which}] has to be a table, not {}", other.type_name()))),
    };
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (name, v) in raw.iter() {
        let items = match v {
            Tv::Null => vec![],
            Tv::Str(s) => vec![Tv::Str(s.clone())],
            Tv::List(_) | Tv::Table(_) => v.py_iter().unwrap_or_default(),
            other => {
                return Err(Fault::crash(
                    which,
                    format!("[precursor.{which}].{name} must be a name or a list of names, not {}", other.type_name()),
                ))
            }
        };
        let key = canon_tool(name);
        let names = items.iter().map(|x| canon_tv(x, which)).collect::<Read<Vec<_>>>()?;
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = names,
            None => out.push((key, names)),
        }
    }
    Ok(out)
}

impl PrecursorGrammar {
    pub fn to_value(&self) -> Value {
        let map = |m: &[(String, Vec<String>)]| {
            let mut d = Dict::with_capacity(m.len());
            for (k, v) in m {
                d.push(k.as_str(), list(v));
            }
            Value::Dict(d)
        };
        Value::Dict(dict! { "requires" => map(&self.requires), "aliases" => map(&self.aliases) })
    }

    /// Lenient on unknown keys; a present table replaces the grammar.
    pub fn from_table(t: &Table) -> Read<PrecursorGrammar> {
        if t.is_empty() {
            return Ok(PrecursorGrammar::default());
        }
        let requires = precursor_map(t, "requires")?;
        let aliases = precursor_map(t, "aliases")?;
        Ok(PrecursorGrammar { requires, aliases })
    }
}

// ------------------------------------------------------------- tool_stream

fn stream_int(v: Option<&Tv>, key: &str, default: i64) -> Read<Int> {
    match v {
        None => Ok(Int::Small(default)),
        Some(v) => v.py_int().map_err(|(k, m)| typed(k, key, format!("[tool_stream].{key}: {m}"))),
    }
}

/// `[tool_stream]`: a present table replaces the windows; a missing key takes
/// the generic default (not the base's value).
pub fn stream_policy_from_table(t: &Table) -> Read<StreamPolicy> {
    if t.is_empty() {
        return Ok(StreamPolicy::default());
    }
    let ig = t.get("ignore_tools");
    let repeat_n = stream_int(t.get("repeat_n"), "repeat_n", DEFAULT_REPEAT_N)?;
    let stall_n = stream_int(t.get("stall_n"), "stall_n", DEFAULT_STALL_N)?;
    let tools: Vec<String> = match ig {
        None => vec![],
        Some(Tv::Str(s)) => vec![s.clone()],
        Some(v @ (Tv::List(_) | Tv::Table(_))) => v.py_iter().unwrap_or_default().iter().map(Tv::py_str).collect(),
        Some(other) => {
            return Err(Fault::crash(
                "ignore_tools",
                format!("[tool_stream].ignore_tools must be a name or a list of names, not {}", other.type_name()),
            ))
        }
    };
    if int_lt(&repeat_n, 1) {
        return Err(Fault::warn("repeat_n", format!("[tool_stream].repeat_n is {repeat_n}; it has to be at least 1")));
    }
    let stall_below = match (&repeat_n, &stall_n) {
        (Int::Small(r), Int::Small(s)) => s < r,
        (Int::Big(_), Int::Small(_)) => true,
        (Int::Small(_), Int::Big(b)) => b.starts_with('-'),
        (Int::Big(r), Int::Big(s)) => {
            let neg = s.starts_with('-');
            if neg {
                true
            } else {
                (s.len(), s.as_ref()) < (r.len(), r.as_ref())
            }
        }
    };
    if stall_below {
        return Err(Fault::warn(
            "stall_n",
            format!("[tool_stream].stall_n ({stall_n}) is below repeat_n ({repeat_n}); a stall needs at least as long a run"),
        ));
    }
    let (Int::Small(r), Int::Small(s)) = (&repeat_n, &stall_n) else {
        return Err(Fault::crash("stall_n", "[tool_stream] windows beyond 64 bits are not supported"));
    };
    StreamPolicy::new(*r, *s, tools.into_iter().map(Str::from)).map_err(|m| Fault::warn("", format!("[tool_stream]: {m}")))
}
