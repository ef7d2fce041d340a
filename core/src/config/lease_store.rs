//! `[lease_store]`: where a workspace's lane leases live (a libdos
//! extension; dos-kernel 0.22.0 has no such table and ignores it).
//!
//! ```toml
//! [lease_store]
//! url = "postgresql://dos@db.internal/dos"   # absent: the lane journal file
//! workspace = "acme/api"                     # the key the fleet shares (default "default")
//! strict = false                             # refuse acquire over a damaged journal
//! ```
//!
//! Every workspace clone that names the same `url` and `workspace` shares one
//! lane set. Like the other tables, a malformed `[lease_store]` is ignored
//! with a warning from `dos.toml` and refused (`BAD_CONFIG`) inline.
//! `DOS_LEASE_STORE_URL` (read by the I/O layer, never here) wins over `url`.

use super::value::{Fault, Read, Table, Tv};
use crate::pyjson::{Dict, Value};

/// The workspace key used when none is configured.
pub const DEFAULT_WORKSPACE_KEY: &str = "default";

/// The `[lease_store]` seam.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaseStoreConfig {
    /// `postgresql://…` or `postgres://…`; `None` is the lane journal file.
    pub url: Option<String>,
    /// The key the lane set is shared under; `None` is [`DEFAULT_WORKSPACE_KEY`].
    pub workspace: Option<String>,
    /// Refuse to arbitrate over a journal with damaged records.
    pub strict: bool,
}

const KEYS: [&str; 3] = ["url", "workspace", "strict"];

/// Whether `url` names a PostgreSQL server (the schemes rust-postgres reads).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgresql://") || url.starts_with("postgres://")
}

/// `url` with any password replaced by `***` (and nothing else changed), for
/// errors, logs and the config's data view.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let mut out = url[..scheme_end + 3].to_string();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(c) => {
                    out.push_str(&userinfo[..c]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[auth_end..];
    // A password may also come as a query parameter.
    match tail.find('?') {
        Some(q) => {
            out.push_str(&tail[..=q]);
            let params: Vec<String> = tail[q + 1..]
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

impl LeaseStoreConfig {
    /// The workspace key (configured, else the default).
    pub fn workspace_key(&self) -> &str {
        self.workspace.as_deref().unwrap_or(DEFAULT_WORKSPACE_KEY)
    }

    pub fn is_default(&self) -> bool {
        *self == LeaseStoreConfig::default()
    }

    /// The seam as data (the URL redacted).
    pub fn to_value(&self) -> Value {
        let mut d = Dict::new();
        d.push("url", self.url.as_deref().map_or(Value::Null, |u| Value::str(redact_url(u))));
        d.push("workspace", Value::str(self.workspace_key()));
        d.push("strict", Value::Bool(self.strict));
        Value::Dict(d)
    }

    /// Read a `[lease_store]` table over `base`.
    pub fn from_table(t: &Table, base: &LeaseStoreConfig) -> Read<LeaseStoreConfig> {
        let unknown = t.unknown_keys(&KEYS);
        if !unknown.is_empty() {
            return Err(Fault::warn(
                unknown[0].clone(),
                format!("[lease_store] does not take {}; it takes {}", unknown.join(", "), KEYS.join(", ")),
            ));
        }
        let mut out = base.clone();
        match t.get("url") {
            None => {}
            Some(Tv::Str(s)) if s.is_empty() => out.url = None,
            Some(Tv::Str(s)) if is_postgres_url(s) => out.url = Some(s.clone()),
            Some(Tv::Str(s)) => {
                return Err(Fault::warn(
                    "url",
                    format!(
                        "[lease_store] url must start with postgresql:// or postgres:// (got {:?})",
                        redact_url(s).chars().take(40).collect::<String>()
                    ),
                ))
            }
            Some(other) => return Err(Fault::warn("url", format!("[lease_store] url must be a string, not {}", other.type_name()))),
        }
        match t.get("workspace") {
            None => {}
            Some(Tv::Str(s)) if !s.is_empty() => out.workspace = Some(s.clone()),
            Some(Tv::Str(_)) => return Err(Fault::warn("workspace", "[lease_store] workspace must not be empty")),
            Some(other) => {
                return Err(Fault::warn("workspace", format!("[lease_store] workspace must be a string, not {}", other.type_name())))
            }
        }
        match t.get("strict") {
            None => {}
            Some(Tv::Bool(b)) => out.strict = *b,
            Some(other) => return Err(Fault::warn("strict", format!("[lease_store] strict must be a boolean, not {}", other.type_name()))),
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_passwords_only() {
        assert_eq!(redact_url("postgresql://u:s3cret@h:5432/db?x=1"), "postgresql://u:***@h:5432/db?x=1");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact_url("postgresql://h/db?user=u&password=s3cret&sslmode=require"),
            "postgresql://h/db?user=u&password=***&sslmode=require"
        );
        assert_eq!(redact_url("postgresql://u:p%40ss@h"), "postgresql://u:***@h");
        assert!(!redact_url("postgresql://a:b@c@h/db").contains("b@c"));
    }

    fn table(pairs: &[(&str, Tv)]) -> Table {
        let mut t = Table::new();
        for (k, v) in pairs {
            t.insert(*k, v.clone());
        }
        t
    }

    #[test]
    fn reader_is_strict_about_keys_and_types() {
        let base = LeaseStoreConfig::default();
        let ok = LeaseStoreConfig::from_table(
            &table(&[("url", Tv::Str("postgresql://h/db".into())), ("workspace", Tv::Str("w".into())), ("strict", Tv::Bool(true))]),
            &base,
        )
        .unwrap();
        assert_eq!(ok.url.as_deref(), Some("postgresql://h/db"));
        assert_eq!(ok.workspace_key(), "w");
        assert!(ok.strict);
        for bad in [
            table(&[("urls", Tv::Str("postgresql://h/db".into()))]),
            table(&[("url", Tv::Str("mysql://h/db".into()))]),
            table(&[("url", Tv::Bool(true))]),
            table(&[("strict", Tv::Str("yes".into()))]),
            table(&[("workspace", Tv::Str(String::new()))]),
        ] {
            assert!(LeaseStoreConfig::from_table(&bad, &base).is_err(), "{bad:?}");
        }
    }
}
