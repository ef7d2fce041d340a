//! `_tree`: the file-tree prefix algebra under every collision check.
//!
//! A lane owns a list of repo-relative globs. Two entries collide when one's
//! normalized prefix starts with the other's; a leading glob normalizes to the
//! empty prefix, which collides with everything; an empty tree is an unknown
//! blast radius and is never disjoint.

use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Value;
use crate::pystr;
use std::collections::HashMap;

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

fn op_norm(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::str(norm_tree_prefix(a.opt_str("p")?.unwrap_or(""))))
}

fn op_collide(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Bool(prefixes_collide(a.str("a")?, a.str("b")?)))
}

fn op_disjoint(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Bool(lane_trees_disjoint(&a.str_list("tree_a")?, &a.str_list("tree_b")?)))
}

fn op_disjoint_from_all(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let requested = a.str_list("requested_tree")?;
    let mut lanes = Vec::new();
    for (i, rec) in a.obj_list("live")?.iter().enumerate() {
        let lane = match rec.dict().get("lane") {
            None => String::new(),
            Some(v) => live_lane_name(v).map_err(|m| a.err(format_args!("live[{i}].lane: {m}")))?,
        };
        lanes.push(lane);
    }
    let mut trees: HashMap<&str, Vec<String>> = HashMap::new();
    if let Some(map) = a.opt_obj("sibling_trees")? {
        for (k, v) in map.dict().iter() {
            let (Some(k), Some(list)) = (k.as_str(), v.as_list()) else {
                return Err(a.err("sibling_trees must map lane names to lists of strings"));
            };
            let tree = list
                .iter()
                .map(|p| p.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| a.err(format_args!("sibling_trees[{k:?}] must be a list of strings")))?;
            trees.insert(k, tree);
        }
    }
    let lane_refs: Vec<&str> = lanes.iter().map(String::as_str).collect();
    let lookup = |lane: &str| trees.get(lane).cloned();
    Ok(Value::Bool(tree_disjoint_from_all_live(&requested, &lane_refs, &lookup)))
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "_tree.norm_tree_prefix", args: &["p"], run: op_norm },
    OpSpec { name: "_tree.prefixes_collide", args: &["a", "b"], run: op_collide },
    OpSpec { name: "_tree.lane_trees_disjoint", args: &["tree_a", "tree_b"], run: op_disjoint },
    OpSpec { name: "_tree.tree_disjoint_from_all_live", args: &["requested_tree", "live", "sibling_trees"], run: op_disjoint_from_all },
];

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
