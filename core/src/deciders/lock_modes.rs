//! `lock_modes`: shared and exclusive locks over tree regions.
//!
//! Two holders conflict when their regions intersect (any pair of normalized
//! prefixes collides; an empty tree proves no intersection, so the caller
//! must handle unknown blast radius) and their modes are incompatible: only
//! shared beside shared is compatible.
//!
//! Both ops are on the generated route (`crate::route`). `region_conflict`
//! takes its modes as plain values and reads them only when the regions
//! intersect, as the reference does: disjoint regions answer False whatever
//! the modes hold.

use super::tree::{norm_tree_prefix, prefixes_collide};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::Value;
use crate::route::{self, Const, Describe, Module, Op, Registry, Type};
use serde::{Deserialize, Serialize};

/// The mode a lane holds over its region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "lowercase")]
pub enum LockMode {
    /// A read lock: any number of shared holders may share a region.
    Shared,
    /// A write lock: compatible with no other holder of an intersecting region.
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

/// Whether two modes may hold intersecting regions at once: only two
/// shared locks may.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ModesCompatible {
    pub a: LockMode,
    pub b: LockMode,
}

impl Op for ModesCompatible {
    const NAME: &'static str = "lock_modes.modes_compatible";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(modes_compatible(self.a, self.b))
    }
}

/// A lock mode as the caller passed it, read only when it is needed: the
/// schema calls it a `str` (a `LockMode` member is one), and any value
/// crosses; [`ModeArg::mode`] refuses one that names no mode.
#[derive(Clone, Debug, Deserialize)]
#[serde(transparent)]
pub struct ModeArg(pub Value);

impl Describe for ModeArg {
    fn describe(_: &mut Registry) -> Type {
        Type::Str
    }
}

impl ModeArg {
    fn mode(&self, op: &str, field: &str) -> Result<LockMode, CallError> {
        match &self.0 {
            Value::Str(s) => s.as_str().and_then(LockMode::from_value).ok_or_else(|| {
                CallError::bad_args(format!("{op}: args.{field}: {} is not a lock mode (shared, exclusive)", crate::pyjson::repr_str(s)))
            }),
            other => Err(CallError::bad_args(format!("{op}: args.{field}: a lock mode is a str, not {}", other.type_name()))),
        }
    }
}

/// Whether a lane may NOT run beside a lease: their regions intersect
/// (empty trees intersect nothing; the caller refuses an unknown blast
/// radius itself) and their modes are incompatible. The modes are read
/// only when the regions intersect: disjoint regions answer False whatever
/// the modes hold, and an intersecting pair with a mode that names none is
/// refused (BAD_ARGS).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RegionConflict {
    pub requested_tree: Vec<String>,
    /// The requested lane's mode (`"shared"` or `"exclusive"`).
    pub requested_mode: ModeArg,
    pub lease_tree: Vec<String>,
    /// The lease's mode (`"shared"` or `"exclusive"`).
    pub lease_mode: ModeArg,
}

impl Op for RegionConflict {
    const NAME: &'static str = "lock_modes.region_conflict";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        if !trees_intersect(&self.requested_tree, &self.lease_tree) {
            return Ok(false);
        }
        let requested = self.requested_mode.mode(Self::NAME, "requested_mode")?;
        let lease = self.lease_mode.mode(Self::NAME, "lease_mode")?;
        Ok(!modes_compatible(requested, lease))
    }
}

/// The `lock_modes` module: its ops and the default mode.
pub(crate) const MODULE: Module = Module {
    name: "lock_modes",
    doc: "Shared and exclusive locks over tree regions: two holders conflict when their regions intersect and \
          their modes are incompatible (only shared beside shared is compatible).",
    routes: &[route::route::<ModesCompatible>(), route::route::<RegionConflict>()],
    consts: &[Const { name: "DEFAULT_MODE", doc: "The mode of a lane that declares none.", eval: |reg| route::konst(reg, DEFAULT_MODE) }],
};

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

    fn call(args: &str) -> Result<crate::pyjson::Value, CallError> {
        let v = crate::pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure("lock_modes.region_conflict", None, v.as_dict().unwrap())
    }

    #[test]
    fn a_mode_is_read_only_when_the_regions_intersect() {
        // dos-kernel 0.22.0: region_conflict(["a/"], 5, ["b/"], None) is False
        // (the modes are never looked up); with intersecting regions the
        // lookup raises (KeyError), which the envelope refuses.
        let disjoint = call(r#"{"requested_tree":["a/"],"requested_mode":5,"lease_tree":["b/"],"lease_mode":null}"#);
        assert_eq!(disjoint.unwrap(), crate::pyjson::Value::Bool(false));
        let e = call(r#"{"requested_tree":["a/"],"requested_mode":5,"lease_tree":["a/x"],"lease_mode":"shared"}"#).unwrap_err();
        assert!(e.message.contains("args.requested_mode"), "{}", e.message);
        let e = call(r#"{"requested_tree":["a/"],"requested_mode":"shared","lease_tree":["a/x"],"lease_mode":"SHARED"}"#).unwrap_err();
        assert!(e.message.contains("args.lease_mode"), "{}", e.message);
        let e = call(r#"{"requested_tree":["a/"],"requested_mode":"shared","lease_tree":["b/"]}"#).unwrap_err();
        assert!(e.message.contains("lease_mode"), "a missing mode is refused even beside disjoint regions: {}", e.message);
    }
}
