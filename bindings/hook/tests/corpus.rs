//! Replays the hook parity corpus (tests/hook/corpus.jsonl, generated from
//! the reference's `dos hook <verb>`) against the built `dos-hook`: exit
//! codes, stdout bytes (prose fields carry the recorded facts, everything
//! else equal) and the durable records each case leaves behind. A case may
//! put directories where files should be (`dirs`: unreadable files).

use dos_core::pyjson::{self, Dict, Options, Value};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CLEARED: [&str; 8] = [
    "DOS_LOOP",
    "CID_RUN_ID",
    "DISPATCH_WORKSPACE",
    "DISPATCH_LOOP_TS",
    "DISPATCH_HOST_ID",
    "DISPATCH_LANE_JOURNAL_PATH",
    "JOB_LANE_JOURNAL_PATH",
    "DOS_HOOK_NATIVE",
];
const RUNTIME: [&str; 11] = [
    "arbiter",
    "admission",
    "self_modify",
    "lane_overlap",
    "_tree",
    "gate_classify",
    "loop_decide",
    "tokens",
    "wedge_reason",
    "reasons",
    "config",
];

pub fn corpus_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/hook/corpus.jsonl")
}

pub fn fill(text: &str, ws: &str) -> String {
    let now = dos_io::boundary::host::now_ms();
    let iso = |ms: i64| dos_core::pytime::iso_seconds(ms);
    text.replace("{now}", &iso(now))
        .replace("{ago10}", &iso(now - 600_000))
        .replace("{ago120}", &iso(now - 7_200_000))
        .replace("{host}", &dos_io::boundary::host::hostname())
        .replace("{ws}", ws)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::List(l)) => l.clone(),
        _ => Vec::new(),
    }
}

pub struct Workspace {
    pub tmp: PathBuf,
    pub ws: String,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }
}

pub fn build(case: &Dict, tag: &str) -> Workspace {
    let base = fs::canonicalize(std::env::temp_dir()).unwrap();
    let tmp = base.join(format!("hookrep-{}-{}-{}", std::process::id(), tag, s(case.get("name").unwrap())));
    let _ = fs::remove_dir_all(&tmp);
    let wsp = tmp.join("ws");
    fs::create_dir_all(wsp.join("docs")).unwrap();
    fs::write(wsp.join("docs/notes.md"), "notes\n").unwrap();
    let ws = wsp.to_str().unwrap().to_string();
    if matches!(case.get("runtime"), Some(Value::Bool(true))) {
        fs::create_dir_all(wsp.join("src/dos")).unwrap();
        for r in RUNTIME {
            fs::write(wsp.join(format!("src/dos/{r}.py")), "# runtime\n").unwrap();
        }
    }
    if let Some(Value::Dict(files)) = case.get("files") {
        for (rel, text) in files.iter() {
            let p = wsp.join(rel.as_str().unwrap());
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, fill(s(text), &ws)).unwrap();
        }
    }
    // A directory where a file should be: an unreadable file.
    for rel in list(case.get("dirs")) {
        fs::create_dir_all(wsp.join(s(&rel))).unwrap();
    }
    Workspace { tmp, ws }
}

pub fn args_of(case: &Dict, ws: &str) -> Vec<String> {
    let args: Vec<String> = list(case.get("args")).iter().map(|a| fill(s(a), ws)).collect();
    let mut out = vec![s(case.get("verb").unwrap()).to_string()];
    if !args.iter().any(|a| a == "-w" || a == "--workspace" || a.starts_with("--workspace=")) {
        out.push("--workspace".into());
        out.push(ws.to_string());
    }
    out.extend(args);
    out
}

pub fn env_of(case: &Dict, ws: &str) -> Vec<(String, String)> {
    match case.get("env") {
        Some(Value::Dict(e)) => e.iter().map(|(k, v)| (k.as_str().unwrap().to_string(), fill(s(v), ws))).collect(),
        _ => Vec::new(),
    }
}

fn run(bin: &str, args: &[String], env: &[(String, String)], stdin: &[u8], cwd: &Path) -> (i32, Vec<u8>) {
    let mut c = Command::new(bin);
    c.args(args).current_dir(cwd).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    for k in CLEARED {
        c.env_remove(k);
    }
    c.env("DOS_HOOK_METRICS", "0");
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// Check the facts of each prose field, then blank it, so the rest compares exactly.
fn blank_prose(v: &mut Value, path: &str, prose: &Dict, errs: &mut Vec<String>) {
    if let Value::Dict(d) = v {
        let keys: Vec<String> = d.iter().map(|(k, _)| k.as_str().unwrap().to_string()).collect();
        for k in keys {
            let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            if let Some(facts) = prose.get(&p) {
                if let Some(Value::Str(text)) = d.get(&k) {
                    let text = text.as_str().unwrap_or("").to_string();
                    for f in list(Some(facts)) {
                        if !text.contains(s(&f)) {
                            errs.push(format!("{p}: fact {:?} missing from {:?}", s(&f), text));
                        }
                    }
                    d.insert(k.as_str(), Value::str("<prose>"));
                }
            } else if let Some(child) = d.get(&k).cloned() {
                let mut c = child;
                blank_prose(&mut c, &p, prose, errs);
                d.insert(k.as_str(), c);
            }
        }
    }
}

fn canon(v: &Value) -> String {
    pyjson::dumps_string(v, Options::SORTED_ASCII).unwrap_or_default()
}

fn empty() -> Dict {
    Dict::new()
}

/// Compare one case; returns the mismatches.
pub fn check_case(bin: &str, case: &Dict, tag: &str) -> Vec<String> {
    let w = build(case, tag);
    let before = snapshot(Path::new(&w.ws));
    let args = args_of(case, &w.ws);
    let env = env_of(case, &w.ws);
    let mut errs = Vec::new();
    let expected = list(case.get("expected"));
    for (i, stdin) in list(case.get("steps")).iter().enumerate() {
        let input = fill(s(stdin), &w.ws);
        let (code, out) = run(bin, &args, &env, input.as_bytes(), &w.tmp);
        let exp = expected[i].as_dict().unwrap();
        // A documented divergence may name dos-hook's own exit code.
        let want_exit = match case.get("native_exit").or(exp.get("exit")) {
            Some(Value::Int(n)) => n.as_i64().unwrap_or(-9) as i32,
            _ => -9,
        };
        if code != want_exit {
            errs.push(format!("step {i}: exit {code}, want {want_exit}"));
        }
        if case.get("divergence").is_some() {
            continue;
        }
        let ours = String::from_utf8_lossy(&out).replace(&w.ws, "{ws}");
        let want = s(exp.get("stdout").unwrap());
        if want.is_empty() || ours.is_empty() {
            if want != ours {
                errs.push(format!("step {i}: stdout {ours:?}, want {want:?}"));
            }
            continue;
        }
        if !ours.ends_with('\n') || ours.trim_end_matches('\n').contains('\n') {
            errs.push(format!("step {i}: stdout is not one line: {ours:?}"));
        }
        let prose = exp.get("prose").and_then(Value::as_dict).cloned().unwrap_or_else(empty);
        let (Ok(mut a), Ok(mut b)) = (pyjson::parse_str(ours.trim_end()), pyjson::parse_str(want.trim_end())) else {
            errs.push(format!("step {i}: stdout not JSON: {ours:?}"));
            continue;
        };
        if canon(&a) != ours.trim_end() {
            errs.push(format!("step {i}: stdout is not json.dumps(sort_keys=True) bytes: {ours:?}"));
        }
        blank_prose(&mut a, "", &prose, &mut errs);
        let mut sink = Vec::new();
        blank_prose(&mut b, "", &prose, &mut sink);
        if canon(&a) != canon(&b) {
            errs.push(format!("step {i}: stdout\n  ours {}\n  want {}", canon(&a), canon(&b)));
        }
    }
    // Durable records.
    let after = snapshot(Path::new(&w.ws));
    if case.get("divergence").is_some() {
        return errs;
    }
    let durable = case.get("durable").and_then(Value::as_dict).cloned().unwrap_or_else(empty);
    for (rel, lines) in durable.iter() {
        let rel = rel.as_str().unwrap();
        let Some(bytes) = after.get(rel) else {
            errs.push(format!("durable {rel}: not written"));
            continue;
        };
        let prior = before.get(rel).map(Vec::as_slice).unwrap_or(&[]);
        let bytes = if !prior.is_empty() && bytes.starts_with(prior) { &bytes[prior.len()..] } else { &bytes[..] };
        let text = String::from_utf8_lossy(bytes).replace(&w.ws, "{ws}");
        let ours: Vec<&str> = text.lines().collect();
        let want = list(Some(lines));
        if ours.len() != want.len() {
            errs.push(format!("durable {rel}: {} lines, want {}", ours.len(), want.len()));
            continue;
        }
        for (j, (o, w)) in ours.iter().zip(want.iter()).enumerate() {
            let w = w.as_dict().unwrap();
            let Some(wrec) = w.get("record") else {
                if s(w.get("raw").unwrap_or(&Value::Null)) != *o {
                    errs.push(format!("durable {rel}:{j}: raw line differs"));
                }
                continue;
            };
            let Ok(mut orec) = pyjson::parse_str(o) else {
                errs.push(format!("durable {rel}:{j}: not JSON: {o}"));
                continue;
            };
            if pyjson::dumps_string(&orec, Options::SORTED_UTF8).ok().as_deref() != Some(*o) {
                errs.push(format!("durable {rel}:{j}: line is not json.dumps(sort_keys, ensure_ascii=False)"));
            }
            if let Value::Dict(d) = &mut orec {
                if d.get("ts").is_some() {
                    d.insert("ts", Value::str("<ts>"));
                }
            }
            let prose = w.get("prose").and_then(Value::as_dict).cloned().unwrap_or_else(empty);
            let mut wrec = wrec.clone();
            blank_prose(&mut orec, "", &prose, &mut errs);
            let mut sink = Vec::new();
            blank_prose(&mut wrec, "", &prose, &mut sink);
            if canon(&orec) != canon(&wrec) {
                errs.push(format!("durable {rel}:{j}:\n  ours {}\n  want {}", canon(&orec), canon(&wrec)));
            }
        }
    }
    for rel in after.keys() {
        let new = before.get(rel) != after.get(rel);
        let ours_only = !durable.iter().any(|(k, _)| k.as_str() == Some(rel.as_str()));
        let allowed =
            rel.starts_with(".dos/metrics/") || Path::new(rel).file_name().is_some_and(|n| n.to_string_lossy().ends_with(".fold"));
        if new && ours_only && !allowed {
            errs.push(format!("durable {rel}: written by us, not by the reference"));
        }
    }
    errs
}

fn snapshot(ws: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![ws.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = fs::read(&p) {
                out.insert(p.strip_prefix(ws).unwrap().to_string_lossy().into_owned(), b);
            }
        }
    }
    out
}

pub fn load() -> Vec<Dict> {
    let text = fs::read_to_string(corpus_path()).expect("tests/hook/corpus.jsonl (run tests/hook/gen_corpus.py)");
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| pyjson::parse_str(l).unwrap().as_dict().unwrap().clone()).collect()
}

#[test]
fn corpus_replays() {
    let bin = env!("CARGO_BIN_EXE_dos-hook");
    let cases = load();
    assert!(cases.len() > 100, "corpus too small");
    let mut failed = Vec::new();
    for c in &cases {
        let errs = check_case(bin, c, "bin");
        if !errs.is_empty() {
            failed.push(format!("{}:\n    {}", s(c.get("name").unwrap()), errs.join("\n    ")));
        }
    }
    assert!(failed.is_empty(), "{} of {} cases differ:\n{}", failed.len(), cases.len(), failed.join("\n"));
}

/// The C host (bindings/c/examples/dos_hook.c over `dos_hook_run`) prints
/// the same bytes and exits the same way as dos-hook on every corpus case.
/// Runs when `DOS_HOOK_C_BIN` names the built C binary (`make test-c`).
#[test]
fn c_host_matches_dos_hook() {
    let Ok(c_bin) = std::env::var("DOS_HOOK_C_BIN") else { return };
    let bin = env!("CARGO_BIN_EXE_dos-hook");
    let mut failed = Vec::new();
    let cases = load();
    for c in &cases {
        let (wa, wb) = (build(c, "rs"), build(c, "c"));
        let (aa, ab) = (args_of(c, &wa.ws), args_of(c, &wb.ws));
        let (ea, eb) = (env_of(c, &wa.ws), env_of(c, &wb.ws));
        for stdin in list(c.get("steps")) {
            let (ia, ib) = (fill(s(&stdin), &wa.ws), fill(s(&stdin), &wb.ws));
            let (ca, oa) = run(bin, &aa, &ea, ia.as_bytes(), &wa.tmp);
            let (cb, ob) = run(&c_bin, &ab, &eb, ib.as_bytes(), &wb.tmp);
            let (oa, ob) = (String::from_utf8_lossy(&oa).replace(&wa.ws, "{ws}"), String::from_utf8_lossy(&ob).replace(&wb.ws, "{ws}"));
            if ca != cb || oa != ob {
                failed.push(format!("{}: rust ({ca}) {oa:?} / c ({cb}) {ob:?}", s(c.get("name").unwrap())));
            }
        }
    }
    assert!(failed.is_empty(), "{} cases differ:\n{}", failed.len(), failed.join("\n"));
}
