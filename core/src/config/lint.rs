//! `config_lint`: declarations in a workspace config that can never take
//! effect (a lane nothing can arbitrate, a contradiction, a dangling name, a
//! lane swallowed by another). Pure: the config in, findings out.

use super::reasons::ReasonSpec;
use super::LaneTaxonomy;
use crate::deciders::tree::norm_tree_prefix;
use crate::dict;
use crate::pyjson::Value;
use crate::pystr;

/// The finding vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintKind {
    LaneWithoutTree,
    LaneBothConcurrentAndExclusive,
    AutopickLaneUndeclared,
    AliasTargetUndeclared,
    LaneRegionShadowed,
    ConcurrentLanesOverlap,
    ReasonSeeAlsoDangles,
}

impl LintKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LintKind::LaneWithoutTree => "LANE_WITHOUT_TREE",
            LintKind::LaneBothConcurrentAndExclusive => "LANE_BOTH_CONCURRENT_AND_EXCLUSIVE",
            LintKind::AutopickLaneUndeclared => "AUTOPICK_LANE_UNDECLARED",
            LintKind::AliasTargetUndeclared => "ALIAS_TARGET_UNDECLARED",
            LintKind::LaneRegionShadowed => "LANE_REGION_SHADOWED",
            LintKind::ConcurrentLanesOverlap => "CONCURRENT_LANES_OVERLAP",
            LintKind::ReasonSeeAlsoDangles => "REASON_SEE_ALSO_DANGLES",
        }
    }
}

/// How bad a finding is; errors sort first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warn,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: LintKind,
    pub severity: Severity,
    /// The lane, alias keyword or reason token the finding is about.
    pub subject: String,
    pub detail: String,
    pub fix: String,
}

impl Finding {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The reference's `to_dict()` shape.
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "kind" => self.kind.as_str(),
            "severity" => self.severity.as_str(),
            "subject" => self.subject.as_str(),
            "detail" => self.detail.as_str(),
            "fix" => self.fix.as_str(),
        })
    }
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
    Finding {
        kind: LintKind::LaneRegionShadowed,
        severity: Severity::Warn,
        subject: dead.to_string(),
        detail: format!(
            "every path of concurrent lane {} also belongs to concurrent lane {}, so {} can never be taken on its own",
            pystr::repr(dead),
            pystr::repr(broad),
            pystr::repr(dead)
        ),
        fix: format!("drop lane {}, or narrow {} so it leaves {} out", pystr::repr(dead), pystr::repr(broad), pystr::repr(dead)),
    }
}

/// The lane-taxonomy findings, unsorted.
pub fn lint_lanes(t: &LaneTaxonomy) -> Vec<Finding> {
    let mut out = Vec::new();
    let declared = |lane: &str| t.is_concurrent(lane) || t.is_exclusive(lane);

    // Treeless concurrent / autopick lanes (exclusive lanes need no tree).
    let mut roles: Vec<(String, Vec<&str>)> = Vec::new();
    for (role, members) in [("concurrent", &t.concurrent), ("autopick", &t.autopick)] {
        for lane in members {
            if t.tree_for(lane).is_empty() {
                match roles.iter_mut().find(|(l, _)| l == lane) {
                    Some(slot) => slot.1.push(role),
                    None => roles.push((lane.clone(), vec![role])),
                }
            }
        }
    }
    roles.sort_by(|a, b| a.0.cmp(&b.0));
    for (lane, where_) in roles {
        out.push(Finding {
            kind: LintKind::LaneWithoutTree,
            severity: Severity::Error,
            subject: lane.clone(),
            detail: format!(
                "lane {} is listed in [lanes].{} without a [lanes.trees] entry, so there is nothing to arbitrate on",
                pystr::repr(&lane),
                where_.join("/")
            ),
            fix: "give the lane a tree in [lanes.trees] or remove it".into(),
        });
    }

    let mut both: Vec<&String> = t.concurrent.iter().filter(|l| t.is_exclusive(l)).collect();
    both.sort();
    both.dedup();
    for lane in both {
        out.push(Finding {
            kind: LintKind::LaneBothConcurrentAndExclusive,
            severity: Severity::Error,
            subject: lane.clone(),
            detail: format!("lane {} is both concurrent (runs beside disjoint lanes) and exclusive (runs alone)", pystr::repr(lane)),
            fix: "list the lane under concurrent or under exclusive, not both".into(),
        });
    }

    for lane in &t.autopick {
        if !declared(lane) {
            out.push(Finding {
                kind: LintKind::AutopickLaneUndeclared,
                severity: Severity::Warn,
                subject: lane.clone(),
                detail: format!(
                    "autopick walks lane {}, which neither concurrent nor exclusive declares, so the walk passes over it",
                    pystr::repr(lane)
                ),
                fix: "declare the lane as concurrent or exclusive, or take it out of autopick".into(),
            });
        }
    }

    let mut aliases: Vec<&(String, String)> = t.aliases.iter().collect();
    aliases.sort_by(|a, b| a.0.cmp(&b.0));
    for (keyword, target) in aliases {
        if !declared(target) {
            out.push(Finding {
                kind: LintKind::AliasTargetUndeclared,
                severity: Severity::Warn,
                subject: keyword.clone(),
                detail: format!(
                    "alias {} points at lane {}, which neither concurrent nor exclusive declares",
                    pystr::repr(keyword),
                    pystr::repr(target)
                ),
                fix: format!("declare lane {} or point the alias at a declared lane", pystr::repr(target)),
            });
        }
    }

    let mut sized: Vec<(&String, &[String])> =
        t.concurrent.iter().filter_map(|l| Some((l, t.tree_for(l))).filter(|(_, tr)| !tr.is_empty())).collect();
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
                out.push(Finding {
                    kind: LintKind::ConcurrentLanesOverlap,
                    severity: Severity::Warn,
                    subject: format!("{a}+{b}"),
                    detail: format!(
                        "concurrent lanes {} and {} share part of their trees, so only one of them can hold a worker at a time",
                        pystr::repr(a),
                        pystr::repr(b)
                    ),
                    fix: "make the two trees disjoint, or mark one of the lanes exclusive".into(),
                });
            }
        }
    }
    out
}

/// `see_also` pointers of the form `lane <name>` that name no declared lane.
pub fn lint_reasons(specs: &[ReasonSpec], known_lanes: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    for spec in specs {
        for raw in &spec.see_also {
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
                out.push(Finding {
                    kind: LintKind::ReasonSeeAlsoDangles,
                    severity: Severity::Info,
                    subject: spec.token.clone(),
                    detail: format!("see_also {} refers to lane {}, which is not declared", pystr::repr(r), pystr::repr(target)),
                    fix: format!("declare lane {} or correct the see_also entry", pystr::repr(target)),
                });
            }
        }
    }
    out
}

/// Every finding over the taxonomy and (when given) the reasons, errors first,
/// then by kind, then by subject.
pub fn lint(t: &LaneTaxonomy, reasons: Option<&[ReasonSpec]>) -> Vec<Finding> {
    let mut out = lint_lanes(t);
    if let Some(specs) = reasons {
        let known: Vec<String> = t.concurrent.iter().chain(t.exclusive.iter()).cloned().collect();
        out.extend(lint_reasons(specs, &known));
    }
    out.sort_by(|a, b| (a.severity, a.kind.as_str(), &a.subject).cmp(&(b.severity, b.kind.as_str(), &b.subject)));
    out
}

pub fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}
