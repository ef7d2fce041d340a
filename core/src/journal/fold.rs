//! From journal records to the live-lease set, with the reference's rules.
//!
//! A lease is identified by `(str(loop_ts or ""), str(lane or ""))`; a record
//! whose identity is empty on both sides is ignored. ACQUIRE and RECONCILE
//! put a lease (replacing any body at that identity, keeping its position),
//! RELEASE and SCAVENGE remove it, HEARTBEAT and ADOPT touch a live one, and
//! CHECKPOINT resets the set to its snapshot. Leases come out in the order
//! their identity was first made live. Order is the file's order; `seq` never
//! reorders anything.

use super::{OP_ACQUIRE, OP_ADOPT, OP_CHECKPOINT, OP_CORRUPT, OP_HEARTBEAT, OP_RECONCILE, OP_RELEASE, OP_SCAVENGE};
use crate::pyjson::{py_str, Dict, Int, Str, Value};
use crate::pystr::int_from_str;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

/// A lease's identity: `(loop_ts, lane)` as Python's `str()` renders them.
/// Borrowed from the record when both are non-empty strings (the usual case).
pub type Identity<'a> = (Cow<'a, Str>, Cow<'a, Str>);

static EMPTY: Str = Str::Utf8(String::new());

fn text_of(v: Option<&Value>) -> Cow<'_, Str> {
    match v {
        Some(Value::Str(s)) => Cow::Borrowed(s),
        Some(v) if v.truthy() => Cow::Owned(py_str(v)),
        _ => Cow::Borrowed(&EMPTY),
    }
}

fn is_empty(s: &Str) -> bool {
    match s {
        Str::Utf8(t) => t.is_empty(),
        Str::Utf16(u) => u.is_empty(),
    }
}

/// The identity of a record or lease, `None` when both parts are empty.
pub fn identity(rec: &Dict) -> Option<Identity<'_>> {
    let key = (text_of(rec.get("loop_ts")), text_of(rec.get("lane")));
    if is_empty(&key.0) && is_empty(&key.1) {
        None
    } else {
        Some(key)
    }
}

fn owned_identity(rec: &Dict) -> Option<Identity<'static>> {
    identity(rec).map(|(a, b)| (Cow::Owned(a.into_owned()), Cow::Owned(b.into_owned())))
}

/// `str(e.get("op") or "")`, compared without allocating for plain strings.
fn op_is(rec: &Dict, op: &str) -> bool {
    match rec.get("op") {
        Some(Value::Str(Str::Utf8(s))) => s == op,
        Some(v) if v.truthy() => py_str(v).as_str() == Some(op),
        _ => op.is_empty(),
    }
}

fn op_text(rec: &Dict) -> Option<&str> {
    match rec.get("op") {
        Some(Value::Str(Str::Utf8(s))) => Some(s.as_str()),
        _ => None,
    }
}

/// `int(x or 0)` as the reference computes a record's `seq`; a value `int()`
/// refuses counts as 0. (`int()` of an infinite float raises in Python; here
/// it counts as 0 as well.)
pub fn seq_of(v: Option<&Value>) -> Int {
    let zero = Int::Small(0);
    let Some(v) = v else { return zero };
    if !v.truthy() {
        return zero;
    }
    match v {
        Value::Bool(true) => Int::Small(1),
        Value::Int(i) => i.clone(),
        Value::Float(f) if f.is_finite() => {
            let t = f.trunc();
            if t.abs() < 9.0e18 {
                Int::Small(t as i64)
            } else {
                Int::Big(format!("{t:.0}").into_boxed_str())
            }
        }
        Value::Str(Str::Utf8(s)) => int_from_str(s).unwrap_or(zero),
        _ => zero,
    }
}

/// Python's ordering of two ints.
pub fn int_cmp(a: &Int, b: &Int) -> Ordering {
    match (a, b) {
        (Int::Small(x), Int::Small(y)) => x.cmp(y),
        _ => {
            let (sa, sb) = (a.to_string(), b.to_string());
            let (na, nb) = (sa.starts_with('-'), sb.starts_with('-'));
            match (na, nb) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (neg, _) => {
                    let mag = sa.trim_start_matches('-').len().cmp(&sb.trim_start_matches('-').len()).then_with(|| sa.cmp(&sb));
                    if neg {
                        mag.reverse()
                    } else {
                        mag
                    }
                }
            }
        }
    }
}

/// `n + 1` for a non-negative Python int.
pub fn int_succ(n: &Int) -> Int {
    match n {
        Int::Small(v) if *v < i64::MAX => Int::Small(v + 1),
        other => {
            let mut digits: Vec<u8> = other.to_string().into_bytes();
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
            Int::Big(String::from_utf8(digits).unwrap_or_default().into_boxed_str())
        }
    }
}

fn max_int(a: Int, b: Int) -> Int {
    if int_cmp(&b, &a) == Ordering::Greater {
        b
    } else {
        a
    }
}

/// The lease fields an inline (non-nested) ACQUIRE carries.
const INLINE_LEASE_KEYS: [&str; 11] =
    ["lane", "lane_kind", "tree", "loop_ts", "host_id", "pid", "acquired_at", "heartbeat_at", "ttl_minutes", "holder", "run_id"];

/// What a record does to the live set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Checkpoint,
    Put,
    Drop,
    Beat,
    Adopt,
}

fn kind_of(e: &Dict) -> Option<Kind> {
    let op = match op_text(e) {
        Some(op) => op,
        // A non-string op names a state op only through its str().
        None => return op_is(e, OP_CHECKPOINT).then_some(Kind::Checkpoint),
    };
    Some(match op {
        OP_CHECKPOINT => Kind::Checkpoint,
        OP_ACQUIRE | OP_RECONCILE => Kind::Put,
        OP_RELEASE | OP_SCAVENGE => Kind::Drop,
        OP_HEARTBEAT => Kind::Beat,
        OP_ADOPT => Kind::Adopt,
        _ => return None,
    })
}

/// The lease an ACQUIRE without a nested body describes.
fn inline_lease(e: &Dict) -> Dict {
    let mut l = Dict::new();
    for k in INLINE_LEASE_KEYS {
        if let Some(v) = e.get(k) {
            l.push(k, v.clone());
        }
    }
    l
}

/// The fold state: the live set in first-acquired order, plus the highest
/// `seq`/`seq_watermark` seen (for `next_seq`). Records can be applied one
/// at a time, so a saved fold can take just a file's new tail. A fold over
/// borrowed records (`apply`) borrows their lease bodies and copies one
/// only when a later record changes it; `apply_owned` keeps what it is given.
#[derive(Debug, Clone, Default)]
pub struct Fold<'a> {
    /// Identity → index into `slots`.
    live: HashMap<Identity<'a>, usize>,
    /// Leases in first-acquired order; a removed one leaves a hole until
    /// holes outnumber leases.
    slots: Vec<Option<(Identity<'a>, Cow<'a, Dict>)>>,
    holes: usize,
    max_seq: Option<Int>,
}

impl<'a> Fold<'a> {
    pub fn new() -> Self {
        Fold::default()
    }

    fn put(&mut self, key: Identity<'a>, lease: Cow<'a, Dict>) {
        match self.live.get(&key) {
            Some(&i) => {
                if let Some(slot) = self.slots[i].as_mut() {
                    slot.1 = lease;
                }
            }
            None => {
                self.live.insert(key.clone(), self.slots.len());
                self.slots.push(Some((key, lease)));
            }
        }
    }

    fn forget(&mut self, key: &Identity<'a>) {
        let Some(i) = self.live.remove(key) else { return };
        self.slots[i] = None;
        self.holes += 1;
        if self.holes > 64 && self.holes > self.live.len() {
            self.slots.retain(Option::is_some);
            self.holes = 0;
            for (i, slot) in self.slots.iter().enumerate() {
                if let Some((k, _)) = slot {
                    if let Some(ix) = self.live.get_mut(k) {
                        *ix = i;
                    }
                }
            }
        }
    }

    fn lease_mut(&mut self, key: &Identity<'a>) -> Option<&mut Dict> {
        let i = *self.live.get(key)?;
        self.slots[i].as_mut().map(|(_, l)| l.to_mut())
    }

    fn clear(&mut self) {
        self.live.clear();
        self.slots.clear();
        self.holes = 0;
    }

    fn note_seq(&mut self, e: &Dict) {
        let seq = seq_of(e.get("seq"));
        let mark = seq_of(e.get("seq_watermark"));
        let top = max_int(max_int(self.max_seq.take().unwrap_or(Int::Small(0)), seq), mark);
        self.max_seq = Some(top);
    }

    /// RELEASE/SCAVENGE, HEARTBEAT and ADOPT: they only remove or touch a
    /// live lease.
    fn touch(&mut self, kind: Kind, key: &Identity<'a>, e: &Dict) {
        if kind == Kind::Drop {
            self.forget(key);
            return;
        }
        let Some(lease) = self.lease_mut(key) else { return };
        if kind == Kind::Adopt {
            for field in ["holder", "pid", "host_id"] {
                match e.get(field) {
                    None | Some(Value::Null) => {}
                    Some(v) => lease.insert(field, v.clone()),
                }
            }
        }
        let beat = match e.get("heartbeat_at") {
            Some(v) if v.truthy() => Some(v),
            _ => e.get("ts"),
        };
        if let Some(b) = beat.filter(|b| b.truthy()) {
            lease.insert("heartbeat_at", b.clone());
        }
    }

    /// Fold one record in (its lease body is borrowed, not copied).
    pub fn apply(&mut self, e: &'a Dict) {
        self.note_seq(e);
        match kind_of(e) {
            None => {}
            Some(Kind::Checkpoint) => {
                self.clear();
                if let Some(Value::List(leases)) = e.get("leases") {
                    for lease in leases {
                        if let Value::Dict(l) = lease {
                            if let Some(key) = identity(l) {
                                self.put(key, Cow::Borrowed(l));
                            }
                        }
                    }
                }
            }
            Some(kind) => {
                let Some(key) = identity(e) else { return };
                if kind == Kind::Put {
                    let lease = match e.get("lease") {
                        Some(Value::Dict(l)) => Cow::Borrowed(l),
                        _ => Cow::Owned(inline_lease(e)),
                    };
                    self.put(key, lease);
                } else {
                    self.touch(kind, &key, e);
                }
            }
        }
    }

    /// The live leases with their identities, in first-acquired order.
    pub fn entries(&self) -> impl Iterator<Item = (&Identity<'a>, &Dict)> {
        self.slots.iter().flatten().map(|(k, l)| (k, l.as_ref()))
    }

    /// The live leases in first-acquired order.
    pub fn leases(&self) -> Vec<&Dict> {
        self.slots.iter().flatten().map(|(_, l)| l.as_ref()).collect()
    }

    /// The live leases in first-acquired order, moved out (a borrowed one
    /// is copied).
    pub fn into_leases(self) -> Vec<Dict> {
        self.slots.into_iter().flatten().map(|(_, l)| l.into_owned()).collect()
    }

    /// How many leases are live.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// The highest `seq` or `seq_watermark` folded so far (0 when none).
    pub fn max_seq(&self) -> Int {
        self.max_seq.clone().unwrap_or(Int::Small(0))
    }

    /// The `seq` the next append stamps.
    pub fn next_seq(&self) -> Int {
        int_succ(&self.max_seq())
    }
}

impl Fold<'static> {
    /// Fold one record in that the fold may keep (its lease is moved in).
    pub fn apply_owned(&mut self, mut e: Dict) {
        self.note_seq(&e);
        match kind_of(&e) {
            None => {}
            Some(Kind::Checkpoint) => {
                self.clear();
                if let Some(Value::List(leases)) = e.remove("leases") {
                    for lease in leases {
                        if let Value::Dict(l) = lease {
                            if let Some(key) = owned_identity(&l) {
                                self.put(key, Cow::Owned(l));
                            }
                        }
                    }
                }
            }
            Some(kind) => {
                let Some(key) = owned_identity(&e) else { return };
                if kind == Kind::Put {
                    let lease = match e.remove("lease") {
                        Some(Value::Dict(l)) => l,
                        _ => inline_lease(&e),
                    };
                    self.put(key, Cow::Owned(lease));
                } else {
                    self.touch(kind, &key, &e);
                }
            }
        }
    }

    /// Rebuild a fold from saved entries (in order) and its highest seq.
    pub fn from_parts(entries: Vec<((Str, Str), Dict)>, max_seq: Int) -> Fold<'static> {
        let mut f = Fold::new();
        for ((a, b), l) in entries {
            f.put((Cow::Owned(a), Cow::Owned(b)), Cow::Owned(l));
        }
        f.max_seq = Some(max_seq);
        f
    }
}

/// The fold of `entries`, borrowing from them: `fold_all(e).leases()` is
/// `replay` without copying a lease body no later record changed.
pub fn fold_all<'a>(entries: impl IntoIterator<Item = &'a Dict>) -> Fold<'a> {
    let mut f = Fold::new();
    for e in entries {
        f.apply(e);
    }
    f
}

/// `replay`: the live leases after folding `entries` in order.
pub fn replay<'a>(entries: impl IntoIterator<Item = &'a Dict>) -> Vec<Dict> {
    let mut f = Fold::new();
    for e in entries {
        f.apply(e);
    }
    f.into_leases()
}

/// `replay` over records it may consume (no copy of the lease bodies).
pub fn replay_owned(entries: impl IntoIterator<Item = Dict>) -> Vec<Dict> {
    let mut f = Fold::new();
    for e in entries {
        f.apply_owned(e);
    }
    f.into_leases()
}

/// `next_seq`: one more than the highest `seq`/`seq_watermark` (1-based).
pub fn next_seq<'a>(entries: impl IntoIterator<Item = &'a Dict>) -> Int {
    let mut top = Int::Small(0);
    for e in entries {
        top = max_int(max_int(top, seq_of(e.get("seq"))), seq_of(e.get("seq_watermark")));
    }
    int_succ(&top)
}

/// The CHECKPOINT record for a live set.
pub fn checkpoint_entry(leases: Vec<Dict>, seq_watermark: Int) -> Dict {
    let mut d = Dict::with_capacity(3);
    d.push("op", Value::str(OP_CHECKPOINT));
    d.push("leases", Value::List(leases.into_iter().map(Value::Dict).collect()));
    d.push("seq_watermark", Value::Int(seq_watermark));
    d
}

/// `compact`: one CHECKPOINT of the live set (its watermark the highest seq
/// seen), followed by every `_CORRUPT` record in order.
pub fn compact(entries: &[Dict]) -> Vec<Dict> {
    let mut f = Fold::new();
    let mut corrupt = Vec::new();
    for e in entries {
        f.apply(e);
        if op_is(e, OP_CORRUPT) {
            corrupt.push(e.clone());
        }
    }
    let watermark = f.max_seq();
    let live = f.into_leases();
    let mut out = Vec::with_capacity(1 + corrupt.len());
    out.push(checkpoint_entry(live, watermark));
    out.extend(corrupt);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::decode;

    fn lanes(leases: &[Dict]) -> Vec<String> {
        leases.iter().map(|l| l.get("lane").and_then(Value::as_str).unwrap_or("").to_string()).collect()
    }

    #[test]
    fn acquire_release_heartbeat_adopt() {
        let text = br#"{"op": "ACQUIRE", "lane": "a", "loop_ts": "t1", "lease": {"lane": "a", "loop_ts": "t1", "holder": "x"}, "seq": 1}
{"op": "ACQUIRE", "lane": "b", "loop_ts": "t1", "lease": {"lane": "b", "loop_ts": "t1", "holder": "y"}, "seq": 2}
{"op": "HEARTBEAT", "lane": "a", "loop_ts": "t1", "ts": "T", "seq": 3}
{"op": "ADOPT", "lane": "b", "loop_ts": "t1", "holder": "z", "pid": null, "heartbeat_at": "H", "seq": 4}
{"op": "RELEASE", "lane": "a", "loop_ts": "t1", "seq": 5}
{"op": "ACQUIRE", "lane": "a", "loop_ts": "t1", "lane_kind": "k", "seq": "9"}
"#;
        let entries = decode(text);
        let live = replay(&entries);
        assert_eq!(lanes(&live), ["b", "a"]);
        assert_eq!(live[0].get("holder").and_then(Value::as_str), Some("z"));
        assert_eq!(live[0].get("heartbeat_at").and_then(Value::as_str), Some("H"));
        assert_eq!(live[1].get("lane_kind").and_then(Value::as_str), Some("k"));
        assert_eq!(next_seq(&entries), Int::Small(10));
        let c = compact(&entries);
        assert_eq!(replay(&c), live);
        assert_eq!(next_seq(&c), Int::Small(10));
    }

    #[test]
    fn identity_uses_python_str() {
        let e = decode(br#"{"op": "ACQUIRE", "lane": 5, "loop_ts": ["x"]}"#);
        let id = identity(&e[0]).unwrap();
        assert_eq!((id.0.into_owned(), id.1.into_owned()), (Str::from("['x']"), Str::from("5")));
    }

    #[test]
    fn big_seqs_stay_exact() {
        let e = decode(br#"{"seq": 99999999999999999999999}"#);
        assert_eq!(next_seq(&e).to_string(), "100000000000000000000000");
        assert_eq!(int_succ(&Int::Small(i64::MAX)).to_string(), "9223372036854775808");
        assert_eq!(int_cmp(&Int::Big("-100000000000000000000".into()), &Int::Small(-5)), Ordering::Less);
    }
}
