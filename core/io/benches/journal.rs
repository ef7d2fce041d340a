//! The lane journal: replaying a 256-lease journal, and the live set of
//! journals with 10,000 and 57,853 records through the fold sidecar (the
//! steady state: the sidecar is current, or a few records behind).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dos_core::journal::{decode, fold_all, replay};
use dos_io::boundary::journal;
use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

fn acquire(i: usize, lane: &str) -> String {
    format!(
        "{{\"host_id\": \"vm\", \"lane\": \"{lane}\", \"lane_kind\": \"{lane}\", \"lease\": {{\"acquired_at\": \"2026-11-21T12:40:05Z\", \"holder\": \"agent-{i}\", \"host_id\": \"vm\", \"lane\": \"{lane}\", \"lane_kind\": \"{lane}\", \"loop_ts\": \"ts-{i}\", \"pid\": {pid}, \"tree\": [\"src/{lane}/**\"]}}, \"loop_ts\": \"ts-{i}\", \"op\": \"ACQUIRE\", \"pid\": {pid}, \"prev_holder\": null, \"reason\": \"lane-lease:agent-{i}\", \"seq\": {seq}, \"tree\": [\"src/{lane}/**\"], \"ts\": \"2026-11-21T12:40:05Z\", \"ttl_minutes\": null}}\n",
        pid = 1000 + i,
        seq = i + 1
    )
}

/// `n` records: ACQUIREs, most of them released later, ending with `live` leases.
fn journal_text(n: usize, live: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < n {
        let lane = format!("lane{}", i % 64);
        out.push_str(&acquire(i, &lane));
        if out.lines().count() >= n {
            break;
        }
        if i >= live * 2 || i % 2 == 1 {
            out.push_str(&format!(
                "{{\"host_id\": \"vm\", \"lane\": \"{lane}\", \"loop_ts\": \"ts-{i}\", \"op\": \"RELEASE\", \"reason\": \"explicit\", \"seq\": {}, \"ts\": \"2026-11-21T12:41:05Z\"}}\n",
                i + 2
            ));
        }
        i += 1;
    }
    out.lines().take(n).map(|l| format!("{l}\n")).collect()
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dos-bench-journal-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    let _ = fs::remove_file(journal::sidecar_path(&p));
    p
}

fn bench(c: &mut Criterion) {
    // 256 live leases, nothing released: the fold alone.
    let text256: String = (0..256).map(|i| acquire(i, &format!("lane{i}"))).collect();
    let entries = decode(text256.as_bytes());
    c.bench_function("lane_journal.replay 256 leases (records in memory)", |b| b.iter(|| replay(black_box(&entries))));
    c.bench_function("lane_journal fold 256 leases, borrowed (records in memory)", |b| {
        b.iter(|| fold_all(black_box(&entries)).leases().len())
    });
    c.bench_function("lane_journal.read_all+replay 256 leases (bytes in memory)", |b| {
        b.iter(|| replay(&decode(black_box(text256.as_bytes()))))
    });

    for n in [10_000usize, 57_853] {
        let p = tmp(&format!("j{n}.jsonl"), &journal_text(n, 200));
        let first = std::time::Instant::now();
        let v = journal::live_view(&p).unwrap();
        eprintln!("{n} records: first (sidecar built) {:?}, {} live", first.elapsed(), v.leases.len());
        c.bench_function(&format!("live set, {n} records, sidecar current"), |b| b.iter(|| journal::live_view(black_box(&p)).unwrap()));
        c.bench_function(&format!("live set, {n} records, 1 record appended since"), |b| {
            b.iter_batched(
                || {
                    let mut f = fs::OpenOptions::new().append(true).open(&p).unwrap();
                    f.write_all(b"{\"op\": \"HEARTBEAT\", \"lane\": \"lane1\", \"loop_ts\": \"ts-1\", \"seq\": 1}\n").unwrap();
                },
                |_| journal::live_view(black_box(&p)).unwrap(),
                criterion::BatchSize::PerIteration,
            )
        });
        c.bench_function(&format!("full read_all+replay, {n} records"), |b| b.iter(|| replay(&journal::read_all(black_box(&p)))));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)).sample_size(20);
    targets = bench
}
criterion_main!(benches);
