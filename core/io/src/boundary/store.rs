//! The lease-store seam: the lane journal file (the default, unchanged on
//! disk) or PostgreSQL, chosen per call.
//!
//! The PostgreSQL store is used when `DOS_LEASE_STORE_URL` is set (and not
//! empty) or the call's config has `[lease_store] url`; the variable wins.
//! Its workspace key is `DOS_LEASE_STORE_WORKSPACE`, else `[lease_store]
//! workspace`, else `"default"`. Otherwise the lane journal file of the
//! call (its `journal` argument or the config's path, with the reference's
//! environment overrides) is the store, exactly as before.

use super::lease::{
    AcquireDecision, AcquireOutcome, AcquireRequest, CompactResult, HaltRequest, HaltResult, LeaseError, LeaseStore, SpawnResult,
};
use super::pg::PgStore;
use dos_core::config::lease_store::{is_postgres_url, redact_url, DEFAULT_WORKSPACE_KEY};
use dos_core::config::SubstrateConfig;
use dos_core::pyjson::{Dict, Int};
use std::path::Path;

/// The variable that points every lease verb of a process at a PostgreSQL store.
pub const ENV_URL: &str = "DOS_LEASE_STORE_URL";
/// The variable naming the workspace key in that store.
pub const ENV_WORKSPACE: &str = "DOS_LEASE_STORE_WORKSPACE";

/// A lease store: one of the two backends.
#[derive(Debug, Clone)]
pub enum Store {
    File(LeaseStore),
    Pg(PgStore),
}

/// Why a store could not be chosen (a bad URL in the environment).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreConfigError(pub String);

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The PostgreSQL target of `cfg` (with the environment), if any.
pub fn pg_target(cfg: Option<&SubstrateConfig>) -> Result<Option<(String, String)>, StoreConfigError> {
    let url = match env_nonempty(ENV_URL) {
        Some(u) => {
            if !is_postgres_url(&u) {
                return Err(StoreConfigError(format!("{ENV_URL} must start with postgresql:// or postgres:// (it is {})", redact_url(&u))));
            }
            Some(u)
        }
        None => cfg.and_then(|c| c.lease_store.url.clone()),
    };
    let Some(url) = url else { return Ok(None) };
    let ws = env_nonempty(ENV_WORKSPACE)
        .or_else(|| cfg.and_then(|c| c.lease_store.workspace.clone()))
        .unwrap_or_else(|| DEFAULT_WORKSPACE_KEY.to_string());
    Ok(Some((url, ws)))
}

impl Store {
    /// The store of a call: PostgreSQL when configured, else the journal
    /// file at `journal` (the configured path; the environment overrides
    /// apply).
    pub fn choose(cfg: Option<&SubstrateConfig>, journal: &Path) -> Result<Store, StoreConfigError> {
        Ok(match pg_target(cfg)? {
            Some((url, ws)) => Store::Pg(PgStore::new(&url, &ws)),
            None => Store::File(LeaseStore::for_journal(journal)),
        })
    }

    /// What the store is, for messages (a URL with its password hidden).
    pub fn describe(&self) -> String {
        match self {
            Store::File(s) => s.journal.display().to_string(),
            Store::Pg(p) => format!("{} (workspace {:?})", p.redacted_url(), p.workspace),
        }
    }

    pub fn live(&self) -> Result<Vec<Dict>, LeaseError> {
        match self {
            Store::File(s) => s.live(),
            Store::Pg(p) => p.live(),
        }
    }

    pub fn live_unexpired(&self) -> Result<Vec<Dict>, LeaseError> {
        match self {
            Store::File(s) => s.live_unexpired(),
            Store::Pg(p) => p.live_unexpired(),
        }
    }

    /// [`Store::live`]; with `strict`, records damaged mid-file are an
    /// error naming the record (the file journal's and PostgreSQL's alike).
    pub fn live_checked(&self, strict: bool) -> Result<Vec<Dict>, LeaseError> {
        match self {
            Store::File(s) => s.live_checked(strict),
            Store::Pg(p) => p.live_checked(strict),
        }
    }

    /// [`Store::live_unexpired`] with the same `strict` rule.
    pub fn live_unexpired_checked(&self, strict: bool) -> Result<Vec<Dict>, LeaseError> {
        match self {
            Store::File(s) => s.live_unexpired_checked(strict),
            Store::Pg(p) => p.live_unexpired_checked(strict),
        }
    }

    pub fn next_seq(&self) -> Result<Int, LeaseError> {
        match self {
            Store::File(s) => s.next_seq(),
            Store::Pg(p) => p.next_seq(),
        }
    }

    pub fn acquire(
        &self,
        req: &AcquireRequest,
        decide: impl Fn(&[Dict]) -> Result<AcquireDecision, String>,
    ) -> Result<AcquireOutcome, LeaseError> {
        match self {
            Store::File(s) => s.acquire(req, decide),
            Store::Pg(p) => p.acquire(req, decide),
        }
    }

    pub fn release(&self, lane: &str, owner: &str, loop_ts: &str) -> Result<bool, LeaseError> {
        match self {
            Store::File(s) => s.release(lane, owner, loop_ts),
            Store::Pg(p) => p.release(lane, owner, loop_ts),
        }
    }

    pub fn adopt(&self, lane: &str, new_owner: &str, loop_ts: &str, new_pid: Option<i64>) -> Result<bool, LeaseError> {
        match self {
            Store::File(s) => s.adopt(lane, new_owner, loop_ts, new_pid),
            Store::Pg(p) => p.adopt(lane, new_owner, loop_ts, new_pid),
        }
    }

    pub fn scavenge(&self, lane: &str, loop_ts: &str, owner: &str, reason: &str) -> Result<bool, LeaseError> {
        match self {
            Store::File(s) => s.scavenge(lane, loop_ts, owner, reason),
            Store::Pg(p) => p.scavenge(lane, loop_ts, reason),
        }
    }

    pub fn heartbeat(&self, lane: &str, owner: &str, loop_ts: &str, coalesce_within_s: f64) -> Result<bool, LeaseError> {
        match self {
            Store::File(s) => s.heartbeat(lane, owner, loop_ts, coalesce_within_s),
            Store::Pg(p) => p.heartbeat(lane, owner, loop_ts, coalesce_within_s),
        }
    }

    pub fn halt(&self, req: &HaltRequest) -> Result<HaltResult, LeaseError> {
        match self {
            Store::File(s) => s.halt(req),
            Store::Pg(p) => p.halt(req),
        }
    }

    pub fn spawn(&self, lane: &str, owner: &str, loop_ts: &str, run_id: &str, reason: &str) -> Result<SpawnResult, LeaseError> {
        match self {
            Store::File(s) => s.spawn(lane, owner, loop_ts, run_id, reason),
            Store::Pg(p) => p.spawn(lane, owner, loop_ts, run_id, reason),
        }
    }

    pub fn compact_journal(&self, owner: &str) -> Result<CompactResult, LeaseError> {
        match self {
            Store::File(s) => s.compact_journal(owner),
            Store::Pg(p) => p.compact_journal(),
        }
    }
}
