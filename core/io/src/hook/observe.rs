//! The hook observation log (`<workspace>/.dos/metrics/observations.jsonl`,
//! one `hook-observation/1` record per call; `DOS_HOOK_METRICS=0` turns it
//! off, `--debug` forces it on) and the `stats` verb that folds it, in the
//! shapes the Go binary bundled with the reference writes and prints (the
//! plugin's stats skill reads them). The reference's Python verbs neither
//! write nor read this file.

use super::{env, now_iso, Flags, Outcome};
use crate::boundary::host;
use dos_core::pyjson::{self, Dict, Options, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

/// What one call did, for the observation log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Note {
    pub outcome: &'static str,
    pub rung: &'static str,
    pub reason_class: String,
    pub tree_known: Option<bool>,
    pub stream_state: Option<&'static str>,
    pub marker: Option<(u64, u64)>,
    pub dialect: Option<String>,
}

fn log_path(workspace: Option<&str>) -> Option<PathBuf> {
    let root = crate::boundary::resolve_workspace_root(workspace.filter(|w| !w.is_empty())).ok()?;
    Some(PathBuf::from(root).join(".dos").join("metrics").join("observations.jsonl"))
}

fn ms_value(ms: f64) -> Value {
    let r = (ms * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        Value::int(r as i64)
    } else {
        Value::Float(r)
    }
}

/// Append one observation for a finished call (best effort, no fsync: it is
/// telemetry, not a decision record).
pub fn record(argv: &[String], out: &Outcome, elapsed: std::time::Duration, panicked: bool) {
    let Some(verb) = argv.first() else { return };
    if verb == "stats" {
        return;
    }
    let flags = super::parse_flags(&argv[1..]);
    let metrics_off = env("DOS_HOOK_METRICS").is_some_and(|v| v == "0");
    if metrics_off && !flags.debug {
        return;
    }
    let Some(path) = log_path(flags.workspace.as_deref()) else { return };
    let n = &out.note;
    let mut d = Dict::with_capacity(12);
    d.push("schema", super::schema_tag("hook-observation"));
    d.push("op", Value::str("OBSERVE"));
    d.push("verb", Value::str(verb));
    d.push("exit", Value::int(out.exit as i64));
    d.push("latency_ms", ms_value(elapsed.as_secs_f64() * 1000.0));
    d.push("outcome", Value::str(if panicked || n.outcome.is_empty() { "passthrough" } else { n.outcome }));
    d.push("ts", Value::str(now_iso()));
    if !n.rung.is_empty() && n.rung != "none" {
        d.push("rung", Value::str(n.rung));
    }
    if !n.reason_class.is_empty() {
        d.push("reason_class", Value::str(&n.reason_class));
    }
    if let Some(t) = n.tree_known.filter(|_| n.rung == "admission") {
        d.push("tree_known", Value::Bool(t));
    }
    if let Some(dl) = &n.dialect {
        d.push("dialect", Value::str(dl));
    }
    if let Some(s) = n.stream_state {
        d.push("stream_state", Value::str(s));
    }
    if let Some((c, m)) = n.marker {
        d.push("marker_count", Value::int(c.min(i64::MAX as u64) as i64));
        d.push("max_markers", Value::int(m.min(i64::MAX as u64) as i64));
    }
    if let Some(r) = env("CID_RUN_ID").filter(|r| !r.is_empty()) {
        d.push("run_id", Value::str(r));
    }
    if panicked {
        d.push("panic_recovered", Value::Bool(true));
    }
    let Ok(mut line) = pyjson::dumps(&Value::Dict(d), Options::SORTED_UTF8) else { return };
    line.push(b'\n');
    if let Some(dir) = path.parent() {
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
    }
    if let Ok(mut f) = crate::boundary::wsfile::open_append(&path, 0o644, false) {
        let _ = f.write_all(&line);
    }
}

/// A Go duration (`90s`, `1h30m`, `250ms`) in milliseconds.
fn go_duration_ms(s: &str) -> Option<i64> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let mult = match &rest[..unit_len] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += n * mult;
        rest = &rest[unit_len..];
    }
    Some(total as i64)
}

#[derive(Default)]
struct Tally {
    total: i64,
    maps: BTreeMap<&'static str, BTreeMap<String, i64>>,
    delegates: i64,
    panics: i64,
    stop_blocks: i64,
    marker_allow: i64,
    marker_refuse: i64,
    latency: BTreeMap<String, Vec<f64>>,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => s.as_str().map(str::to_string),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(format!("{f}")),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Value::int(x as i64)
    } else {
        Value::Float(x)
    }
}

/// The `stats` verb: fold the observation log.
pub fn stats(out: &mut Outcome, flags: &Flags) {
    let Some(path) = log_path(flags.workspace.as_deref()) else { return };
    let root = path.parent().and_then(|p| p.parent()).and_then(|p| p.parent()).map(|p| p.display().to_string()).unwrap_or_default();
    let since = flags.since.as_deref().and_then(go_duration_ms).map(|ms| dos_core::pytime::iso_seconds(host::now_ms() - ms));
    let mut t = Tally::default();
    // Streamed in bounded memory; a log that is not a regular file is no log.
    let file = crate::boundary::wsfile::open_read(&path).ok();
    let mut fold = |piece: &[u8]| {
        for line in piece.split(|&c| c == b'\n') {
            let Ok(Value::Dict(r)) = pyjson::parse(line) else { continue };
            if r.get("op").and_then(Value::as_str) != Some("OBSERVE") {
                continue;
            }
            if let (Some(s), Some(ts)) = (&since, r.get("ts").and_then(Value::as_str)) {
                if ts < s.as_str() {
                    continue;
                }
            }
            t.total += 1;
            for (key, field) in [
                ("by_verb", "verb"),
                ("by_outcome", "outcome"),
                ("by_exit", "exit"),
                ("by_rung", "rung"),
                ("by_reason_class", "reason_class"),
                ("by_dialect", "dialect"),
                ("by_stream_state", "stream_state"),
                ("by_verify_source", "verify_source"),
            ] {
                if let Some(v) = r.get(field).and_then(text_of).filter(|v| !v.is_empty()) {
                    *t.maps.entry(key).or_default().entry(v).or_default() += 1;
                }
            }
            let outcome = r.get("outcome").and_then(Value::as_str).unwrap_or("");
            let verb = r.get("verb").and_then(Value::as_str).unwrap_or("").to_string();
            match outcome {
                "delegate" => t.delegates += 1,
                "allow" if verb == "marker" => t.marker_allow += 1,
                "refuse" if verb == "marker" => t.marker_refuse += 1,
                "block" if verb == "stop" => t.stop_blocks += 1,
                _ => {}
            }
            if matches!(r.get("panic_recovered"), Some(Value::Bool(true))) {
                t.panics += 1;
            }
            let ms = match r.get("latency_ms") {
                Some(Value::Int(i)) => i.as_i64().map(|i| i as f64),
                Some(Value::Float(f)) => Some(*f),
                _ => None,
            };
            if let Some(ms) = ms {
                t.latency.entry(verb).or_default().push(ms);
            }
        }
    };
    let read = file.as_ref().and_then(|f| crate::boundary::wsfile::stream_lines(f, 0, &mut fold).ok());
    if let Some(rest) = &read {
        fold(&rest.bytes);
    }
    let bytes = read.map(|_| ());
    let lat: BTreeMap<String, [f64; 5]> = t
        .latency
        .iter_mut()
        .map(|(verb, xs)| {
            xs.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
            let n = xs.len();
            let rank = |p: f64| xs[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
            let mean = xs.iter().sum::<f64>() / n as f64;
            (verb.clone(), [n as f64, round2(mean), round2(rank(0.5)), round2(rank(0.95)), round2(xs[n - 1])])
        })
        .collect();
    if flags.json {
        let mut d = Dict::new();
        for key in ["by_verb", "by_outcome", "by_exit"] {
            t.maps.entry(key).or_default();
        }
        for (k, m) in &t.maps {
            let mut md = Dict::new();
            for (a, b) in m {
                md.push(a.as_str(), Value::int(*b));
            }
            d.push(*k, Value::Dict(md));
        }
        d.push("total_observations", Value::int(t.total));
        d.push("delegates", Value::int(t.delegates));
        d.push("panics_recovered", Value::int(t.panics));
        d.push("stop_blocks", Value::int(t.stop_blocks));
        d.push("marker_allow", Value::int(t.marker_allow));
        d.push("marker_refuse", Value::int(t.marker_refuse));
        if !lat.is_empty() {
            let mut ld = Dict::new();
            for (verb, [n, mean, p50, p95, max]) in &lat {
                let mut e = Dict::new();
                e.push("n", num(*n));
                e.push("mean", num(*mean));
                e.push("p50", num(*p50));
                e.push("p95", num(*p95));
                e.push("max", num(*max));
                ld.push(verb.as_str(), Value::Dict(e));
            }
            d.push("latency_ms_by_verb", Value::Dict(ld));
        }
        if let Ok(mut b) = pyjson::dumps(&Value::Dict(d), Options::SORTED_ASCII) {
            b.push(b'\n');
            out.stdout = b;
        }
        return;
    }
    let mut s = format!("dos-hook stats \u{2014} {root}\n");
    if bytes.is_none() {
        let _ = writeln!(s, "  (no observations yet at {})", path.display());
        s.push_str("  every hook call appends one record once the binary runs; DOS_HOOK_METRICS=0 turns that off.\n");
        out.stdout = s.into_bytes();
        return;
    }
    let row = |s: &mut String, label: &str, key: &str, t: &Tally| {
        if let Some(m) = t.maps.get(key).filter(|m| !m.is_empty()) {
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(s, "  {label:<13} {}", parts.join("  "));
        }
    };
    let _ = writeln!(s, "  {:<13}  {}", "observations", t.total);
    row(&mut s, "by verb", "by_verb", &t);
    row(&mut s, "by outcome", "by_outcome", &t);
    row(&mut s, "by exit code", "by_exit", &t);
    row(&mut s, "pretool rung", "by_rung", &t);
    row(&mut s, "reason class", "by_reason_class", &t);
    row(&mut s, "dialect", "by_dialect", &t);
    row(&mut s, "stream state", "by_stream_state", &t);
    row(&mut s, "verify source", "by_verify_source", &t);
    let _ = writeln!(s, "  {:<13} {}  (native declined \u{2192} Python)", "delegates", t.delegates);
    let _ = writeln!(s, "  {:<13} {}  (false-done refusals)", "stop blocks", t.stop_blocks);
    let _ = writeln!(s, "  {:<13} {} allow / {} refuse", "marker budget", t.marker_allow, t.marker_refuse);
    if t.panics > 0 {
        let _ = writeln!(s, "  {:<13} {}", "panics", t.panics);
    }
    if !lat.is_empty() {
        let _ = writeln!(s, "  {:<13} {:<12}{:>5}{:>9}{:>7}{:>7}{:>7}", "latency (ms)", "verb", "n", "mean", "p50", "p95", "max");
        for (verb, [n, mean, p50, p95, max]) in &lat {
            let _ = writeln!(s, "  {:<13} {:<14}{:>5}{:>8.2}{:>7.2}{:>7.2}{:>7.2}", "", verb, *n as i64, mean, p50, p95, max);
        }
    }
    out.stdout = s.into_bytes();
}
