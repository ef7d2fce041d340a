//! `lane_overlap`: may a known-tree lane run beside a known-tree lease?
//!
//! Two measurements decide it. First, a named glob that both trees carry
//! (same normalized prefix, not the universal one) is a hard collision at any
//! tolerance. Otherwise the share of requested entries whose prefix collides
//! with some lease entry is compared, as a float, with `ratio_max` (one third
//! by default): none shared admits as disjoint, a share up to the tolerance
//! admits softly, more refuses.

use super::tree::norm_tree_prefix;
use crate::dict;
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Value;
use std::borrow::Cow;

/// The default tolerance: a third of the requested tree may be shared.
pub const OVERLAP_RATIO_MAX: f64 = 1.0 / 3.0;

/// The verdict vocabulary (the reference's `Verdict` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    AdmitDisjoint,
    AdmitSoft,
    RefuseOverlap,
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

/// `OverlapDecision`: the verdict, how many requested entries are shared, the
/// requested tree's length (0 allowed) and a one-line reason.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlapDecision {
    pub verdict: Verdict,
    pub shared: usize,
    pub requested: usize,
    pub reason: String,
}

impl OverlapDecision {
    pub fn admissible(&self) -> bool {
        self.verdict.admissible()
    }

    /// The dataclass fields in declaration order, then the `admissible` property.
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "verdict" => self.verdict.as_str(),
            "shared" => self.shared as i64,
            "requested" => self.requested as i64,
            "reason" => self.reason.clone(),
            "admissible" => self.admissible(),
        })
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
        return OverlapDecision {
            verdict: Verdict::RefuseExactGlob,
            shared: sc.shared,
            requested: n,
            reason: format!(
                "both lanes name the same glob ({}: {}), so they claim one write region: \
                 a hard collision whatever the share",
                hits.len(),
                preview(&hits)
            ),
        };
    }
    if sc.shared == 0 {
        return OverlapDecision {
            verdict: Verdict::AdmitDisjoint,
            shared: 0,
            requested: n,
            reason: "the trees share no prefix: fully disjoint".into(),
        };
    }
    let ratio = sc.shared as f64 / n.max(1) as f64;
    if ratio > ratio_max {
        OverlapDecision {
            verdict: Verdict::RefuseOverlap,
            shared: sc.shared,
            requested: n,
            reason: format!(
                "too much shared: {}/{} = {} of the requested tree overlaps the lease, over the {} limit",
                sc.shared,
                n,
                percent0(ratio),
                percent0(ratio_max)
            ),
        }
    } else {
        OverlapDecision {
            verdict: Verdict::AdmitSoft,
            shared: sc.shared,
            requested: n,
            reason: format!(
                "soft overlap admitted: {}/{} = {} of the requested tree overlaps the lease (limit {})",
                sc.shared,
                n,
                percent0(ratio),
                percent0(ratio_max)
            ),
        }
    }
}

/// `overlap_verdict(requested_tree, lease_tree, ratio_max=...)`.
pub fn overlap_verdict<A: AsRef<str>, B: AsRef<str>>(requested_tree: &[A], lease_tree: &[B], ratio_max: f64) -> OverlapDecision {
    let req = NormTree::new(requested_tree);
    let lease = NormTree::new(lease_tree);
    decide(&score(&req, &lease), requested_tree, ratio_max)
}

fn op_overlap_verdict(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let req = a.str_list("requested_tree")?;
    let lease = a.str_list("lease_tree")?;
    let ratio_max = a.opt_f64("ratio_max")?.unwrap_or(OVERLAP_RATIO_MAX);
    Ok(overlap_verdict(&req, &lease, ratio_max).to_value())
}

pub(crate) const OPS: &[OpSpec] =
    &[OpSpec { name: "lane_overlap.overlap_verdict", args: &["requested_tree", "lease_tree", "ratio_max"], run: op_overlap_verdict }];

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
