//! Strict lease reads and the damaged-journal refusal, through the envelope.
//!
//! The journals and what dos-kernel 0.22.0 reads from them come from
//! `tests/strict/gen.py` (run against the reference): with `strict` off the
//! live set must be the reference's; with it on, a journal with mid-file
//! damage fails closed naming the line and byte offset the generator found,
//! and `[lease_store] strict = true` turns `acquire` into a `WAL_INTEGRITY`
//! refusal.

use dos_core::config::layer::{self, Preset};
use dos_core::config::toml_text;
use dos_core::envelope::ErrorCode;
use dos_core::pyjson::{self, Dict, Options, Value};
use std::fs;
use std::path::{Path, PathBuf};

struct Case {
    name: String,
    journal: String,
    live: Value,
    damage: Option<(i64, i64)>,
}

fn cases() -> Vec<Case> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/strict/damaged_journals.json");
    let v = pyjson::parse(&fs::read(p).expect("tests/strict/damaged_journals.json")).unwrap();
    v.as_list()
        .unwrap()
        .iter()
        .map(|c| {
            let get = |k: &str| c.get(k).unwrap_or_else(|| panic!("case field {k}"));
            Case {
                name: get("name").as_str().unwrap().to_string(),
                journal: get("journal").as_str().unwrap().to_string(),
                live: get("live").clone(),
                damage: get("damage_line").as_i64().map(|l| (l, get("damage_offset").as_i64().unwrap())),
            }
        })
        .collect()
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dos-strict-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn obj(s: &str) -> Dict {
    pyjson::parse_str(s).unwrap().as_dict().unwrap().clone()
}

fn args(journal: &Path, extra: &str) -> Dict {
    let mut a = obj(extra);
    a.push("journal", Value::str(journal.display().to_string()));
    a
}

fn sorted(v: &Value) -> String {
    pyjson::dumps_string(v, Options::SORTED_UTF8).unwrap()
}

fn live(journal: &Path, extra: &str) -> Result<Value, dos_core::envelope::CallError> {
    dos_ops::dispatch("lane_lease.live_leases", None, &args(journal, extra))
}

#[test]
fn strict_off_reads_as_the_reference_and_strict_on_names_the_damage() {
    let cases = cases();
    assert!(cases.iter().filter(|c| c.damage.is_some()).count() >= 6);
    let dir = tmp("live");
    for c in &cases {
        let j = dir.join(format!("{}.jsonl", c.name));
        fs::write(&j, &c.journal).unwrap();
        // Twice: the second read goes through the fold sidecar.
        for round in 0..2 {
            for expire in ["false", "true"] {
                let off = live(&j, &format!(r#"{{"expire_dead": {expire}}}"#)).unwrap();
                if expire == "false" {
                    assert_eq!(sorted(&off), sorted(&c.live), "{} (round {round})", c.name);
                }
                let on = live(&j, &format!(r#"{{"expire_dead": {expire}, "strict": true}}"#));
                match c.damage {
                    None => assert_eq!(sorted(&on.unwrap()), sorted(&off), "{}", c.name),
                    Some((line, offset)) => {
                        let e = on.expect_err(&c.name);
                        assert_eq!(e.code, ErrorCode::Io, "{}", c.name);
                        let want = format!("line {} (byte offset {offset})", line + 1);
                        assert!(e.message.starts_with("WAL_INTEGRITY: ") && e.message.contains(&want), "{}: {}", c.name, e.message);
                        assert!(e.message.contains(&j.display().to_string()), "{}", e.message);
                    }
                }
            }
        }
    }
}

#[test]
fn a_torn_tail_turns_into_damage_once_something_follows_it() {
    let cases = cases();
    let dir = tmp("torn");
    for name in ["torn_tail_terminated", "torn_tail_unterminated"] {
        let c = cases.iter().find(|c| c.name == name).unwrap();
        let j = dir.join(format!("{name}.jsonl"));
        fs::write(&j, &c.journal).unwrap();
        assert!(live(&j, r#"{"strict": true}"#).is_ok(), "{name}: a torn tail is accepted");
        let lines_before = c.journal.lines().count();
        // Our writer puts a newline before the record, so the torn bytes stay a line of their own.
        let entry = obj(r#"{"op": "HALT", "handle": "7", "lane": "", "loop_ts": ""}"#);
        let mut a = args(&j, "{}");
        a.push("entry", Value::Dict(entry));
        dos_ops::dispatch("lane_journal.append", None, &a).unwrap();
        let e = live(&j, r#"{"strict": true}"#).unwrap_err();
        assert!(e.message.contains(&format!("line {lines_before} ")), "{name}: {}", e.message);
        assert!(live(&j, "{}").is_ok());
    }
}

fn acquire_args(journal: &Path, lane: &str, tree: &str) -> Dict {
    args(journal, &format!(r#"{{"lane": "{lane}", "kind": "keyword", "tree": ["{tree}"], "owner": "agent-9", "loop_ts": "L9"}}"#))
}

fn strict_config() -> Dict {
    obj(r#"{"lease_store": {"strict": true}}"#)
}

#[test]
fn strict_acquire_refuses_a_damaged_journal_with_wal_integrity() {
    let cases = cases();
    let dir = tmp("acquire");
    for c in &cases {
        for strict in [false, true] {
            let j = dir.join(format!("{}-{strict}.jsonl", c.name));
            fs::write(&j, &c.journal).unwrap();
            let cfg = if strict { Some(strict_config()) } else { None };
            let v = dos_ops::dispatch("lane_lease.acquire", cfg.as_ref(), &acquire_args(&j, "web", "web/**")).unwrap();
            let d = v.get("decision").unwrap();
            let outcome = d.get("outcome").and_then(Value::as_str).unwrap();
            if let Some((line, offset)) = c.damage.filter(|_| strict) {
                assert_eq!(outcome, "refuse", "{}", c.name);
                let reason = d.get("reason").and_then(Value::as_str).unwrap();
                assert!(reason.starts_with("WAL_INTEGRITY: "), "{reason}");
                assert!(reason.contains(&format!("line {} (byte offset {offset})", line + 1)), "{reason}");
                assert_eq!(v.get("journaled"), Some(&Value::Bool(false)));
                // The same decision shape as any refusal.
                let keys: Vec<&str> = d.as_dict().unwrap().keys().filter_map(|k| k.as_str()).collect();
                assert_eq!(keys, ["outcome", "lane", "lane_kind", "tree", "auto_picked", "reason", "free_clusters", "pick_count"]);
                let rec = v.get("record").and_then(Value::as_dict).expect("the REFUSE is journaled");
                assert_eq!(rec.get("op").and_then(Value::as_str), Some("REFUSE"));
                assert_eq!(rec.get("reason_class").and_then(Value::as_str), Some("WAL_INTEGRITY"));
                // Nothing was granted.
                assert!(!sorted(&live(&j, "{}").unwrap()).contains("agent-9"));
            } else {
                assert_eq!(outcome, "acquire", "{} strict={strict}", c.name);
            }
        }
    }
}

#[test]
fn lease_store_strict_reaches_acquire_from_dos_toml() {
    let cases = cases();
    let c = cases.iter().find(|c| c.name == "garbage_in_the_middle").unwrap();
    let dir = tmp("toml");
    let j = dir.join("lane-journal.jsonl");
    fs::write(&j, &c.journal).unwrap();
    let build = |text: &str| layer::load(Preset::Generic, &dir.display().to_string(), None, &toml_text::parse(text)).unwrap();
    // The table as data (a URL names the PostgreSQL store; the acquire below
    // stays on the journal file, so it is read without one).
    let with_url = build("[lease_store]\nstrict = true\nurl = \"postgresql://db/x\"\n");
    assert!(with_url.warnings.is_empty(), "{:?}", with_url.warnings);
    assert_eq!(with_url.config.lease_store.url.as_deref(), Some("postgresql://db/x"));
    let lease_store = with_url.config.to_value().get("lease_store").cloned().unwrap();
    assert_eq!(sorted(&lease_store), r#"{"strict": true, "url": "postgresql://db/x", "workspace": "default"}"#);
    let on = build("[lease_store]\nstrict = true\n");
    assert!(on.warnings.is_empty(), "{:?}", on.warnings);
    assert!(on.config.lease_store.strict);
    let v = dos_ops::dispatch_with("lane_lease.acquire", &on.config, &acquire_args(&j, "web", "web/**")).unwrap();
    assert_eq!(v.get("decision").and_then(|d| d.get("outcome")).and_then(Value::as_str), Some("refuse"));
    // Off by default, and the default config reads as the reference's (no extra key).
    let off = build("[overlap]\nratio_max = 0.5\n");
    assert!(!off.config.lease_store.strict && off.config.to_value().get("lease_store").is_none());
    let v = dos_ops::dispatch_with("lane_lease.acquire", &off.config, &acquire_args(&j, "web", "web/**")).unwrap();
    assert_eq!(v.get("decision").and_then(|d| d.get("outcome")).and_then(Value::as_str), Some("acquire"));
    // Unknown keys and mistyped values reject the table, as for the other tables.
    for bad in ["[lease_store]\nstrict = true\nstrickt = 1\n", "[lease_store]\nstrict = \"yes\"\n", "[lease_store]\nurl = 5\n"] {
        let l = build(bad);
        assert_eq!(l.warnings.len(), 1, "{bad}");
        assert_eq!(l.warnings[0].table, "lease_store");
        assert!(!l.config.lease_store.strict);
    }
    // Inline, an explicit table is refused outright when malformed.
    let e = dos_ops::dispatch("lane_lease.acquire", Some(&obj(r#"{"lease_store": {"strict": 1}}"#)), &acquire_args(&j, "web", "web/**"));
    assert_eq!(e.unwrap_err().code, ErrorCode::BadConfig);
}
