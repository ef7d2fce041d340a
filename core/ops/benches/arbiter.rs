//! The arbiter under the workshop driver's taxonomy (drivers/workshop.py's
//! WORKSHOP_LANE_TAXONOMY, rebuilt here as data): a disjoint admit of the
//! `frontend` cluster beside a live `backend` lease, and the same through the
//! JSON envelope.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dos_core::config::{LaneTaxonomy, SubstrateConfig, WorkspaceFacts};
use dos_core::deciders::admission::Lease;
use dos_core::deciders::arbiter::{arbitrate, ArbitrateRequest, Candidate, NoHooks};

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn workshop() -> SubstrateConfig {
    let lanes = LaneTaxonomy {
        concurrent: strings(&["frontend", "backend"]),
        exclusive: strings(&["release", "global"]),
        autopick: strings(&["frontend", "backend"]),
        trees: vec![
            ("frontend".into(), strings(&["app/**/*", "web/**/*", "ui/**/*", "docs/UI-*"])),
            ("backend".into(), strings(&["service/**/*", "api/**/*", "worker/**/*", "docs/SVC-*"])),
            ("release".into(), strings(&["deploy/**/*", ".github/workflows/**/*", "docs/REL-*", "**/VERSION"])),
            ("global".into(), strings(&["**/*"])),
        ],
        aliases: [
            ("ui", "frontend"),
            ("web", "frontend"),
            ("frontend", "frontend"),
            ("svc", "backend"),
            ("api", "backend"),
            ("service", "backend"),
            ("backend", "backend"),
            ("ship", "release"),
            ("deploy", "release"),
            ("release", "release"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    let mut cfg = SubstrateConfig::with_lanes(lanes);
    // workshop_config gathers facts; in a foreign repository none of the kernel files exist.
    cfg.workspace = Some(WorkspaceFacts { root: "/ws".into(), kernel_runtime_files: vec![], is_kernel_repo: false });
    cfg
}

fn bench(c: &mut Criterion) {
    let cfg = workshop();
    let fe = cfg.lanes.tree_for("frontend").to_vec();
    let be = cfg.lanes.tree_for("backend").to_vec();
    let leases = vec![Lease::new("backend", "cluster", be.clone())];
    c.bench_function("arbiter.arbitrate workshop disjoint admit", |b| {
        b.iter(|| {
            let req = ArbitrateRequest {
                requested_lane: black_box("frontend"),
                requested_kind: "cluster",
                requested_tree: &fe,
                live_leases: &leases,
                ..Default::default()
            };
            let d = arbitrate(&req, &cfg, &mut NoHooks).unwrap();
            black_box(d.acquire)
        })
    });
    let ladder = vec![
        Candidate { name: "frontend".into(), kind: "cluster".into(), tree: fe.clone() },
        Candidate { name: "backend".into(), kind: "cluster".into(), tree: be.clone() },
    ];
    c.bench_function("arbiter.arbitrate workshop bare auto-pick (ladder)", |b| {
        b.iter(|| {
            let req = ArbitrateRequest { requested_tree: &[], live_leases: &leases, auto_pick_order: Some(&ladder), ..Default::default() };
            black_box(arbitrate(&req, &cfg, &mut NoHooks).unwrap().acquire)
        })
    });
    let req = concat!(
        r#"{"abi":1,"op":"arbiter.arbitrate","config":{"lanes":{"concurrent":["frontend","backend"],"#,
        r#""exclusive":["release","global"],"autopick":["frontend","backend"],"trees":{"frontend":["app/**/*","#,
        r#""web/**/*","ui/**/*","docs/UI-*"],"backend":["service/**/*","api/**/*","worker/**/*","docs/SVC-*"],"#,
        r#""release":["deploy/**/*",".github/workflows/**/*","docs/REL-*","**/VERSION"],"global":["**/*"]}},"#,
        r#""workspace_facts":{"root":"/ws","kernel_runtime_files":[]}},"args":{"requested_lane":"frontend","#,
        r#""requested_kind":"cluster","requested_tree":["app/**/*","web/**/*","ui/**/*","docs/UI-*"],"#,
        r#""live_leases":[{"lane":"backend","lane_kind":"cluster","tree":["service/**/*","api/**/*","#,
        r#""worker/**/*","docs/SVC-*"]}]}}"#
    );
    c.bench_function("envelope arbiter.arbitrate (inline workshop config)", |b| b.iter(|| dos_ops::call(black_box(req.as_bytes()))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
