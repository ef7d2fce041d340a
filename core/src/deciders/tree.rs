//! `_tree`: the file-tree prefix algebra under every collision check.
//!
//! A lane owns a list of repo-relative globs. Two entries collide when one's
//! normalized prefix starts with the other's; a leading glob normalizes to the
//! empty prefix, which collides with everything; an empty tree is an unknown
//! blast radius and is never disjoint.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Value};
use crate::pystr;
use crate::route::{self, Describe, Module, Op};
use serde::Deserialize;

/// A normalized tree prefix. An ASCII entry is a view into the entry itself
/// (stripped and cut at the first `*`; its bytes are lower-cased and its
/// backslashes turned into slashes as they are read), so it costs nothing to
/// build; any other entry is normalized into a new string.
enum Prefix<'a> {
    Ascii(&'a [u8]),
    Owned(String),
}

/// One byte of an ASCII entry as `norm_tree_prefix` would write it.
#[inline(always)]
fn fold_ascii(c: u8) -> u8 {
    if c == b'\\' {
        b'/'
    } else {
        c.to_ascii_lowercase()
    }
}

impl<'a> Prefix<'a> {
    #[inline]
    fn of(entry: &'a str) -> Prefix<'a> {
        if !entry.is_ascii() {
            return Prefix::Owned(norm_tree_prefix_general(entry));
        }
        let b = entry.as_bytes();
        let space = |c: &u8| pystr::is_space(char::from(*c));
        let start = b.iter().position(|c| !space(c)).unwrap_or(b.len());
        let end = b.iter().rposition(|c| !space(c)).map_or(start, |i| i + 1);
        let t = &b[start..end];
        Prefix::Ascii(match t.iter().position(|&c| c == b'*') {
            Some(star) => &t[..star],
            None => t,
        })
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            Prefix::Ascii(b) => b.len(),
            Prefix::Owned(s) => s.len(),
        }
    }

    /// Byte `i` of the normalized prefix.
    #[inline(always)]
    fn at(&self, i: usize) -> u8 {
        match self {
            Prefix::Ascii(b) => fold_ascii(b[i]),
            Prefix::Owned(s) => s.as_bytes()[i],
        }
    }

    /// `prefixes_collide` on two normalized prefixes: the shorter one is a
    /// prefix of the longer (byte-wise, as `str.startswith` compares).
    #[inline]
    fn collides(&self, other: &Prefix) -> bool {
        let n = self.len().min(other.len());
        match (self, other) {
            (Prefix::Ascii(x), Prefix::Ascii(y)) => x[..n].iter().zip(&y[..n]).all(|(a, b)| fold_ascii(*a) == fold_ascii(*b)),
            _ => (0..n).all(|i| self.at(i) == other.at(i)),
        }
    }
}

/// `norm_tree_prefix` for any entry: backslashes to slashes, Python-strip,
/// casefold, then cut at the first `*`.
fn norm_tree_prefix_general(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    if p.contains('\\') {
        pystr::casefold_into(pystr::strip(&p.replace('\\', "/")), &mut out);
    } else {
        pystr::casefold_into(pystr::strip(p), &mut out);
    }
    if let Some(star) = out.find('*') {
        out.truncate(star);
    }
    out
}

/// `norm_tree_prefix`: backslashes to slashes, Python-strip, casefold, then cut
/// at the first `*`. An ASCII entry is written in one pass, one allocation.
pub fn norm_tree_prefix(p: &str) -> String {
    match Prefix::of(p) {
        // Folded ASCII is ASCII, so the UTF-8 check cannot fail.
        Prefix::Ascii(b) => String::from_utf8(b.iter().map(|&c| fold_ascii(c)).collect()).unwrap_or_default(),
        Prefix::Owned(s) => s,
    }
}

/// `prefixes_collide`: one prefix starts with the other.
#[inline]
pub fn prefixes_collide(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// `lane_trees_disjoint`: no normalized entry of one tree collides with one of
/// the other; an empty tree on either side is never disjoint. Empty entries
/// are skipped before normalizing, so a tree of empty strings counts as empty.
///
/// ASCII entries are compared in place; the only allocation is the list of
/// `tree_b`'s prefixes.
pub fn lane_trees_disjoint<A: AsRef<str>, B: AsRef<str>>(tree_a: &[A], tree_b: &[B]) -> bool {
    let na: Vec<Prefix> = prefixes(tree_a);
    disjoint_from(&na, tree_b)
}

/// The normalized prefixes of a tree's non-empty entries.
fn prefixes<S: AsRef<str>>(tree: &[S]) -> Vec<Prefix<'_>> {
    tree.iter().map(AsRef::as_ref).filter(|p| !p.is_empty()).map(Prefix::of).collect()
}

/// `lane_trees_disjoint` with the first tree already normalized: false when
/// either tree has no entry, else no prefix of one collides with the other's.
fn disjoint_from<B: AsRef<str>>(na: &[Prefix<'_>], tree_b: &[B]) -> bool {
    if na.is_empty() {
        return false;
    }
    let nb: Vec<Prefix> = prefixes(tree_b);
    !nb.is_empty() && na.iter().all(|pa| nb.iter().all(|pb| !pa.collides(pb)))
}

/// `tree_disjoint_from_all_live`, with the sibling lookup given as data: a lane
/// missing from `sibling_trees` resolves to no tree (not provably disjoint).
/// The requested tree is normalized once for all the live lanes.
pub fn tree_disjoint_from_all_live<S: AsRef<str>>(
    requested_tree: &[S],
    live_lanes: &[&str],
    sibling_trees: &dyn Fn(&str) -> Option<Vec<String>>,
) -> bool {
    tree_disjoint_from_all_live_with(requested_tree, live_lanes, &|lane| SiblingTree::Entries(sibling_trees(lane).unwrap_or_default()))
}

/// What a sibling lookup found for one live lane.
pub enum SiblingTree {
    /// The lane's tree (empty: none found, not provably disjoint).
    Entries(Vec<String>),
    /// The host compared this lane's tree with the requested one itself
    /// (entries it cannot hand over as text): whether they are disjoint.
    Decided(bool),
}

/// `tree_disjoint_from_all_live` over a lookup that may decide a lane itself.
pub fn tree_disjoint_from_all_live_with<S: AsRef<str>>(
    requested_tree: &[S],
    live_lanes: &[&str],
    sibling: &dyn Fn(&str) -> SiblingTree,
) -> bool {
    if live_lanes.is_empty() {
        return true;
    }
    let na: Vec<Prefix> = prefixes(requested_tree);
    for lane in live_lanes {
        if lane.is_empty() {
            return false;
        }
        match sibling(lane) {
            SiblingTree::Entries(tree) => {
                if tree.is_empty() || !disjoint_from(&na, &tree) {
                    return false;
                }
            }
            SiblingTree::Decided(disjoint) => {
                if !disjoint {
                    return false;
                }
            }
        }
    }
    true
}

/// The `lane` of a live-lease record as the reference reads it: `str(x or "")`.
pub fn live_lane_name(v: &Value) -> Result<String, &'static str> {
    match v {
        Value::Null | Value::Bool(false) => Ok(String::new()),
        Value::Bool(true) => Ok("True".into()),
        Value::Str(s) => s.as_str().map(str::to_owned).ok_or("a lane name holds a lone surrogate"),
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) if *f == 0.0 => Ok(String::new()),
        Value::Float(f) => Ok(crate::pyjson::float_repr(*f)),
        Value::List(l) if l.is_empty() => Ok(String::new()),
        Value::Dict(d) if d.is_empty() => Ok(String::new()),
        _ => Err("a lane name must be a string"),
    }
}

/// `norm_tree_prefix`: the comparable prefix of one tree entry: backslashes
/// to slashes, stripped, case-folded, cut at the first `*` (a leading glob
/// gives `""`, which collides with everything; None reads as `""`).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct NormTreePrefix {
    /// The entry.
    #[serde(default)]
    pub p: Option<String>,
}

impl Op for NormTreePrefix {
    const NAME: &'static str = "_tree.norm_tree_prefix";
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        Ok(norm_tree_prefix(self.p.as_deref().unwrap_or("")))
    }
}

/// `prefixes_collide`: one normalized prefix starts with the other.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PrefixesCollide {
    /// One normalized prefix.
    pub a: String,
    /// The other.
    pub b: String,
}

impl Op for PrefixesCollide {
    const NAME: &'static str = "_tree.prefixes_collide";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(prefixes_collide(&self.a, &self.b))
    }
}

/// `lane_trees_disjoint`: no entry of one tree collides with an entry of
/// the other; an empty tree (or one of empty entries) is an unknown blast
/// radius and is never disjoint.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LaneTreesDisjoint {
    /// One lane's tree.
    pub tree_a: Vec<String>,
    /// The other lane's tree.
    pub tree_b: Vec<String>,
}

impl Op for LaneTreesDisjoint {
    const NAME: &'static str = "_tree.lane_trees_disjoint";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(lane_trees_disjoint(&self.tree_a, &self.tree_b))
    }
}

/// `tree_disjoint_from_all_live`, with the sibling lookup given as data:
/// true when `requested_tree` is disjoint from the tree of every live
/// lease's lane; a lease without a lane, a lane `sibling_trees` does not
/// list (no tree found) or an overlap makes it false; no live lease is true.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TreeDisjointFromAllLive {
    /// The tree asked for.
    pub requested_tree: Vec<String>,
    /// The live lease records (only their `lane` is read).
    pub live: Vec<Dict>,
    /// Each sibling lane's tree, by lane name (the reference's
    /// `sibling_tree_lookup` answered ahead).
    #[serde(default)]
    pub sibling_trees: Option<route::Map<Vec<String>>>,
}

impl Op for TreeDisjointFromAllLive {
    const NAME: &'static str = "_tree.tree_disjoint_from_all_live";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        let mut lanes = Vec::with_capacity(self.live.len());
        for (i, rec) in self.live.iter().enumerate() {
            let lane = match rec.get("lane") {
                None => String::new(),
                Some(v) => live_lane_name(v).map_err(|m| CallError::bad_args(format!("{}: args.live[{i}].lane: {m}", Self::NAME)))?,
            };
            lanes.push(lane);
        }
        let trees = self.sibling_trees.unwrap_or_default();
        let lane_refs: Vec<&str> = lanes.iter().map(String::as_str).collect();
        let lookup = |lane: &str| trees.get(lane).cloned();
        Ok(tree_disjoint_from_all_live(&self.requested_tree, &lane_refs, &lookup))
    }
}

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "The file-tree prefix algebra under every collision check. A lane owns a list of repo-relative globs; an entry normalizes to the case-folded text before its first `*` (a leading glob gives `\"\"`, which collides with everything); two entries collide when one normalized prefix starts with the other; an empty tree is an unknown blast radius and is never disjoint. `tree_disjoint_from_all_live` with the reference's `sibling_tree_lookup` callable is the hand-written companion's (`dos_native/_tree_live.py`).";

pub(crate) const MODULE: Module = Module {
    name: "_tree",
    doc: DOC,
    routes: &[
        route::route::<NormTreePrefix>(),
        route::route::<PrefixesCollide>(),
        route::route::<LaneTreesDisjoint>(),
        route::route::<TreeDisjointFromAllLive>(),
    ],
    consts: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_glob_is_universal() {
        assert_eq!(norm_tree_prefix("**/*"), "");
        assert_eq!(norm_tree_prefix(" Agents\\Apply_*.py "), "agents/apply_");
        assert!(prefixes_collide("", "src/"));
        assert!(!lane_trees_disjoint(&["**/*"], &["docs/"]));
        assert!(lane_trees_disjoint(&["docs/ui-*"], &["docs/svc-*"]));
        assert!(!lane_trees_disjoint::<&str, &str>(&[], &["a"]));
        assert!(!lane_trees_disjoint(&[""], &["a"]));
        assert!(!lane_trees_disjoint(&["a"], &["", ""]));
        assert!(!lane_trees_disjoint(&["SRC\\Dos"], &["src/dos/arbiter.py"]));
        assert!(!lane_trees_disjoint(&["  \t"], &["src/"]));
        assert!(!lane_trees_disjoint(&["Stra\u{df}e/"], &["STRASSE/x"]));
    }

    #[test]
    fn a_lane_the_host_decided_counts_as_decided() {
        let req = ["src/"];
        let lookup = |lane: &str| match lane {
            "docs" => SiblingTree::Entries(vec!["docs/".into()]),
            "yes" => SiblingTree::Decided(true),
            "no" => SiblingTree::Decided(false),
            _ => SiblingTree::Entries(Vec::new()),
        };
        assert!(tree_disjoint_from_all_live_with(&req, &["docs", "yes"], &lookup));
        assert!(!tree_disjoint_from_all_live_with(&req, &["docs", "no"], &lookup));
        assert!(!tree_disjoint_from_all_live_with(&req, &["yes", "unknown"], &lookup));
        assert!(!tree_disjoint_from_all_live_with(&req, &["yes", ""], &lookup));
        assert!(tree_disjoint_from_all_live_with(&req, &[], &lookup));
    }

    /// `norm_tree_prefix` spelled step by step, as the reference does it.
    fn norm_plain(p: &str) -> String {
        let folded = pystr::casefold(pystr::strip(&p.replace('\\', "/")));
        match folded.find('*') {
            Some(star) => folded[..star].to_owned(),
            None => folded,
        }
    }

    fn disjoint_plain(a: &[String], b: &[String]) -> bool {
        if a.is_empty() || b.is_empty() {
            return false;
        }
        let na: Vec<String> = a.iter().filter(|p| !p.is_empty()).map(|p| norm_plain(p)).collect();
        let nb: Vec<String> = b.iter().filter(|p| !p.is_empty()).map(|p| norm_plain(p)).collect();
        if na.is_empty() || nb.is_empty() {
            return false;
        }
        na.iter().all(|x| nb.iter().all(|y| !prefixes_collide(x, y)))
    }

    fn entry() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("src/".to_string()),
            Just("Src\\".to_string()),
            Just("dos/".to_string()),
            Just("DOS".to_string()),
            Just("*".to_string()),
            Just("**/".to_string()),
            Just(" ".to_string()),
            Just("\t".to_string()),
            Just("\u{1c}".to_string()),
            Just("\u{85}".to_string()),
            Just("\u{3000}".to_string()),
            Just("\u{df}".to_string()),
            Just("SS".to_string()),
            Just("\u{130}".to_string()),
            Just("\u{212a}".to_string()),
            Just("\u{3a3}".to_string()),
            Just("a".to_string()),
            Just("A".to_string()),
            "[a-zA-Z/\\\\* ]{0,4}",
            any::<char>().prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..5).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]
        #[test]
        fn fast_prefixes_equal_plain_prefixes(
            a in proptest::collection::vec(entry(), 0..4),
            b in proptest::collection::vec(entry(), 0..4),
        ) {
            for p in a.iter().chain(&b) {
                proptest::prop_assert_eq!(norm_tree_prefix(p), norm_plain(p));
            }
            proptest::prop_assert_eq!(lane_trees_disjoint(&a, &b), disjoint_plain(&a, &b));
        }
    }
}
