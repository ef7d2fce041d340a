use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dos_core::deciders::{exec_capability, liveness, tool_stream, tree};
use dos_core::pyjson::{self, Options};

/// A PreToolUse hook event as a host hands it over: a dozen keys in arrival
/// order, a shell command with quotes and escapes, a little non-ASCII text.
const HOOK_EVENT: &str = r#"{"session_id": "4f1c2a9e-7b3d-4e8a-9c61-0d2b5e7f8a13", "transcript_path": "/home/dev/.claude/projects/libdos/4f1c2a9e.jsonl", "cwd": "/home/dev/src/libdos", "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "cd core && cargo test -p dos-core -- --nocapture 2>&1 | grep -E \"^(test|error)\" | head -n 40", "description": "Run the core tests and show the summary \u2014 r\u00e9sum\u00e9", "timeout": 120000}, "lane": {"name": "port-c", "tree": ["core/src/pyjson/", "tests/golden/"], "lease_ms": 1732190400000, "weight": 0.75}, "attempt": 3, "tags": ["ci", "golden", "\u00e9t\u00e9", "\ud83d\ude80"]}"#;

fn bench(c: &mut Criterion) {
    let policy = exec_capability::ExecCapabilityPolicy::default_ref();
    c.bench_function("exec_capability.classify_command", |b| {
        b.iter(|| exec_capability::classify_command(black_box("FOO=1 python3 -c 'print(1)'"), policy))
    });
    c.bench_function("_tree.prefixes_collide", |b| {
        b.iter(|| tree::prefixes_collide(black_box("src/dos/arbiter"), black_box("src/dos/admission")))
    });
    let ev = liveness::ProgressEvidence {
        last_heartbeat_age_ms: Some(8 * 60_000),
        process_alive: Some(true),
        ..liveness::ProgressEvidence::new(1_700_000_000_000, 1_700_000_000_000 + 45 * 60_000, 0)
    };
    let lv_policy = liveness::LivenessPolicy::default();
    c.bench_function("liveness.classify", |b| b.iter(|| liveness::classify(black_box(&ev), &lv_policy)));
    // 60 varied steps, then four identical reads (case differs): a REPEATING verdict
    // whose backward walk compares and folds four keys.
    let mut steps: Vec<tool_stream::StreamStep> = (0..60)
        .map(|i| tool_stream::StreamStep::new("Read", &format!("args{i}"), Some(&format!("res{}", i % 7))))
        .collect();
    for tool in ["Read", "READ", "read", "Read"] {
        steps.push(tool_stream::StreamStep::new(tool, "5b5306ba01fd10ac", Some("21280e25d8b47f9f")));
    }
    let stream_policy = tool_stream::StreamPolicy::default();
    c.bench_function("tool_stream.classify_stream 64 steps", |b| {
        b.iter(|| tool_stream::classify_stream(black_box(&steps), &stream_policy))
    });
    let req = br#"{"abi":1,"op":"exec_capability.classify_command","config":null,"args":{"command":"python3 -c 1"}}"#;
    c.bench_function("envelope exec_capability", |b| b.iter(|| dos_core::call(black_box(req))));

    let event = pyjson::parse_str(HOOK_EVENT).expect("the bench event is valid JSON");
    c.bench_function("pyjson.dumps hook event (sort_keys, ASCII)", |b| {
        b.iter(|| pyjson::dumps(black_box(&event), Options::SORTED_ASCII))
    });
    c.bench_function("pyjson.dumps hook event (sort_keys, UTF-8)", |b| {
        b.iter(|| pyjson::dumps(black_box(&event), Options::SORTED_UTF8))
    });
    c.bench_function("pyjson.parse hook event", |b| b.iter(|| pyjson::parse_str(black_box(HOOK_EVENT))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
