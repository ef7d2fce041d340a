//! `lane_overlap`: may a known-tree lane run beside a known-tree lease?
//!
//! Two measurements decide it. First, a named glob that both trees carry
//! (same normalized prefix, not the universal one) is a hard collision at any
//! tolerance. Otherwise the share of requested entries whose prefix collides
//! with some lease entry is compared, as a float, with `ratio_max` (one third
//! by default): none shared admits as disjoint, a share up to the tolerance
//! admits softly, more refuses.
//!
//! `overlap_verdict` is on the generated route (`crate::route`): the types
//! below are declared once, and their docs are the schema's docs.

use super::tree::norm_tree_prefix;
use crate::envelope::{CallError, Ctx};
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The default tolerance: a third of the requested tree may be shared.
pub const OVERLAP_RATIO_MAX: f64 = 1.0 / 3.0;

/// What may happen to a known-tree lane beside a known-tree lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The trees share no prefix.
    AdmitDisjoint,
    /// Some entries are shared, no more than the tolerance allows.
    AdmitSoft,
    /// More of the requested tree is shared than the tolerance allows.
    RefuseOverlap,
    /// Both trees name the same glob: one write region, whatever the share.
    RefuseExactGlob,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::AdmitDisjoint => "admit_disjoint",
            Verdict::AdmitSoft => "admit_soft",
            Verdict::RefuseOverlap => "refuse_overlap",
            Verdict::RefuseExactGlob => "refuse_exact_glob",
        }
    }

    pub fn admissible(self) -> bool {
        matches!(self, Verdict::AdmitDisjoint | Verdict::AdmitSoft)
    }
}

/// The verdict, how many requested entries are shared, the requested
/// tree's length (0 allowed) and a one-line reason; `admissible` is whether
/// the verdict admits (ADMIT_DISJOINT or ADMIT_SOFT).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct OverlapDecision {
    pub verdict: Verdict,
    /// Requested entries whose prefix collides with some lease entry.
    pub shared: usize,
    /// The requested tree's length.
    pub requested: usize,
    /// One line for the operator.
    pub reason: String,
    /// The verdict admits (the reference's property, in its JSON shape).
    #[describe(derived)]
    pub admissible: bool,
}

impl OverlapDecision {
    /// A decision, `admissible` following from the verdict.
    pub fn new(verdict: Verdict, shared: usize, requested: usize, reason: String) -> Self {
        OverlapDecision { verdict, shared, requested, reason, admissible: verdict.admissible() }
    }

    pub fn admissible(&self) -> bool {
        self.verdict.admissible()
    }
}

/// `norm_tree_prefix`, borrowing when the entry is already in normal form
/// (ASCII, no upper case, no backslash, nothing to strip) and taking a
/// byte-level path for other ASCII entries.
pub fn norm_prefix_cow(p: &str) -> Cow<'_, str> {
    let b = p.as_bytes();
    let space = |c: &u8| matches!(*c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f);
    // One pass: where the first `*` is, and whether anything needs rewriting.
    let (mut star, mut odd) = (b.len(), 0u8);
    for (i, &c) in b.iter().enumerate() {
        if c == b'*' && star == b.len() {
            star = i;
        }
        odd |= (c >= 0x80) as u8 | ((c == b'\\') as u8) << 1 | (c.is_ascii_uppercase() as u8) << 1;
    }
    if odd & 1 != 0 {
        return Cow::Owned(norm_tree_prefix(p));
    }
    if odd == 0 && !b.first().is_some_and(space) && !b.last().is_some_and(space) {
        return Cow::Borrowed(&p[..star]);
    }
    // ASCII: backslashes to slashes, strip, lower-case, cut at the first `*`.
    let start = b.iter().position(|c| !space(c)).unwrap_or(b.len());
    let stop = b.iter().rposition(|c| !space(c)).map_or(start, |i| i + 1);
    let mut out = String::with_capacity(stop - start);
    for &c in &b[start..stop] {
        if c == b'*' {
            break;
        }
        out.push(match c {
            b'\\' => '/',
            c => c.to_ascii_lowercase() as char,
        });
    }
    Cow::Owned(out)
}

/// `prefixes_collide`: one prefix starts with the other.
#[inline]
pub fn collide(a: &str, b: &str) -> bool {
    let n = a.len().min(b.len());
    a.as_bytes()[..n].iter().zip(&b.as_bytes()[..n]).all(|(x, y)| x == y)
}

/// A tree with the normalized prefix of each non-blank entry (blank entries
/// carry no path and are skipped; `"**/*"` keeps its universal `""` prefix).
pub struct NormTree<'a, S: AsRef<str>> {
    pub orig: &'a [S],
    /// (index into `orig`, normalized prefix)
    pub norms: Vec<(usize, Cow<'a, str>)>,
}

impl<'a, S: AsRef<str>> NormTree<'a, S> {
    pub fn new(orig: &'a [S]) -> Self {
        let norms =
            orig.iter().enumerate().filter(|(_, p)| !p.as_ref().is_empty()).map(|(i, p)| (i, norm_prefix_cow(p.as_ref()))).collect();
        NormTree { orig, norms }
    }

    pub fn is_empty(&self) -> bool {
        self.orig.is_empty()
    }

    /// The normalized prefixes.
    pub fn prefixes(&self) -> impl Iterator<Item = &str> {
        self.norms.iter().map(|(_, n)| n.as_ref())
    }
}

/// What the two measurements found, before a tolerance is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverlapScore {
    /// Indices of requested entries whose named prefix the lease also names
    /// (first occurrence of each prefix, in request order).
    pub exact: Vec<usize>,
    /// Requested entries colliding with some lease entry.
    pub shared: usize,
    /// `len(requested_tree)`.
    pub requested: usize,
}

/// Measure `req` against `lease`.
pub fn score<A: AsRef<str>, B: AsRef<str>>(req: &NormTree<A>, lease: &NormTree<B>) -> OverlapScore {
    let mut out = OverlapScore { exact: Vec::new(), shared: 0, requested: req.orig.len() };
    if req.is_empty() || lease.is_empty() || lease.norms.is_empty() {
        return out;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, nr) in &req.norms {
        let nr: &str = nr;
        if lease.prefixes().any(|nl| collide(nr, nl)) {
            out.shared += 1;
        }
        if !nr.is_empty() && !seen.contains(&nr) && lease.prefixes().any(|nl| nl.len() == nr.len() && collide(nl, nr)) {
            seen.push(nr);
            out.exact.push(*i);
        }
    }
    out
}

/// `{x:.0%}`: the value times 100 (a float product), fixed with no decimals
/// (ties to even), then a percent sign.
pub fn percent0(x: f64) -> String {
    let y = x * 100.0;
    if y.is_nan() {
        "nan%".into()
    } else if y.is_infinite() {
        if y > 0.0 {
            "inf%".into()
        } else {
            "-inf%".into()
        }
    } else {
        format!("{y:.0}%")
    }
}

/// Up to three entries joined with ", ", and an ellipsis when there are more.
pub fn preview<S: AsRef<str>>(items: &[S]) -> String {
    let mut s = items.iter().take(3).map(AsRef::as_ref).collect::<Vec<_>>().join(", ");
    if items.len() > 3 {
        s.push('…');
    }
    s
}

/// The verdict a tolerance gives a score (what [`decide`] decides, without
/// the prose).
pub fn verdict_of(sc: &OverlapScore, ratio_max: f64) -> Verdict {
    if !sc.exact.is_empty() {
        Verdict::RefuseExactGlob
    } else if sc.shared == 0 {
        Verdict::AdmitDisjoint
    } else if sc.shared as f64 / sc.requested.max(1) as f64 > ratio_max {
        Verdict::RefuseOverlap
    } else {
        Verdict::AdmitSoft
    }
}

/// Apply a tolerance to a score.
pub fn decide<S: AsRef<str>>(sc: &OverlapScore, requested_tree: &[S], ratio_max: f64) -> OverlapDecision {
    let n = sc.requested;
    if !sc.exact.is_empty() {
        let hits: Vec<&str> = sc.exact.iter().map(|&i| requested_tree[i].as_ref()).collect();
        return OverlapDecision::new(
            Verdict::RefuseExactGlob,
            sc.shared,
            n,
            format!(
                "both lanes name the same glob ({}: {}), so they claim one write region: \
                 a hard collision whatever the share",
                hits.len(),
                preview(&hits)
            ),
        );
    }
    if sc.shared == 0 {
        return OverlapDecision::new(Verdict::AdmitDisjoint, 0, n, "the trees share no prefix: fully disjoint".into());
    }
    let ratio = sc.shared as f64 / n.max(1) as f64;
    if ratio > ratio_max {
        OverlapDecision::new(
            Verdict::RefuseOverlap,
            sc.shared,
            n,
            format!(
                "too much shared: {}/{} = {} of the requested tree overlaps the lease, over the {} limit",
                sc.shared,
                n,
                percent0(ratio),
                percent0(ratio_max)
            ),
        )
    } else {
        OverlapDecision::new(
            Verdict::AdmitSoft,
            sc.shared,
            n,
            format!(
                "soft overlap admitted: {}/{} = {} of the requested tree overlaps the lease (limit {})",
                sc.shared,
                n,
                percent0(ratio),
                percent0(ratio_max)
            ),
        )
    }
}

/// `overlap_verdict(requested_tree, lease_tree, ratio_max=...)`.
pub fn overlap_verdict<A: AsRef<str>, B: AsRef<str>>(requested_tree: &[A], lease_tree: &[B], ratio_max: f64) -> OverlapDecision {
    let req = NormTree::new(requested_tree);
    let lease = NormTree::new(lease_tree);
    decide(&score(&req, &lease), requested_tree, ratio_max)
}

fn default_ratio_max() -> f64 {
    OVERLAP_RATIO_MAX
}

/// Judge two known trees: a named glob both carry refuses
/// (REFUSE_EXACT_GLOB) whatever the share; otherwise the share of requested
/// entries whose prefix collides with a lease entry decides, compared as a
/// float with `ratio_max`: none shared is ADMIT_DISJOINT, up to `ratio_max`
/// ADMIT_SOFT, more REFUSE_OVERLAP. Empty trees are the caller's business.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct OverlapVerdictOp {
    pub requested_tree: Vec<String>,
    pub lease_tree: Vec<String>,
    /// The tolerance: the largest share of the requested tree that may overlap.
    #[serde(default = "default_ratio_max")]
    #[describe(kw_only)]
    pub ratio_max: f64,
}

impl Op for OverlapVerdictOp {
    const NAME: &'static str = "lane_overlap.overlap_verdict";
    type Verdict = OverlapDecision;

    fn run(self, _: &Ctx<'_>) -> Result<OverlapDecision, CallError> {
        Ok(overlap_verdict(&self.requested_tree, &self.lease_tree, self.ratio_max))
    }
}

/// The `lane_overlap` module: its op and the default tolerance.
pub(crate) const MODULE: Module = Module {
    name: "lane_overlap",
    doc: "May a known-tree lane run beside a known-tree lease? A named glob both trees carry is a hard collision; \
          otherwise the share of requested entries colliding with the lease, against a tolerance (one third by \
          default), admits or refuses.",
    routes: &[route::route::<OverlapVerdictOp>()],
    consts: &[Const {
        name: "OVERLAP_RATIO_MAX",
        doc: "The default tolerance: a third of the requested tree may be shared.",
        eval: |reg| route::konst(reg, OVERLAP_RATIO_MAX),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docstring_cases() {
        let v = overlap_verdict(&["playbooks/ats/workday.yaml"], &["agents/apply_*.py"], OVERLAP_RATIO_MAX);
        assert_eq!(v.verdict, Verdict::AdmitDisjoint);
        let v = overlap_verdict(&["agents/apply_*.py"], &["agents/apply_*.py"], OVERLAP_RATIO_MAX);
        assert_eq!(v.verdict, Verdict::RefuseExactGlob);
        assert_eq!(percent0(0.125), "12%");
        for p in ["a/B*c", " x\\Y ", "\x1cq\x1f", "plain/", "**", "", "  ", "Ab*", "é/X*", "\tA\\b*"] {
            assert_eq!(norm_prefix_cow(p), norm_tree_prefix(p), "{p:?}");
        }
        assert_eq!(percent0(1.0 / 3.0), "33%");
        let v = overlap_verdict(&["**/*"], &["**/*"], OVERLAP_RATIO_MAX);
        assert_eq!((v.verdict, v.shared, v.requested), (Verdict::RefuseOverlap, 1, 1));
    }
}
