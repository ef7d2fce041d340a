//! `config_lint`: declarations in a workspace config that can never take
//! effect (a lane nothing can arbitrate, a contradiction, a dangling name, a
//! lane swallowed by another). Pure: the config in, findings out.
//!
//! On the generated route (`crate::route`): the finding vocabulary, the
//! finding record and the inputs the linter reads (the lane taxonomy's
//! fields, each reason's token and `see_also`) are declared once below, and
//! their docs are the schema's docs.

use crate::deciders::tree::norm_tree_prefix;
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{self, repr_str, Str, Value};
use crate::pystr;
use crate::route::{self, Describe, Map, Module, Op, Tuple};
use serde::{Deserialize, Deserializer, Serialize};

/// The closed set of config-integrity findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LintKind {
    /// A concurrent or autopick lane with no tree to arbitrate on.
    LaneWithoutTree,
    /// A lane listed both as concurrent and as exclusive.
    LaneBothConcurrentAndExclusive,
    /// An autopick entry that no role declares.
    AutopickLaneUndeclared,
    /// An alias whose target no role declares.
    AliasTargetUndeclared,
    /// A concurrent lane whose region lies wholly inside another's.
    LaneRegionShadowed,
    /// Two concurrent lanes whose regions intersect.
    ConcurrentLanesOverlap,
    /// A reason's `see_also` names a lane that is not declared.
    ReasonSeeAlsoDangles,
}

/// How bad a finding is, most serious first (the report's order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The config is broken (a CI gate fails).
    Error,
    /// The config is suspect.
    Warn,
    /// A cosmetic nit; never gates.
    Info,
}

/// One config-integrity finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Which check fired.
    pub kind: LintKind,
    /// error, warn or info.
    pub severity: Severity,
    /// The lane, alias keyword or reason token the finding is about.
    pub subject: Str,
    /// One line: what is wrong.
    pub detail: Str,
    /// One line: how to fix it.
    pub fix: Str,
}

impl Finding {
    fn new(kind: LintKind, severity: Severity, subject: &str, detail: String, fix: String) -> Finding {
        Finding { kind, severity, subject: subject.into(), detail: detail.into(), fix: fix.into() }
    }

    /// An error-severity finding.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The finding on one line: `[severity] KIND 'subject': detail — fix`.
    pub fn line(&self) -> Str {
        let head = format!("[{}] {} {}: ", token(&self.severity), token(&self.kind), repr_str(&self.subject));
        concat(&[&Str::from(head), &self.detail, &Str::from(" — "), &self.fix])
    }
}

/// An enum's wire token, as its serde derive writes it.
fn token<T: Serialize>(v: &T) -> String {
    match pyjson::to_value(v) {
        Ok(Value::Str(Str::Utf8(s))) => s,
        _ => String::new(),
    }
}

/// Python's `a + b + …` of `str`s (a lone surrogate kept).
fn concat(parts: &[&Str]) -> Str {
    if parts.iter().all(|p| matches!(p, Str::Utf8(_))) {
        return Str::Utf8(parts.iter().filter_map(|p| p.as_str()).collect());
    }
    let mut units = Vec::new();
    for p in parts {
        match p {
            Str::Utf8(s) => units.extend(s.encode_utf16()),
            Str::Utf16(u) => units.extend_from_slice(u),
        }
    }
    Str::from_utf16(units)
}

/// A `null` given for a field reads as the field left out.
fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The lane taxonomy the linter reads: the fields of the reference's
/// `LaneTaxonomy` (any object carrying them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LaneTaxonomy {
    /// Cluster lanes: parallel when their trees are disjoint.
    #[serde(default, deserialize_with = "or_default")]
    #[describe(tuple)]
    pub concurrent: Tuple<String>,
    /// Lanes that run alone.
    #[serde(default, deserialize_with = "or_default")]
    #[describe(tuple)]
    pub exclusive: Tuple<String>,
    /// The order a bare (lane-less) request walks.
    #[serde(default, deserialize_with = "or_default")]
    #[describe(tuple)]
    pub autopick: Tuple<String>,
    /// Each lane's tree (repo-relative globs).
    #[serde(default, deserialize_with = "or_default")]
    pub trees: Map<Tuple<String>>,
    /// Keyword → lane routing.
    #[serde(default, deserialize_with = "or_default")]
    pub aliases: Map<String>,
}

impl LaneTaxonomy {
    /// The tree declared for `lane`, empty when none is.
    pub fn tree_for(&self, lane: &str) -> &[String] {
        self.trees.get(lane).map(|t| t.0.as_slice()).unwrap_or(&[])
    }

    /// `lane` is concurrent or exclusive.
    pub fn declares(&self, lane: &str) -> bool {
        self.concurrent.0.iter().chain(&self.exclusive.0).any(|l| l == lane)
    }
}

fn unclassified() -> String {
    "UNCLASSIFIED".to_owned()
}

fn refuses() -> bool {
    true
}

fn or_unclassified<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_else(unclassified))
}

fn or_refuses<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or(true))
}

/// A reason of the registry. The linter reads its `token` and its
/// `see_also` pointers; the other fields are taken and left unread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReasonSpec {
    /// The reason's token.
    pub token: String,
    /// The cause it rolls up to.
    #[serde(default = "unclassified", deserialize_with = "or_unclassified")]
    pub category: String,
    /// Whether a verdict carrying it is refused.
    #[serde(default = "refuses", deserialize_with = "or_refuses")]
    pub refusal: bool,
    /// The remedy line.
    #[serde(default, deserialize_with = "or_default")]
    pub fix: String,
    /// Pointers to other reasons, lanes and oracles (`lane <name>` names a lane).
    #[serde(default, deserialize_with = "or_default")]
    #[describe(tuple)]
    pub see_also: Tuple<String>,
    /// A one-line gloss.
    #[serde(default, deserialize_with = "or_default")]
    pub summary: String,
}

fn prefixes(tree: &[String]) -> Vec<String> {
    tree.iter().filter(|p| !p.is_empty()).map(|p| norm_tree_prefix(p)).collect()
}

/// Every prefix of `a` lies at or below some prefix of `b`.
fn region_within(a: &[String], b: &[String]) -> bool {
    let (na, nb) = (prefixes(a), prefixes(b));
    !na.is_empty() && !nb.is_empty() && na.iter().all(|p| nb.iter().any(|o| p.starts_with(o.as_str())))
}

/// `a`'s region is a strict subset of `b`'s.
fn swallowed_by(a: &[String], b: &[String]) -> bool {
    region_within(a, b) && !region_within(b, a)
}

fn regions_collide(a: &[String], b: &[String]) -> bool {
    let (na, nb) = (prefixes(a), prefixes(b));
    na.iter().any(|p| nb.iter().any(|o| p.starts_with(o.as_str()) || o.starts_with(p.as_str())))
}

fn shadow(dead: &str, broad: &str) -> Finding {
    let (d, b) = (pystr::repr(dead), pystr::repr(broad));
    Finding::new(
        LintKind::LaneRegionShadowed,
        Severity::Warn,
        dead,
        format!("every path of concurrent lane {d} also belongs to concurrent lane {b}, so {d} can never be taken on its own"),
        format!("drop lane {d}, or narrow {b} so it leaves {d} out"),
    )
}

/// The lane-taxonomy findings, unsorted.
pub fn lint_lanes(t: &LaneTaxonomy) -> Vec<Finding> {
    let mut out = Vec::new();

    // Treeless concurrent / autopick lanes (exclusive lanes need no tree).
    let mut roles: Vec<(&String, Vec<&str>)> = Vec::new();
    for (role, members) in [("concurrent", &t.concurrent), ("autopick", &t.autopick)] {
        for lane in &members.0 {
            if t.tree_for(lane).is_empty() {
                match roles.iter_mut().find(|(l, _)| *l == lane) {
                    Some(slot) => slot.1.push(role),
                    None => roles.push((lane, vec![role])),
                }
            }
        }
    }
    roles.sort_by(|a, b| a.0.cmp(b.0));
    for (lane, where_) in roles {
        out.push(Finding::new(
            LintKind::LaneWithoutTree,
            Severity::Error,
            lane,
            format!(
                "lane {} is listed in [lanes].{} without a [lanes.trees] entry, so there is nothing to arbitrate on",
                pystr::repr(lane),
                where_.join("/")
            ),
            "give the lane a tree in [lanes.trees] or remove it".into(),
        ));
    }

    let mut both: Vec<&String> = t.concurrent.0.iter().filter(|l| t.exclusive.0.contains(l)).collect();
    both.sort();
    both.dedup();
    for lane in both {
        out.push(Finding::new(
            LintKind::LaneBothConcurrentAndExclusive,
            Severity::Error,
            lane,
            format!("lane {} is both concurrent (runs beside disjoint lanes) and exclusive (runs alone)", pystr::repr(lane)),
            "list the lane under concurrent or under exclusive, not both".into(),
        ));
    }

    for lane in &t.autopick.0 {
        if !t.declares(lane) {
            out.push(Finding::new(
                LintKind::AutopickLaneUndeclared,
                Severity::Warn,
                lane,
                format!(
                    "autopick walks lane {}, which neither concurrent nor exclusive declares, so the walk passes over it",
                    pystr::repr(lane)
                ),
                "declare the lane as concurrent or exclusive, or take it out of autopick".into(),
            ));
        }
    }

    let mut aliases: Vec<&(String, String)> = t.aliases.0.iter().collect();
    aliases.sort_by(|a, b| a.0.cmp(&b.0));
    for (keyword, target) in aliases {
        if !t.declares(target) {
            out.push(Finding::new(
                LintKind::AliasTargetUndeclared,
                Severity::Warn,
                keyword,
                format!(
                    "alias {} points at lane {}, which neither concurrent nor exclusive declares",
                    pystr::repr(keyword),
                    pystr::repr(target)
                ),
                format!("declare lane {} or point the alias at a declared lane", pystr::repr(target)),
            ));
        }
    }

    let mut sized: Vec<(&String, &[String])> = t.concurrent.0.iter().map(|l| (l, t.tree_for(l))).filter(|(_, tr)| !tr.is_empty()).collect();
    sized.sort_by(|a, b| a.0.cmp(b.0));
    for i in 0..sized.len() {
        for j in i + 1..sized.len() {
            let (a, at) = sized[i];
            let (b, bt) = sized[j];
            if swallowed_by(at, bt) {
                out.push(shadow(a, b));
            } else if swallowed_by(bt, at) {
                out.push(shadow(b, a));
            } else if regions_collide(at, bt) {
                out.push(Finding::new(
                    LintKind::ConcurrentLanesOverlap,
                    Severity::Warn,
                    &format!("{a}+{b}"),
                    format!(
                        "concurrent lanes {} and {} share part of their trees, so only one of them can hold a worker at a time",
                        pystr::repr(a),
                        pystr::repr(b)
                    ),
                    "make the two trees disjoint, or mark one of the lanes exclusive".into(),
                ));
            }
        }
    }
    out
}

/// `see_also` pointers of the form `lane <name>` that name no declared lane.
pub fn lint_reasons(specs: &[ReasonSpec], known_lanes: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    for spec in specs {
        for raw in &spec.see_also.0 {
            let r = pystr::strip(raw);
            if !pystr::lower(r).starts_with("lane ") {
                continue;
            }
            let rest: String = r.chars().skip(5).collect();
            let target = pystr::strip(&rest);
            if target.is_empty() || (target.starts_with('<') && target.ends_with('>')) {
                continue;
            }
            if !known_lanes.iter().any(|l| l == target) {
                out.push(Finding::new(
                    LintKind::ReasonSeeAlsoDangles,
                    Severity::Info,
                    &spec.token,
                    format!("see_also {} refers to lane {}, which is not declared", pystr::repr(r), pystr::repr(target)),
                    format!("declare lane {} or correct the see_also entry", pystr::repr(target)),
                ));
            }
        }
    }
    out
}

/// Every finding over the taxonomy and (when given) the reasons, errors first,
/// then by kind (its token), then by subject; ties keep their order.
pub fn lint(t: &LaneTaxonomy, reasons: Option<&[ReasonSpec]>) -> Vec<Finding> {
    let mut out = lint_lanes(t);
    if let Some(specs) = reasons {
        let known: Vec<String> = t.concurrent.0.iter().chain(&t.exclusive.0).cloned().collect();
        out.extend(lint_reasons(specs, &known));
    }
    // A stable sort (the key carries the index), as Python's `sorted`.
    out.sort_by_cached_key(|f| (f.severity, token(&f.kind), f.subject.clone()));
    out
}

/// Whether any finding is an error.
pub fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}

// ------------------------------------------------------------------ the ops

/// Every config-integrity finding across the lane taxonomy and, when one is
/// given, the reason registry (its `lane <name>` pointers checked against the
/// taxonomy's concurrent and exclusive lanes), sorted: errors, then warnings,
/// then infos; within one severity by kind, then by subject.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Lint {
    /// The lane taxonomy.
    pub taxonomy: LaneTaxonomy,
    /// The reasons (None: the lane findings alone).
    #[serde(default)]
    #[describe(py = "registry: Any = None", via = "reason_specs")]
    pub registry: Option<Vec<ReasonSpec>>,
}

impl Op for Lint {
    const NAME: &'static str = "config_lint.lint";
    type Verdict = Tuple<Finding>;

    fn run(self, _: &Ctx<'_>) -> Result<Tuple<Finding>, CallError> {
        Ok(Tuple(lint(&self.taxonomy, self.registry.as_deref())))
    }
}

/// The lane-taxonomy findings, unsorted: a concurrent or autopick lane
/// without a tree (error), a lane both concurrent and exclusive (error), an
/// autopick lane or an alias target no role declares (warn), and for each
/// pair of concurrent lanes with trees, one lane's region strictly inside the
/// other's (shadowed, warn) or the two regions intersecting (overlap, warn).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LintLanes {
    /// The lane taxonomy.
    pub taxonomy: LaneTaxonomy,
}

impl Op for LintLanes {
    const NAME: &'static str = "config_lint.lint_lanes";
    type Verdict = Tuple<Finding>;

    fn run(self, _: &Ctx<'_>) -> Result<Tuple<Finding>, CallError> {
        Ok(Tuple(lint_lanes(&self.taxonomy)))
    }
}

/// The reason-registry findings, unsorted: each `see_also` pointer of the
/// form `lane <name>` (case-insensitive, stripped; a `<placeholder>` name is
/// skipped) whose name is not among `known_lanes` (info).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LintReasons {
    /// The reasons.
    #[describe(py = "registry: Any", via = "reason_specs")]
    pub registry: Vec<ReasonSpec>,
    /// The declared lanes.
    #[describe(kw_only, py = "known_lanes: Iterable[str]", via = "iterable_list")]
    pub known_lanes: Vec<String>,
}

impl Op for LintReasons {
    const NAME: &'static str = "config_lint.lint_reasons";
    type Verdict = Tuple<Finding>;

    fn run(self, _: &Ctx<'_>) -> Result<Tuple<Finding>, CallError> {
        Ok(Tuple(lint_reasons(&self.registry, &self.known_lanes)))
    }
}

/// Whether any finding is an error (the gate a strict check keys on).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct HasError {
    /// The findings.
    #[describe(py = "findings: Iterable[Finding]", via = "iterable_list")]
    pub findings: Vec<Finding>,
}

impl Op for HasError {
    const NAME: &'static str = "config_lint.has_error";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(has_error(&self.findings))
    }
}

/// Whether the finding is an error.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct IsError {
    /// The finding.
    #[serde(rename = "self")]
    pub this: Finding,
}

impl Op for IsError {
    const NAME: &'static str = "config_lint.Finding.is_error";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(self.this.is_error())
    }
}

/// The finding as one operator line: `[severity] KIND 'subject': detail — fix`
/// (the subject as Python's `repr`).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct FindingLine {
    /// The finding.
    pub finding: Finding,
}

impl Op for FindingLine {
    const NAME: &'static str = "config_lint.finding_line";
    const PY_NAME: &'static str = "_finding_line";
    const PY_METHODS: &'static [&'static str] = &["Finding.line"];
    type Verdict = Str;

    fn run(self, _: &Ctx<'_>) -> Result<Str, CallError> {
        Ok(self.finding.line())
    }
}

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "Dead policy in a workspace config: declarations in the lane taxonomy and the reason registry that \
                       can never take effect (a lane nothing can arbitrate, a lane both concurrent and exclusive, a \
                       dangling autopick entry, alias target or `see_also` lane, a concurrent lane swallowed by or \
                       overlapping another). Advisory: findings are reported, never acted on.";

pub(crate) const MODULE: Module = Module {
    name: "config_lint",
    doc: DOC,
    routes: &[
        route::route::<Lint>(),
        route::route::<LintLanes>(),
        route::route::<LintReasons>(),
        route::route::<HasError>(),
        route::route::<IsError>(),
        route::route::<FindingLine>(),
    ],
    consts: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(concurrent: &[&str], exclusive: &[&str], trees: &[(&str, &[&str])]) -> LaneTaxonomy {
        let owned = |v: &[&str]| Tuple(v.iter().map(|s| s.to_string()).collect());
        LaneTaxonomy {
            concurrent: owned(concurrent),
            exclusive: owned(exclusive),
            autopick: Tuple::default(),
            trees: Map(trees.iter().map(|(k, v)| (k.to_string(), owned(v))).collect()),
            aliases: Map::default(),
        }
    }

    #[test]
    fn a_strict_subset_is_a_shadow_and_equal_regions_overlap() {
        let t = lanes(&["api", "src"], &[], &[("api", &["src/api/**"]), ("src", &["src/**"])]);
        let f = lint_lanes(&t);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].kind, f[0].subject.as_str()), (LintKind::LaneRegionShadowed, Some("api")));
        let t = lanes(&["a", "b"], &[], &[("a", &["src/**"]), ("b", &["src/**"])]);
        let f = lint_lanes(&t);
        assert_eq!((f[0].kind, f[0].subject.as_str()), (LintKind::ConcurrentLanesOverlap, Some("a+b")));
    }

    #[test]
    fn lint_sorts_by_severity_then_kind_token_then_subject() {
        let mut t = lanes(&["dup", "x"], &["dup"], &[("dup", &["d/**"])]);
        t.autopick = Tuple(vec!["ghost".into()]);
        let reasons = [ReasonSpec {
            token: "R".into(),
            category: unclassified(),
            refusal: true,
            fix: String::new(),
            see_also: Tuple(vec!["lane nowhere".into()]),
            summary: String::new(),
        }];
        let kinds: Vec<String> = lint(&t, Some(&reasons)).iter().map(|f| token(&f.kind)).collect();
        assert_eq!(
            kinds,
            [
                "LANE_BOTH_CONCURRENT_AND_EXCLUSIVE",
                "LANE_WITHOUT_TREE",
                "LANE_WITHOUT_TREE",
                "AUTOPICK_LANE_UNDECLARED",
                "REASON_SEE_ALSO_DANGLES"
            ]
        );
    }

    #[test]
    fn the_line_keeps_a_lone_surrogate() {
        let f = Finding {
            kind: LintKind::LaneWithoutTree,
            severity: Severity::Error,
            subject: Str::Utf16(vec![0xD800]),
            detail: Str::Utf16(vec![0x61, 0xDC00]),
            fix: "f".into(),
        };
        let Str::Utf16(units) = f.line() else { panic!("a lone surrogate is kept") };
        let head: Vec<u16> = "[error] LANE_WITHOUT_TREE '\\ud800': a".encode_utf16().collect();
        assert_eq!(&units[..head.len()], &head[..]);
        assert_eq!(units[head.len()], 0xDC00);
        assert!(f.is_error() && has_error(&[f]));
    }
}
