use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dos_core::deciders::{exec_capability, tool_stream, tree};

fn bench(c: &mut Criterion) {
    let policy = exec_capability::ExecCapabilityPolicy::default_ref();
    c.bench_function("exec_capability.classify_command", |b| {
        b.iter(|| exec_capability::classify_command(black_box("FOO=1 python3 -c 'print(1)'"), policy))
    });
    c.bench_function("_tree.prefixes_collide", |b| {
        b.iter(|| tree::prefixes_collide(black_box("src/dos/arbiter"), black_box("src/dos/admission")))
    });
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
