#![allow(clippy::disallowed_methods)] // the test reads the sources it checks
//! dos-core is the pure layer: no file, clock, environment, process, thread
//! or network access, in its code or its dependencies. This test fails the
//! build the moment any appears; `core/clippy.toml` refuses the same calls at
//! lint time. I/O belongs in `dos-io` (core/io).

use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::env",
    "std::process",
    "std::net",
    "std::thread",
    "std::os",
    "SystemTime",
    "Instant",
    "libc",
    "File::",
    "OpenOptions",
    "env!(\"HOME",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_pure_layer_touches_no_file_clock_environment_or_process() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found only {} source files under {}", files.len(), src.display());
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in FORBIDDEN {
                if code.contains(bad) {
                    found.push(format!("{}:{}: {bad}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "I/O in the pure layer (move it to dos-io):\n{}", found.join("\n"));
}

#[test]
fn the_pure_layer_depends_on_no_system_crate() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
    for bad in ["libc", "nix", "rustix", "tempfile", "dos-io", "dos-ops"] {
        assert!(!deps.lines().any(|l| l.trim_start().starts_with(bad)), "dos-core must not depend on {bad}");
    }
}
