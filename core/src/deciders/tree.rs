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

/// `norm_tree_prefix`: backslashes to slashes, Python-strip, casefold, then cut
/// at the first `*`.
pub fn norm_tree_prefix(p: &str) -> String {
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

/// `prefixes_collide`: one prefix starts with the other.
#[inline]
pub fn prefixes_collide(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

fn normalized<S: AsRef<str>>(tree: &[S]) -> Vec<String> {
    tree.iter()
        .map(AsRef::as_ref)
        .filter(|p| !p.is_empty())
        .map(norm_tree_prefix)
        .collect()
}

/// `lane_trees_disjoint`: no normalized entry of one tree collides with one of
/// the other; an empty tree on either side is never disjoint.
pub fn lane_trees_disjoint<A: AsRef<str>, B: AsRef<str>>(tree_a: &[A], tree_b: &[B]) -> bool {
    if tree_a.is_empty() || tree_b.is_empty() {
        return false;
    }
    let na = normalized(tree_a);
    let nb = normalized(tree_b);
    if na.is_empty() || nb.is_empty() {
        return false;
    }
    na.iter().all(|a| nb.iter().all(|b| !prefixes_collide(a, b)))
}

/// `tree_disjoint_from_all_live`, with the sibling lookup given as data: a lane
/// missing from `sibling_trees` resolves to no tree (not provably disjoint).
pub fn tree_disjoint_from_all_live<S: AsRef<str>>(
    requested_tree: &[S],
    live_lanes: &[&str],
    sibling_trees: &dyn Fn(&str) -> Option<Vec<String>>,
) -> bool {
    for lane in live_lanes {
        if lane.is_empty() {
            return false;
        }
        let tree = sibling_trees(lane).unwrap_or_default();
        if tree.is_empty() || !lane_trees_disjoint(requested_tree, &tree) {
            return false;
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
    OpSpec {
        name: "_tree.tree_disjoint_from_all_live",
        args: &["requested_tree", "live", "sibling_trees"],
        run: op_disjoint_from_all,
    },
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
    }
}
