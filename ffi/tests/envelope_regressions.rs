//! Requests the envelope fuzzer (tests/envelope_fuzz.rs) minimized, each
//! pinned to what its fix changed. They go through `dos_call`, as the fuzzer
//! does.

use dos::{dos_buffer, dos_buffer_free, dos_call, dos_status};
use dos_core::pyjson::{self, Value};

fn call(req: &str) -> (dos_status, Value) {
    let mut out = dos_buffer { data: std::ptr::null_mut(), len: 0 };
    let st = unsafe { dos_call(req.as_ptr(), req.len(), &mut out) };
    let body = unsafe { std::slice::from_raw_parts(out.data, out.len) }.to_vec();
    unsafe { dos_buffer_free(&mut out) };
    (st, pyjson::parse(&body).expect("a JSON response"))
}

/// Whether the request is refused with `code` and a message holding every
/// needle (`Err` says how it is not).
fn refused(req: &str, code: &str, needles: &[&str]) -> Result<(), String> {
    let (st, v) = call(req);
    let e = v.get("error").ok_or_else(|| format!("{req}: not refused"))?;
    let got = e.get("code").and_then(Value::as_str);
    if st != dos_status::DOS_STATUS_ERROR_RESPONSE || got != Some(code) {
        return Err(format!("{req}: {st:?} {got:?}, expected {code}"));
    }
    let msg = e.get("message").and_then(Value::as_str).unwrap_or_default();
    match needles.iter().find(|n| !msg.contains(*n)) {
        Some(n) => Err(format!("{req}\n  message {msg:?} does not name {n:?}")),
        None => Ok(()),
    }
}

/// BAD_ARGS messages name the field they are about. The fuzzer found these
/// naming none (the message spoke of "a work delta", "--class-budget", "a
/// string", …); nested objects now carry their path (`policy`, `events[0]`).
#[test]
fn bad_args_messages_name_the_field() {
    let cases: &[(&str, &[&str])] = &[
        (r#"{"abi":1,"op":"concurrency_class.parse_cli_budgets","args":{"pairs":["3"]}}"#, &["pairs"]),
        (r#"{"abi":1,"op":"export_cursor.resolve_since","args":{"since_arg":"1o0-"}}"#, &["since_arg"]),
        (r#"{"abi":1,"op":"hook_exit.classify_exit","args":{"code":0,"policy":{"more":{"2":{}}}}}"#, &["policy"]),
        (r#"{"abi":1,"op":"lane_journal.encode_line","args":{"entry":{"loop_ts":"\ud800"}}}"#, &["entry"]),
        (r#"{"abi":1,"op":"intent_ledger.append_line","args":{"run_id":"r","entry":{"ts":"\ud800"}}}"#, &["entry"]),
        (r#"{"abi":1,"op":"productivity.classify","args":{"history":{"deltas":[-1]}}}"#, &["history"]),
        (r#"{"abi":1,"op":"run_id.mint_child_from_env","args":{"process_id":""}}"#, &["process_id"]),
        (r#"{"abi":1,"op":"verdict_journal.for_run","args":{"events":[[]]}}"#, &["events[0]"]),
        (r#"{"abi":1,"op":"verdict_journal.rollup","args":{"events":[{"syscall":"s","verdict":"v"},{}]}}"#, &["events[1]"]),
        (r#"{"abi":1,"op":"breaker.classify","args":{"counts":{},"policy":{"max_consecutive":-1}}}"#, &["policy"]),
        (r#"{"abi":1,"op":"intent_ledger.intent_entry","args":{"goal":"g","step_regions":{"s1":1}}}"#, &["step_regions"]),
        (r#"{"abi":1,"op":"pyjson.dumps","args":{"obj":1,"separators":[",",{}]}}"#, &["separators"]),
        (r#"{"abi":1,"op":"id_alloc.allocate","args":{"dir":"/proc/dos-envreg-never-written","scope_key":""}}"#, &["scope_key"]),
        // A key that is not a word is quoted as JSON spells it.
        (r#"{"abi":1,"op":"_tree.prefixes_collide","args":{"a":"x","b":"y","\ud800":1}}"#, &[r#""\ud800""#]),
        (r#"{"abi":1,"op":"_tree.prefixes_collide","args":{"a":"x","b":"y","\u0000":1}}"#, &[r#""\u0000""#]),
    ];
    let mut failures: Vec<String> = cases.iter().filter_map(|(req, needles)| refused(req, "BAD_ARGS", needles).err()).collect();
    failures.extend(refused(r#"{"abi":1,"\ud800":1,"op":"ops"}"#, "BAD_REQUEST", &[r#""\ud800""#]).err());
    assert!(failures.is_empty(), "{} of {} messages name no field:\n{}", failures.len(), cases.len() + 1, failures.join("\n"));
}

/// `lane_lease.acquire` under a config naming an overlap policy libdos does
/// not have answered with Rust's debug text (`UnknownPolicy(UnknownPolicy(…))`)
/// as its message.
#[test]
fn lease_acquire_refusal_is_prose() {
    let dir = std::env::temp_dir().join(format!("dos-envreg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("lane-journal.jsonl");
    let req = format!(
        r#"{{"abi":1,"op":"lane_lease.acquire","config":{{"overlap":{{"policy":"import-graph"}}}},"args":{{"journal":{:?},"lane":"api","kind":"cluster","tree":["src/**"],"owner":"o"}}}}"#,
        journal.to_string_lossy()
    );
    let r = refused(&req, "BAD_ARGS", &["lane_lease.acquire: ", "overlap policy", "import-graph"]);
    let (_, v) = call(&req);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(r.is_ok(), "{}", r.unwrap_err());
    let msg = v.get("error").and_then(|e| e.get("message")).and_then(Value::as_str).unwrap().to_string();
    assert!(!msg.contains("UnknownPolicy("), "{msg}");
}

/// `dos_config_from_toml` took text that is not UTF-8 and answered OK (every
/// table warned); the header promises `DOS_STATUS_INVALID_UTF8`.
#[test]
fn config_from_toml_refuses_text_that_is_not_utf8() {
    use dos::{dos_config, dos_config_free, dos_config_from_toml};
    for bad in [&b"[lanes]\nexclusive = [\"\xff\"]\n"[..], b"\xed\xa0\x80", b"\xef\xbb\xbf\xc0\x80"] {
        let mut cfg: *mut dos_config = std::ptr::NonNull::dangling().as_ptr();
        let mut err = dos_buffer { data: std::ptr::null_mut(), len: 0 };
        let st = unsafe { dos_config_from_toml(bad.as_ptr(), bad.len(), &mut cfg, &mut err) };
        assert_eq!(st, dos_status::DOS_STATUS_INVALID_UTF8, "{bad:?}");
        assert!(cfg.is_null() && err.data.is_null() && err.len == 0);
        unsafe { dos_config_free(cfg) };
    }
    // A byte order mark before UTF-8 text is fine.
    let ok = b"\xef\xbb\xbf[lanes]\nexclusive = [\"x\"]\n";
    let mut cfg = std::ptr::null_mut();
    assert_eq!(unsafe { dos_config_from_toml(ok.as_ptr(), ok.len(), &mut cfg, std::ptr::null_mut()) }, dos_status::DOS_STATUS_OK);
    unsafe { dos_config_free(cfg) };
}

/// `lane_journal.next_seq` of a `seq` of 4,300 nines answered an integer of
/// 4,301 digits: JSON, but past CPython's limit, so neither the reference's
/// `json.dumps` nor any Python-dialect reader (this envelope's included)
/// takes it. Such a verdict is refused, naming the argument; from a file, it
/// is an IO_ERROR.
#[test]
fn results_past_the_integer_digit_limit_are_refused() {
    let nines = "9".repeat(4300);
    let req = format!(r#"{{"abi":1,"op":"lane_journal.next_seq","args":{{"entries":[{{"seq":{nines}}}]}}}}"#);
    let r = refused(&req, "BAD_ARGS", &["lane_journal.next_seq: ", "4301 digits", "\"entries\""]);
    assert!(r.is_ok(), "{}", r.unwrap_err());
    // One digit fewer is still an answer.
    let req = format!(r#"{{"abi":1,"op":"lane_journal.next_seq","args":{{"entries":[{{"seq":{}}}]}}}}"#, "9".repeat(4299));
    let (st, v) = call(&req);
    assert_eq!(st, dos_status::DOS_STATUS_OK);
    assert_eq!(v.get("verdict").map(|x| pyjson::dumps_string(x, pyjson::Options::COMPACT).unwrap().len()), Some(4300));

    let dir = std::env::temp_dir().join(format!("dos-envreg-seq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("lane-journal.jsonl");
    std::fs::write(&journal, format!("{{\"op\":\"RELEASE\",\"lane\":\"a\",\"seq\":{nines}}}\n")).unwrap();
    let req = format!(r#"{{"abi":1,"op":"lane_journal.next_seq_of_file","args":{{"journal":{:?}}}}}"#, journal.to_string_lossy());
    let r = refused(&req, "IO_ERROR", &["lane_journal.next_seq_of_file: ", "4301 digits", "file"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(r.is_ok(), "{}", r.unwrap_err());
}

/// The arbiter's refusal of NaN ranks over 64 candidates named no field.
#[test]
fn arbiter_rank_refusal_names_its_fields() {
    let order: Vec<String> = (0..64).map(|_| r#"["main","cluster",["z/"]]"#.to_string()).collect();
    let req = format!(
        r#"{{"abi":1,"op":"arbiter.arbitrate","args":{{"requested_lane":"","requested_kind":"","requested_tree":[],"live_leases":[],"auto_pick_order":[{}],"rank_key":{{"main":NaN}}}}}}"#,
        order.join(",")
    );
    let r = refused(&req, "BAD_ARGS", &["rank_key", "auto_pick_order"]);
    assert!(r.is_ok(), "{}", r.unwrap_err());
}
