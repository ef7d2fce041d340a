use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dos_core::deciders::{exec_capability, liveness, tree};

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
    let req = br#"{"abi":1,"op":"exec_capability.classify_command","config":null,"args":{"command":"python3 -c 1"}}"#;
    c.bench_function("envelope exec_capability", |b| b.iter(|| dos_core::call(black_box(req))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
