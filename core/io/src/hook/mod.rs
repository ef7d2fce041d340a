//! The agent-host hook verbs (`dos hook <verb>`): argument scan, stdin,
//! workspace and config, the deciders, the durable appends and the host
//! dialect bytes. This is boundary code (files, environment, clock); the
//! decisions are the pure deciders'.
//!
//! Exit codes: 0 when the call is handled (nothing, or one JSON line on
//! stdout); 3 hands the call back to the Python verb, and only before stdin
//! is read. Nothing here ever yields 2, and any internal failure is exit 0
//! with nothing on stdout.

mod help_cache;
pub mod observe;

use crate::boundary::{self, host, journal, store::Store, wsfile};
use dos_core::config::{Preset, SubstrateConfig};
use dos_core::deciders::admission::Lease;
use dos_core::deciders::hook_dialect::{self as dialect, Moment};
use dos_core::deciders::marker_gate;
use dos_core::deciders::posttool_sensor;
use dos_core::deciders::pretool_sensor::{self as pre, HelpCount, PreDecision};
use dos_core::deciders::pyvalue::py_str;
use dos_core::deciders::tool_stream::{classify_stream, StreamState, StreamStep};
use dos_core::journal::codec::{decode_lines, Decoded};
use dos_core::journal::records::enforce_entry;
use dos_core::pyjson::{self, Dict, Options, Str, Value};
use dos_core::pystr;
use dos_core::pytime;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit code: handled.
pub const EXIT_OK: i32 = 0;
/// Exit code: hand the call back to the Python verb (stdin untouched).
pub const EXIT_DELEGATE: i32 = 3;

/// The usage line printed (to stderr) when no verb is given.
pub const USAGE: &str = "usage: dos-hook <pretool|posttool|marker|stats|stop> [--workspace DIR] [--session-id ID] \
[--dialect NAME] [--max-markers N] [--loop] [--reset] [--json] [--debug]";

/// What one hook call produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub exit: i32,
    pub stdout: Vec<u8>,
    /// Diagnostics (written to stderr by the binary).
    pub stderr: Vec<u8>,
    /// Whether stdin was read.
    pub read_stdin: bool,
    /// For the observation log: what happened.
    pub note: observe::Note,
}

/// The flags the verbs read. Unknown flags and stray words are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub workspace: Option<String>,
    pub session_id: Option<String>,
    pub dialect: Option<String>,
    /// `--max-markers`: `Some(Ok(n))`, or `Some(Err(()))` for a value that is
    /// not an integer or is negative.
    pub max_markers: Option<Result<u64, ()>>,
    pub loop_flag: bool,
    pub reset: bool,
    pub json: bool,
    pub debug: bool,
    pub handler: Option<String>,
    pub driver: Option<String>,
    pub job: bool,
    pub since: Option<String>,
    /// Stop flags that the native path does not own.
    pub stop_advanced: bool,
}

const VALUE_FLAGS: [&str; 11] = [
    "--workspace",
    "-w",
    "--session-id",
    "--dialect",
    "--max-markers",
    "--handler",
    "--driver",
    "--since",
    "--transcript",
    "--plan",
    "--phase",
];

/// Scan the arguments after the verb.
pub fn parse_flags(args: &[String]) -> Flags {
    let mut f = Flags::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a, None),
        };
        let value = |i: &mut usize| -> Option<String> {
            if let Some(v) = inline.clone() {
                return Some(v);
            }
            let v = args.get(*i).cloned();
            if v.is_some() {
                *i += 1;
            }
            v
        };
        match name {
            "--workspace" | "-w" => f.workspace = value(&mut i),
            "--session-id" => f.session_id = value(&mut i),
            "--dialect" => f.dialect = value(&mut i),
            "--handler" => f.handler = value(&mut i),
            "--driver" => f.driver = value(&mut i),
            "--since" => f.since = value(&mut i),
            "--max-markers" => {
                f.max_markers = value(&mut i)
                    .map(|v| pystr::strip(&v).parse::<i128>().ok().filter(|n| *n >= 0).map(|n| n.min(u64::MAX as i128) as u64).ok_or(()))
            }
            "--transcript" | "--plan" | "--phase" => {
                let _ = value(&mut i);
                f.stop_advanced = true;
            }
            "--strict" | "--force" => f.stop_advanced = true,
            "--loop" => f.loop_flag = true,
            "--reset" => f.reset = true,
            "--json" => f.json = true,
            "--debug" => f.debug = true,
            "--job" => f.job = true,
            _ => {
                let _ = VALUE_FLAGS;
            }
        }
    }
    f
}

pub(crate) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn env_or_empty(name: &str) -> String {
    env(name).unwrap_or_default()
}

struct Ctx {
    verb: String,
    flags: Flags,
    out: Outcome,
}

impl Ctx {
    fn dbg(&mut self, msg: impl AsRef<str>) {
        if self.flags.debug {
            let _ = writeln!(self.out.stderr, "[dos-hook {}] {}", self.verb, msg.as_ref());
        }
    }

    fn emit(&mut self, doc: &Value) {
        match pyjson::dumps(doc, Options::SORTED_ASCII) {
            Ok(mut b) => {
                b.push(b'\n');
                self.out.stdout = b;
            }
            Err(_) => self.dbg("could not encode the output; emitting nothing"),
        }
    }
}

/// Whether `DOS_HOOK_NATIVE` opts out of the native path.
pub fn native_disabled() -> bool {
    env("DOS_HOOK_NATIVE").is_some_and(|v| pystr::strip(&v) == "0")
}

/// Run one hook call. `argv` is the arguments after the program name (the
/// verb first); `stdin` is called at most once, and only when the verb
/// owns the call.
pub fn run(argv: &[String], stdin: &mut dyn FnMut() -> Vec<u8>) -> Outcome {
    let mut cx = match preflight(argv) {
        Ok(cx) => cx,
        Err(done) => return done,
    };
    let raw = stdin();
    cx.out.read_stdin = true;
    let event = parse_event(&raw);
    match cx.verb.as_str() {
        "pretool" => pretool(&mut cx, event),
        "posttool" => posttool(&mut cx, event),
        _ => marker(&mut cx, event),
    }
    cx.out
}

/// Whether a call with these arguments reads stdin (false: it finishes, or
/// hands the call back, without it).
pub fn wants_stdin(argv: &[String]) -> bool {
    preflight(argv).is_ok()
}

/// Everything decided before stdin: `Err` holds the finished outcome.
// The outcome is built once per process; boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn preflight(argv: &[String]) -> Result<Ctx, Outcome> {
    let Some(verb) = argv.first() else {
        let mut o = Outcome::default();
        o.stderr.extend_from_slice(USAGE.as_bytes());
        o.stderr.push(b'\n');
        return Err(o);
    };
    let flags = parse_flags(&argv[1..]);
    let cx = Ctx { verb: verb.clone(), flags, out: Outcome::default() };
    let delegate = |mut cx: Ctx, why: &str| {
        cx.dbg(format!("{why}: handing the call back to the Python verb (exit 3)"));
        cx.out.exit = EXIT_DELEGATE;
        cx.out.note.outcome = "delegate";
        Err(cx.out)
    };
    if native_disabled() {
        return delegate(cx, "DOS_HOOK_NATIVE=0");
    }
    let known = matches!(verb.as_str(), "pretool" | "posttool" | "marker" | "stats" | "stop");
    if !known {
        return delegate(cx, "unknown verb");
    }
    if verb == "stop" {
        return delegate(cx, "stop is verified by the Python verb");
    }
    if cx.flags.driver.is_some() || cx.flags.job {
        return delegate(cx, "--driver/--job select another base config");
    }
    if verb == "pretool" && cx.flags.handler.as_deref().is_some_and(|h| !h.is_empty() && h != "observe") {
        return delegate(cx, "a --handler other than observe");
    }
    if verb == "stats" {
        let mut cx = cx;
        observe::stats(&mut cx.out, &cx.flags);
        return Err(cx.out);
    }
    Ok(cx)
}

/// stdin as the reference reads it: strict UTF-8 (else nothing), blank →
/// nothing, JSON that is not an object → nothing.
pub fn parse_event(raw: &[u8]) -> Dict {
    let Ok(text) = std::str::from_utf8(raw) else { return Dict::new() };
    if pystr::strip(text).is_empty() {
        return Dict::new();
    }
    match pyjson::parse_str(text) {
        Ok(Value::Dict(d)) => d,
        _ => Dict::new(),
    }
}

/// The workspace: the flag › the event's `cwd` › `$DISPATCH_WORKSPACE` › cwd.
fn load_config(cx: &mut Ctx, event: &Dict) -> Option<SubstrateConfig> {
    let explicit = match cx.flags.workspace.clone().filter(|w| !w.is_empty()) {
        Some(w) => Some(w),
        None => match event.get("cwd") {
            Some(Value::Str(s)) => s.as_str().filter(|c| !c.is_empty()).map(str::to_string),
            _ => None,
        },
    };
    match boundary::load_workspace_config(explicit.as_deref(), Preset::Generic) {
        Ok(l) => {
            for w in &l.warnings {
                cx.dbg(format!("dos.toml: {w:?}"));
            }
            Some(l.config)
        }
        Err(e) => {
            cx.dbg(format!("no workspace config ({e:?}); emitting nothing"));
            None
        }
    }
}

// ------------------------------------------------------------------ pretool

fn pretool(cx: &mut Ctx, event: Dict) {
    if event.is_empty() {
        return cx.dbg("no event on stdin; passthrough");
    }
    if !pre::is_pre_event(&event) {
        return cx.dbg("not a PreToolUse event; passthrough");
    }
    let Some(cfg) = load_config(cx, &event) else { return };
    // The lease store: the journal file, or PostgreSQL when configured (with
    // short timeouts: a tool call is waiting). A store that cannot be read
    // (an unreadable file, an unreachable server, a bad URL) reads as no
    // live leases, and the call goes on.
    let store = match Store::choose(Some(&cfg), Path::new(&cfg.paths.lane_journal)) {
        Ok(Store::Pg(p)) => Some(Store::Pg(p.with_timeouts(HOOK_PG_TIMEOUT_MS, HOOK_PG_TIMEOUT_MS))),
        Ok(s) => Some(s),
        Err(e) => {
            cx.dbg(format!("no lease store ({e}); reading no live leases"));
            None
        }
    };
    let live = match store.as_ref().map(Store::live_unexpired) {
        Some(Ok(l)) => l,
        Some(Err(e)) => {
            cx.dbg(format!("the lease store cannot be read ({e}); reading no live leases"));
            Vec::new()
        }
        None => Vec::new(),
    };
    let mut leases = Vec::with_capacity(live.len());
    for d in &live {
        match Lease::from_dict(d) {
            Ok(l) => leases.push(l),
            Err(e) => return cx.dbg(format!("a live lease cannot be judged natively ({e}); passthrough")),
        }
    }
    let Some(outcome) = pre::decide(&event, &cfg, &leases) else {
        return cx.dbg("the event cannot be judged natively; passthrough");
    };
    cx.out.note.outcome = outcome.decision.as_str();
    cx.out.note.reason_class = outcome.reason_class.clone();
    cx.out.note.tree_known = Some(outcome.tree_known);
    cx.out.note.rung = outcome.rung;
    cx.dbg(format!("rung={} decision={} reason_class={}", outcome.rung, outcome.decision.as_str(), outcome.reason_class));
    if outcome.decision == PreDecision::Passthrough {
        return;
    }
    let path = match &store {
        Some(Store::File(f)) => Some(f.journal.clone()),
        _ => None,
    };
    let text = |k: &str| match event.get(k) {
        Some(v) if v.truthy() => py_str(v),
        _ => Some(String::new()),
    };
    let holder = text("session_id");
    let tool = text("tool_name");
    if let (Some(holder), Some(tool)) = (&holder, &tool) {
        let lane = if tool.is_empty() { "tool".to_string() } else { tool.clone() };
        let entry = enforce_entry(
            &pre::enforce_proposal(&outcome),
            &Value::str(holder),
            &Value::str(lane),
            &Value::str(env_or_empty("DISPATCH_LOOP_TS")),
            &Value::str(env_or_empty("DISPATCH_HOST_ID")),
            &Value::str(env_or_empty("CID_RUN_ID")),
            &Value::str(tool),
        );
        let appended = match (&store, &path) {
            (Some(Store::Pg(p)), _) => p.append(&entry).map(drop).map_err(|e| e.to_string()),
            (_, Some(path)) => journal::append(path, &entry, &pytime::iso_seconds(host::now_ms())).map(drop).map_err(|e| e.to_string()),
            _ => Err("no lease store".to_string()),
        };
        if let Err(e) = appended {
            cx.dbg(format!("OP_ENFORCE append failed ({e}); the outcome still stands"));
        }
    }
    let mut doc = outcome.dialect.clone().unwrap_or(Value::Null);
    if let Some(holder) = &holder {
        let count = match (&store, &path) {
            (Some(Store::Pg(p)), _) => pg_help_count(p, holder),
            (_, Some(path)) => help_count(path, holder),
            _ => HelpCount::default(),
        };
        if pre::should_nudge(count.total) {
            doc = pre::append_additional_context(&doc, &pre::nudge_line(&count));
        }
    }
    cx.out.note.dialect = Some(cx.flags.dialect.clone().filter(|d| !d.is_empty()).unwrap_or_else(|| "claude-code".into()));
    let verdict = dialect::parse_cc(Some(&doc), Moment::Pre);
    match dialect::render(cx.flags.dialect.as_deref(), &verdict) {
        Ok(Some(v)) => cx.emit(&v),
        Ok(None) => {}
        Err(e) => cx.dbg(format!("unknown dialect {:?}; emitting nothing", e.0)),
    }
}

/// Count the ENFORCE records of `holder` in the complete lines of `bytes`
/// (a printable-ASCII holder with no quote or backslash: its JSON text is
/// its raw text, so only lines containing it can count).
pub(crate) fn count_holder_lines(bytes: &[u8], holder: &str, c: &mut HelpCount) {
    let finder = memchr::memmem::Finder::new(holder.as_bytes());
    let mut last_start = usize::MAX;
    for pos in finder.find_iter(bytes) {
        let start = memchr::memrchr(b'\n', &bytes[..pos]).map_or(0, |i| i + 1);
        if start == last_start {
            continue;
        }
        last_start = start;
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        decode_lines(&bytes[start..end], |_, _, d| {
            if let Decoded::Record(r) = d {
                c.add(&r, holder);
            }
        });
    }
}

/// The session's help tally over the whole journal (the ENFORCE records of
/// `holder`, or of everyone when it is empty), as `summarize` counts them.
///
/// Every logical line is judged on its own (a torn or corrupt line is never
/// an ENFORCE record), so only lines that can hold the record need a parse:
/// for a holder written the same way raw and in JSON (printable ASCII, no
/// quote or backslash), the lines that contain it; otherwise every line that
/// mentions `ENFORCE` or holds an escape.
/// The hook's bound on each PostgreSQL connect and statement (a tool call
/// waits on it): an unreachable store costs at most about this long.
pub const HOOK_PG_TIMEOUT_MS: u64 = 1000;

/// [`help_count`] over a PostgreSQL store's ENFORCE records (none when the
/// store cannot be read, as for an unreadable journal file).
pub fn pg_help_count(p: &boundary::pg::PgStore, holder: &str) -> HelpCount {
    let plain = !holder.is_empty() && holder.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    let mut c = HelpCount::default();
    for r in p.enforce_records(if plain { holder } else { "" }).unwrap_or_default() {
        c.add(&r, holder);
    }
    c
}

pub fn help_count(path: &Path, holder: &str) -> HelpCount {
    let plain = !holder.is_empty() && holder.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        return help_cache::count(path, holder);
    }
    let mut c = HelpCount::default();
    let Ok(f) = wsfile::open_read(path) else { return c };
    let enforce = memchr::memmem::Finder::new(b"ENFORCE");
    let mut count = |bytes: &[u8]| {
        for line in bytes.split(|&b| b == b'\n') {
            if enforce.find(line).is_none() && memchr::memchr(b'\\', line).is_none() {
                continue;
            }
            decode_lines(line, |_, _, d| {
                if let Decoded::Record(r) = d {
                    c.add(&r, holder);
                }
            });
        }
    };
    if let Ok(rest) = wsfile::stream_lines(&f, 0, &mut count) {
        count(&rest.bytes);
    }
    c
}

// ------------------------------------------------------------------ sessions

/// `_safe_session_name`: the characters that are alphanumeric (Python's
/// Unicode `isalnum`) or `-`/`_`; `None` when nothing is left.
pub fn safe_session_name(sid: &Str) -> Option<String> {
    let mut out = String::new();
    for cp in sid.code_points() {
        if let Some(c) = char::from_u32(cp) {
            if c == '-' || c == '_' || pystr::is_alnum(c) {
                out.push(c);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The session id: the flag (when non-empty) › the event's; it must be a
/// string that is not blank.
fn session_id(cx: &Ctx, event: &Dict) -> Option<Str> {
    let sid = match cx.flags.session_id.clone().filter(|s| !s.is_empty()) {
        Some(s) => Str::Utf8(s),
        None => match event.get("session_id") {
            Some(Value::Str(s)) => s.clone(),
            _ => return None,
        },
    };
    let blank = sid.code_points().all(|cp| char::from_u32(cp).is_some_and(pystr::is_space));
    (!blank).then_some(sid)
}

/// Append one record as the sensors do: `json.dumps(sort_keys,
/// ensure_ascii=False)` and a newline, one O_APPEND write, fsync.
fn append_record(path: &Path, rec: &Dict) -> std::io::Result<()> {
    let mut line = pyjson::dumps(&Value::Dict(rec.clone()), Options::SORTED_UTF8).map_err(|_| std::io::Error::other("lone surrogate"))?;
    line.push(b'\n');
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut f = wsfile::open_append(path, 0o644, false)?;
    f.write_all(&line)?;
    f.sync_all()
}

/// How much of a session's stream or marker tally is read: the last 8 MiB
/// (tens of thousands of records; a larger file is read from there on).
pub const SESSION_TAIL_CAP: u64 = 8 << 20;

fn read_records(path: &Path, mut f: impl FnMut(&Dict)) {
    let Ok(bytes) = wsfile::read_tail(path, SESSION_TAIL_CAP) else { return };
    decode_lines(&bytes, |_, _, d| {
        if let Decoded::Record(r) = d {
            f(&r);
        }
    });
}

pub(crate) fn now_iso() -> String {
    pytime::iso_seconds(host::now_ms())
}

pub(crate) fn schema_tag(family: &str) -> Value {
    let mut t = Dict::with_capacity(2);
    t.push("family", Value::str(family));
    t.push("version", Value::int(1));
    Value::Dict(t)
}

// ------------------------------------------------------------------ posttool

/// `read_stream`: the readable steps of a session's stream file.
pub fn read_stream(path: &Path) -> Vec<StreamStep> {
    let family = Str::from("tool-stream");
    let mut steps = Vec::new();
    read_records(path, |r| {
        use dos_core::deciders::durable_schema::{classify, Readability};
        let v = classify(r, &family, 1);
        if !matches!(v.readability, Readability::Readable | Readability::Untagged) {
            return;
        }
        let (Some(Value::Str(tool)), Some(Value::Str(args))) = (r.get("tool_name"), r.get("args_digest")) else { return };
        let result = match r.get("result_digest") {
            Some(Value::Str(s)) => Some(s.clone()),
            _ => None,
        };
        steps.push(StreamStep { tool_name: tool.clone(), args_digest: args.clone(), result_digest: result });
    });
    steps
}

fn posttool(cx: &mut Ctx, event: Dict) {
    if event.is_empty() {
        return cx.dbg("no event on stdin; nothing to record");
    }
    let Some(cfg) = load_config(cx, &event) else { return };
    let Some(step) = posttool_sensor::step_from_event(&Value::Dict(event.clone())) else {
        return cx.dbg("no tool_name; nothing to record");
    };
    let Some(sid) = session_id(cx, &event) else {
        return cx.dbg("no session id; no stream to accumulate");
    };
    let Some(safe) = safe_session_name(&sid) else {
        return cx.dbg("the session id has no usable characters; nothing recorded");
    };
    let path = PathBuf::from(cfg.paths.dot_dos()).join("streams").join(format!("{safe}.jsonl"));
    let mut steps = read_stream(&path);
    let index = steps.len();
    steps.push(step.clone());
    let verdict = classify_stream(&steps, &cfg.stream_policy);
    let fired = matches!(verdict.state, StreamState::Repeating | StreamState::Stalled);
    cx.out.note.stream_state = Some(verdict.state.as_str());
    cx.out.note.outcome = if fired { "warn" } else { "passthrough" };
    let mut rec = Dict::with_capacity(9);
    rec.push("schema", schema_tag("tool-stream"));
    rec.push("op", Value::str("STEP"));
    rec.push("tool_name", Value::Str(step.tool_name.clone()));
    rec.push("args_digest", Value::Str(step.args_digest.clone()));
    rec.push("result_digest", step.result_digest.clone().map_or(Value::Null, Value::Str));
    if fired {
        if let Some(run) = env("CID_RUN_ID").filter(|r| !r.is_empty()) {
            rec.push("run_id", Value::str(run));
        }
    }
    rec.push("step_index", Value::int(index as i64));
    if fired {
        rec.push("verdict_state", Value::str(verdict.state.as_str()));
    }
    rec.push("ts", Value::str(now_iso()));
    if let Err(e) = append_record(&path, &rec) {
        return cx.dbg(format!("cannot append to the stream ({e}); emitting nothing"));
    }
    cx.dbg(format!("state={} run={} step_index={index}", verdict.state.as_str(), verdict.repeat_run));
    let Some(payload) = posttool_sensor::warn_payload(&verdict) else { return };
    let v = dialect::parse_cc(Some(&payload), Moment::Post);
    match dialect::render(cx.flags.dialect.as_deref(), &v) {
        Ok(Some(doc)) => cx.emit(&doc),
        Ok(None) => {}
        Err(e) => cx.dbg(format!("unknown dialect {:?}; emitting nothing", e.0)),
    }
}

// ------------------------------------------------------------------ marker

fn marker(cx: &mut Ctx, event: Dict) {
    let Some(cfg) = load_config(cx, &event) else { return };
    let Some(sid) = session_id(cx, &event) else {
        return cx.dbg("no session id; allowing the stop");
    };
    let path = safe_session_name(&sid).map(|s| PathBuf::from(cfg.paths.dot_dos()).join("markers").join(format!("{s}.jsonl")));
    let run_id = env("CID_RUN_ID").filter(|r| !r.is_empty());
    let record = |op: &str, reason: &str| {
        let mut rec = Dict::with_capacity(5);
        rec.push("schema", schema_tag(marker_gate::SCHEMA_FAMILY));
        rec.push("op", Value::str(op));
        if !reason.is_empty() {
            rec.push("reason", Value::str(reason));
        }
        if let Some(r) = &run_id {
            rec.push("run_id", Value::str(r));
        }
        rec.push("ts", Value::str(now_iso()));
        rec
    };
    if cx.flags.reset {
        cx.out.note.outcome = "reset";
        match &path {
            Some(p) => {
                if let Err(e) = append_record(p, &record("RESET", "forward-delta reset")) {
                    cx.dbg(format!("cannot record the reset ({e})"));
                }
            }
            None => cx.dbg("the session id has no usable characters; no reset recorded"),
        }
        return;
    }
    let stop_active = matches!(event.get("stop_hook_active"), Some(Value::Bool(true)));
    let a = marker_gate::arm(stop_active, cx.flags.loop_flag, &|n| env(n).is_some_and(|v| !v.is_empty()), &cfg.marker);
    cx.dbg(&a.reason);
    if !a.armed {
        cx.out.note.outcome = "passthrough";
        return;
    }
    let cap = match cx.flags.max_markers {
        Some(Ok(n)) => n,
        Some(Err(())) => return cx.dbg("--max-markers is not a non-negative integer; allowing the stop"),
        None => match cfg.marker.max_streak.as_i64() {
            Some(n) if n >= 0 => n as u64,
            _ => return,
        },
    };
    let mut emitted = 0u64;
    if let Some(p) = &path {
        read_records(p, |r| emitted = marker_gate::fold_record(emitted, r));
    }
    let (allow, turns) = marker_gate::budget(emitted, cap);
    let reason = marker_gate::budget_reason(allow, turns, cap);
    cx.out.note.outcome = if allow { "allow" } else { "refuse" };
    cx.out.note.marker = Some((emitted, cap));
    cx.dbg(format!("emitted={emitted} cap={cap} allow={allow}"));
    let write = |cx: &mut Ctx| -> bool {
        match &path {
            Some(p) => match append_record(p, &record("MARKER", &reason)) {
                Ok(()) => true,
                Err(e) => {
                    cx.dbg(format!("cannot record the marker ({e})"));
                    false
                }
            },
            None => false,
        }
    };
    if cx.flags.json {
        let mut d = Dict::with_capacity(4);
        d.push("allow_marker", Value::Bool(allow));
        d.push("markers_emitted", Value::int(turns as i64));
        d.push("max_markers", Value::int(cap.min(i64::MAX as u64) as i64));
        d.push("reason", Value::str(&reason));
        cx.emit(&Value::Dict(d));
        if allow {
            write(cx);
        }
        return;
    }
    if !allow || !write(cx) {
        return;
    }
    let mut d = Dict::with_capacity(2);
    d.push("decision", Value::str("block"));
    d.push("reason", Value::str(marker_gate::block_reason(&reason)));
    cx.emit(&Value::Dict(d));
}
