//! criterion benches for every ported decider, the envelope and the JSON
//! codec. `make bench` runs them with short warm-up and measurement times;
//! figures and the machine they came from are in docs/benchmarks.md.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dos_core::deciders::{
    breaker, durable_schema, efficiency, exec_capability, hook_exit, liveness, posttool_sensor, productivity, tool_stream, tree,
};
use dos_core::pyjson::{self, Options, Str};

/// A PreToolUse hook event as a host hands it over: a dozen keys in arrival
/// order, a shell command with quotes and escapes, a little non-ASCII text.
const HOOK_EVENT: &str = r#"{"session_id": "4f1c2a9e-7b3d-4e8a-9c61-0d2b5e7f8a13", "transcript_path": "/home/dev/.claude/projects/libdos/4f1c2a9e.jsonl", "cwd": "/home/dev/src/libdos", "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "cd core && cargo test -p dos-core -- --nocapture 2>&1 | grep -E \"^(test|error)\" | head -n 40", "description": "Run the core tests and show the summary \u2014 r\u00e9sum\u00e9", "timeout": 120000}, "lane": {"name": "port-c", "tree": ["core/src/pyjson/", "tests/golden/"], "lease_ms": 1732190400000, "weight": 0.75}, "attempt": 3, "tags": ["ci", "golden", "\u00e9t\u00e9", "\ud83d\ude80"]}"#;

/// A PostToolUse event for a `Read`: small input object, a 2 KiB text result.
fn posttool_event() -> String {
    let body = "fn main() {\n    println!(\"r\u{e9}sum\u{e9}\");\n}\n".repeat(48);
    let body = pyjson::dumps_string(&pyjson::Value::str(body), Options::SORTED_ASCII).expect("a plain string encodes");
    format!(
        r#"{{"session_id": "s-1", "hook_event_name": "PostToolUse", "tool_name": "Read", "tool_input": {{"file_path": "/home/dev/src/libdos/core/src/lib.rs", "offset": 0, "limit": 2000}}, "tool_response": {body}}}"#
    )
}

/// 60 varied steps, then four identical reads whose tool name differs in case:
/// a REPEATING verdict whose backward walk compares and folds four keys.
fn stream_64() -> Vec<tool_stream::StreamStep> {
    let mut steps: Vec<tool_stream::StreamStep> =
        (0..60).map(|i| tool_stream::StreamStep::new("Read", &format!("args{i}"), Some(&format!("res{}", i % 7)))).collect();
    for tool in ["Read", "READ", "read", "Read"] {
        steps.push(tool_stream::StreamStep::new(tool, "5b5306ba01fd10ac", Some("21280e25d8b47f9f")));
    }
    steps
}

/// The same 64 steps as an envelope request.
fn stream_64_request() -> Vec<u8> {
    let steps: Vec<String> = stream_64()
        .iter()
        .map(|s| {
            format!(
                r#"{{"tool_name":"{}","args_digest":"{}","result_digest":"{}"}}"#,
                s.tool_name.as_str().unwrap_or_default(),
                s.args_digest.as_str().unwrap_or_default(),
                s.result_digest.as_ref().and_then(Str::as_str).unwrap_or_default()
            )
        })
        .collect();
    format!(r#"{{"abi":1,"op":"tool_stream.classify_stream","config":null,"args":{{"stream":{{"steps":[{}]}}}}}}"#, steps.join(","))
        .into_bytes()
}

fn exec_and_tree(c: &mut Criterion) {
    let policy = exec_capability::ExecCapabilityPolicy::default_ref();
    c.bench_function("exec_capability.classify_command", |b| {
        b.iter(|| exec_capability::classify_command(black_box("FOO=1 python3 -c 'print(1)'"), policy))
    });
    c.bench_function("exec_capability.classify_command wrapped, mixed case", |b| {
        b.iter(|| exec_capability::classify_command(black_box("sudo env LANG=C /usr/bin/Python3 -m pip list"), policy))
    });
    c.bench_function("exec_capability.classify_command bounded", |b| {
        b.iter(|| exec_capability::classify_command(black_box("git status --short"), policy))
    });
    c.bench_function("_tree.prefixes_collide", |b| {
        b.iter(|| tree::prefixes_collide(black_box("src/dos/arbiter"), black_box("src/dos/admission")))
    });
    c.bench_function("_tree.norm_tree_prefix", |b| b.iter(|| tree::norm_tree_prefix(black_box(" Src\\Dos\\Agents_*.py "))));
    let a = ["src/dos/arbiter/", "docs/ui-*"];
    let bt = ["src/dos/admission.py", "docs/svc-*"];
    c.bench_function("_tree.lane_trees_disjoint 2x2", |b| b.iter(|| tree::lane_trees_disjoint(black_box(&a[..]), black_box(&bt[..]))));
    let a8: Vec<String> = (0..8).map(|i| format!("core/src/deciders/mod{i}/**")).collect();
    let b8: Vec<String> = (0..8).map(|i| format!("Bindings/Go/Pkg{i}/*.go")).collect();
    c.bench_function("_tree.lane_trees_disjoint 8x8", |b| b.iter(|| tree::lane_trees_disjoint(black_box(&a8[..]), black_box(&b8[..]))));
}

fn loop_economics(c: &mut Criterion) {
    let ev = liveness::ProgressEvidence {
        last_heartbeat_age_ms: Some(8 * 60_000),
        process_alive: Some(true),
        ..liveness::ProgressEvidence::new(1_700_000_000_000, 1_700_000_000_000 + 45 * 60_000, 0)
    };
    let lv_policy = liveness::LivenessPolicy::default();
    c.bench_function("liveness.classify", |b| b.iter(|| liveness::classify(black_box(&ev), &lv_policy)));

    let history = productivity::WorkHistory::new(vec![1200, 900, 640, 480, 300, 120, 80, 40]).expect("non-negative");
    let pr_policy = productivity::ProductivityPolicy::default();
    c.bench_function("productivity.classify 8 deltas", |b| b.iter(|| productivity::classify(black_box(&history), &pr_policy)));

    let evidence = efficiency::EfficiencyEvidence::new(7, 7000).expect("non-negative");
    let ef_policy = efficiency::EfficiencyPolicy::new(1000, efficiency::Floor::from(0.002)).expect("valid policy");
    c.bench_function("efficiency.classify", |b| b.iter(|| efficiency::classify(black_box(&evidence), &ef_policy)));

    let counts = breaker::BreakerCounts::new(2, 9).expect("non-negative");
    let br_policy = breaker::BreakerPolicy::default();
    c.bench_function("breaker.record_failure (trips)", |b| b.iter(|| breaker::record_failure(black_box(&counts), &br_policy)));
    c.bench_function("breaker.classify", |b| b.iter(|| breaker::classify(black_box(&counts), &br_policy)));
}

fn tool_stream_and_hooks(c: &mut Criterion) {
    let steps = stream_64();
    let stream_policy = tool_stream::StreamPolicy::default();
    c.bench_function("tool_stream.classify_stream 64 steps", |b| {
        b.iter(|| tool_stream::classify_stream(black_box(&steps), &stream_policy))
    });
    let ignoring = tool_stream::StreamPolicy::new(3, 5, ["Poll".into(), "Wait".into()]).expect("valid policy");
    c.bench_function("tool_stream.classify_stream 64 steps, 2 ignored tools", |b| {
        b.iter(|| tool_stream::classify_stream(black_box(&steps), &ignoring))
    });

    let event = pyjson::parse_str(&posttool_event()).expect("the bench event is valid JSON");
    c.bench_function("posttool_sensor.step_from_event (2 KiB result)", |b| b.iter(|| posttool_sensor::step_from_event(black_box(&event))));
    let small = pyjson::parse_str(r#"{"tool_name": "Bash", "tool_input": {"command": "ls -la"}, "tool_response": {"stdout": "a\nb\n", "stderr": "", "interrupted": false}}"#)
        .expect("valid JSON");
    c.bench_function("posttool_sensor.step_from_event (small)", |b| b.iter(|| posttool_sensor::step_from_event(black_box(&small))));
    let verdict = tool_stream::classify_stream(&steps, &stream_policy);
    c.bench_function("posttool_sensor.warn_payload", |b| b.iter(|| posttool_sensor::warn_payload(black_box(&verdict))));

    let he_policy = hook_exit::HookExitPolicy::default();
    c.bench_function("hook_exit.classify_exit (explicit 2)", |b| b.iter(|| hook_exit::classify_exit(black_box(2), &he_policy)));
    c.bench_function("hook_exit.classify_exit (fallback)", |b| b.iter(|| hook_exit::classify_exit(black_box(17), &he_policy)));
}

fn durable(c: &mut Criterion) {
    let record = pyjson::parse_str(
        r#"{"schema": {"family": "lane-journal", "version": 1}, "op": "LEASE", "lane": "port-c", "ts_ms": 1732190400000}"#,
    )
    .expect("valid JSON");
    let record = record.as_dict().expect("an object");
    let family = Str::from("lane-journal");
    c.bench_function("durable_schema.classify (READABLE)", |b| b.iter(|| durable_schema::classify(black_box(record), &family, 1)));
    let newer = pyjson::parse_str(r#"{"schema": {"family": "lane-journal", "version": 3}}"#).expect("valid JSON");
    let newer = newer.as_dict().expect("an object");
    c.bench_function("durable_schema.classify (UNREADABLE_NEWER)", |b| b.iter(|| durable_schema::classify(black_box(newer), &family, 2)));
    c.bench_function("durable_schema.tag", |b| b.iter(|| durable_schema::tag(black_box("lane-journal"), 1)));
    let verdict = durable_schema::classify(newer, &family, 2);
    c.bench_function("durable_schema.unreadable_refusal_payload", |b| {
        b.iter(|| durable_schema::unreadable_refusal_payload(black_box(&verdict)))
    });
}

fn envelope(c: &mut Criterion) {
    let req = br#"{"abi":1,"op":"exec_capability.classify_command","config":null,"args":{"command":"python3 -c 1"}}"#;
    c.bench_function("envelope exec_capability", |b| b.iter(|| dos_ops::call(black_box(req))));
    let req = br#"{"abi":1,"op":"_tree.prefixes_collide","config":null,"args":{"a":"src/dos/arbiter","b":"src/dos/admission"}}"#;
    c.bench_function("envelope _tree.prefixes_collide", |b| b.iter(|| dos_ops::call(black_box(req))));
    let req = br#"{"abi":1,"op":"liveness.classify","config":null,"args":{"ev":{"run_started_ms":1700000000000,"now_ms":1700002700000,"commits_since_start":0,"journal_events_since":0,"last_heartbeat_age_ms":480000,"tokens_spent_since":null,"process_alive":true}}}"#;
    c.bench_function("envelope liveness.classify", |b| b.iter(|| dos_ops::call(black_box(req))));
    let req = br#"{"abi":1,"op":"hook_exit.classify_exit","config":null,"args":{"code":2}}"#;
    c.bench_function("envelope hook_exit.classify_exit", |b| b.iter(|| dos_ops::call(black_box(req))));
    let req = stream_64_request();
    c.bench_function("envelope tool_stream.classify_stream 64 steps", |b| b.iter(|| dos_ops::call(black_box(&req))));
    let req =
        format!(r#"{{"abi":1,"op":"posttool_sensor.step_from_event","config":null,"args":{{"event":{}}}}}"#, posttool_event()).into_bytes();
    c.bench_function("envelope posttool_sensor.step_from_event (2 KiB result)", |b| b.iter(|| dos_ops::call(black_box(&req))));
    let req = br#"{"abi":1,"op":"ops"}"#;
    c.bench_function("envelope ops listing", |b| b.iter(|| dos_ops::call(black_box(req))));
}

fn json(c: &mut Criterion) {
    let event = pyjson::parse_str(HOOK_EVENT).expect("the bench event is valid JSON");
    c.bench_function("pyjson.dumps hook event (sort_keys, ASCII)", |b| b.iter(|| pyjson::dumps(black_box(&event), Options::SORTED_ASCII)));
    c.bench_function("pyjson.dumps hook event (sort_keys, UTF-8)", |b| b.iter(|| pyjson::dumps(black_box(&event), Options::SORTED_UTF8)));
    c.bench_function("pyjson.parse hook event", |b| b.iter(|| pyjson::parse_str(black_box(HOOK_EVENT))));
}

criterion_group!(benches, exec_and_tree, loop_economics, tool_stream_and_hooks, durable, envelope, json);
criterion_main!(benches);
