//! `lock_modes`: shared and exclusive locks over tree regions.
//!
//! Two holders conflict when their regions intersect (any pair of normalized
//! prefixes collides; an empty tree proves no intersection, so the caller
//! must handle unknown blast radius) and their modes are incompatible: only
//! shared beside shared is compatible.

use super::tree::{norm_tree_prefix, prefixes_collide};
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Value;

/// `LockMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockMode {
    Shared,
    Exclusive,
}

impl LockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::Shared => "shared",
            LockMode::Exclusive => "exclusive",
        }
    }

    /// The mode named by its value (`"shared"`, `"exclusive"`).
    pub fn from_value(s: &str) -> Option<LockMode> {
        match s {
            "shared" => Some(LockMode::Shared),
            "exclusive" => Some(LockMode::Exclusive),
            _ => None,
        }
    }
}

/// The mode of a lane that declares none.
pub const DEFAULT_MODE: LockMode = LockMode::Exclusive;

/// `modes_compatible(a, b)`.
pub fn modes_compatible(a: LockMode, b: LockMode) -> bool {
    a == LockMode::Shared && b == LockMode::Shared
}

/// Any prefix of one tree collides with one of the other (blank entries
/// skipped; an empty tree intersects nothing).
pub fn trees_intersect<A: AsRef<str>, B: AsRef<str>>(req_tree: &[A], lease_tree: &[B]) -> bool {
    let r = prefixes(req_tree);
    let l = prefixes(lease_tree);
    r.iter().any(|a| l.iter().any(|b| prefixes_collide(a, b)))
}

fn prefixes<S: AsRef<str>>(tree: &[S]) -> Vec<String> {
    tree.iter().map(AsRef::as_ref).filter(|p| !p.is_empty()).map(norm_tree_prefix).collect()
}

/// `region_conflict(requested_tree, requested_mode, lease_tree, lease_mode)`.
pub fn region_conflict<A: AsRef<str>, B: AsRef<str>>(
    requested_tree: &[A],
    requested_mode: LockMode,
    lease_tree: &[B],
    lease_mode: LockMode,
) -> bool {
    trees_intersect(requested_tree, lease_tree) && !modes_compatible(requested_mode, lease_mode)
}

fn mode(a: &Args, key: &str) -> Result<LockMode, CallError> {
    let s = a.str(key)?;
    LockMode::from_value(s).ok_or_else(|| a.err(format_args!("{key}: {} is not a lock mode (shared, exclusive)", crate::pystr::repr(s))))
}

fn op_compatible(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Bool(modes_compatible(mode(a, "a")?, mode(a, "b")?)))
}

fn op_conflict(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let req = a.str_list("requested_tree")?;
    let lease = a.str_list("lease_tree")?;
    for key in ["requested_mode", "lease_mode"] {
        if !a.dict().contains_key(key) {
            return Err(a.err(format_args!("missing required argument {key:?}")));
        }
    }
    // The modes are looked up only when the regions intersect, as in the reference.
    if !trees_intersect(&req, &lease) {
        return Ok(Value::Bool(false));
    }
    Ok(Value::Bool(!modes_compatible(mode(a, "requested_mode")?, mode(a, "lease_mode")?)))
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "lock_modes.modes_compatible", args: &["a", "b"], run: op_compatible },
    OpSpec {
        name: "lock_modes.region_conflict",
        args: &["requested_tree", "requested_mode", "lease_tree", "lease_mode"],
        run: op_conflict,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use LockMode::*;

    #[test]
    fn docstring_cases() {
        assert!(!region_conflict(&["docs/**"], Shared, &["docs/**"], Shared));
        assert!(region_conflict(&["docs/**"], Exclusive, &["docs/**"], Shared));
        assert!(!region_conflict(&["src/a/**"], Exclusive, &["src/b/**"], Exclusive));
        assert!(region_conflict(&["src/api/x.py"], Exclusive, &["src/api/**"], Exclusive));
    }
}
