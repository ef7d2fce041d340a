//! `[lease_store]`: where the lane leases live and how strictly they are
//! read. A libdos extension; the reference ignores the table.

use super::value::{Fault, Read, Table, Tv};
use crate::pyjson::{Dict, Value};

/// The `[lease_store]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseStoreConfig {
    /// Refuse to arbitrate (and fail strict live-set reads) over a journal
    /// with mid-file damage. Off by default.
    pub strict: bool,
    /// The store's URL (`postgresql://…`); `None` is the file journal.
    pub url: Option<String>,
}

const KEYS: [&str; 2] = ["strict", "url"];

impl LeaseStoreConfig {
    /// Read the table; an unknown key or a mistyped value rejects the whole
    /// table (a warning, like the other tables), keeping `base`.
    pub fn from_table(t: &Table, base: &LeaseStoreConfig) -> Read<LeaseStoreConfig> {
        let unknown = t.unknown_keys(&KEYS);
        if !unknown.is_empty() {
            return Err(Fault::warn(
                unknown[0].clone(),
                format!("[lease_store] does not take {}; it takes {}", unknown.join(", "), KEYS.join(", ")),
            ));
        }
        let mut out = base.clone();
        match t.get("strict") {
            None => {}
            Some(Tv::Bool(b)) => out.strict = *b,
            Some(other) => {
                return Err(Fault::warn("strict", format!("[lease_store] strict must be true or false, not {}", other.type_name())))
            }
        }
        match t.get("url") {
            None => {}
            Some(Tv::Str(s)) => out.url = Some(s.clone()),
            Some(other) => return Err(Fault::warn("url", format!("[lease_store] url must be a string, not {}", other.type_name()))),
        }
        Ok(out)
    }

    pub fn is_default(&self) -> bool {
        *self == LeaseStoreConfig::default()
    }

    /// The table as data (`url` is `null` when unset).
    pub fn to_value(&self) -> Value {
        let mut d = Dict::with_capacity(2);
        d.push("strict", Value::Bool(self.strict));
        d.push("url", self.url.as_deref().map_or(Value::Null, Value::str));
        Value::Dict(d)
    }
}
