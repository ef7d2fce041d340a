//! `dos-hook install` / `uninstall`, run as the real binary on temporary
//! workspaces: each host's shape against the snippets in docs/hooks.md, over
//! files that already hold other keys and hooks, over what the reference's
//! own installer writes (tests/hook/install/reference/, from `dos init
//! --hooks`), twice in a row, and the refusals.

use serde_json::Value as Json;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dos-hook");
const DOCS_BINARY: &str = "/usr/local/bin/dos-hook";

struct Host {
    name: &'static str,
    file: &'static str,
    toml: bool,
    /// Every event `install` wires, and the verb each runs.
    events: &'static [(&'static str, &'static str)],
}

const HOSTS: &[Host] = &[
    Host {
        name: "claude-code",
        file: ".claude/settings.json",
        toml: false,
        events: &[("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")],
    },
    Host {
        name: "codex",
        file: ".codex/config.toml",
        toml: true,
        events: &[("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")],
    },
    Host {
        name: "gemini",
        file: ".gemini/settings.json",
        toml: false,
        events: &[("BeforeTool", "pretool"), ("AfterTool", "posttool"), ("AfterAgent", "stop")],
    },
    Host {
        name: "cursor",
        file: ".cursor/hooks.json",
        toml: false,
        events: &[("beforeShellExecution", "pretool"), ("beforeMCPExecution", "pretool"), ("afterFileEdit", "posttool"), ("stop", "stop")],
    },
    Host {
        name: "antigravity",
        file: ".agents/hooks.json",
        toml: false,
        events: &[("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")],
    },
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Ws(PathBuf);

impl Ws {
    fn new(tag: &str) -> Ws {
        let p = std::env::temp_dir().join(format!("dos-hook-install-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Ws(p)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    fn put(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }
    /// Every file under the workspace, with its bytes.
    fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(d: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            let mut entries: Vec<_> = fs::read_dir(d).unwrap().map(|e| e.unwrap().path()).collect();
            entries.sort();
            for p in entries {
                let m = fs::symlink_metadata(&p).unwrap();
                if m.is_dir() {
                    walk(&p, out);
                } else if m.is_file() {
                    out.push((p.clone(), fs::read(&p).unwrap()));
                } else {
                    out.push((p.clone(), Vec::new()));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.0, &mut out);
        out
    }
}

impl Drop for Ws {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn run_in(ws: &Ws, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(&ws.0).stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn dos_hook(ws: &Ws, verb: &str, host: &str, extra: &[&str]) -> Output {
    let wsp = ws.0.to_str().unwrap().to_string();
    let mut args = vec![verb, "--host", host, "--workspace", wsp.as_str(), "--binary", DOCS_BINARY];
    args.extend_from_slice(extra);
    run_in(ws, &args, &[])
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stdout {} stderr {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A settings file as JSON (TOML converted), keys in file order.
fn parsed(text: &str, toml: bool) -> Json {
    if toml {
        let t: toml::Table = text.parse().unwrap();
        serde_json::to_value(t).unwrap()
    } else {
        serde_json::from_str(text).unwrap()
    }
}

fn canon(v: &Json) -> String {
    serde_json::to_string(v).unwrap()
}

/// The fenced block that follows the host's heading in docs/hooks.md.
fn docs_snippet(file: &str) -> String {
    let docs = fs::read_to_string(repo().join("docs/hooks.md")).unwrap();
    let heading = docs
        .lines()
        .position(|l| l.starts_with("### ") && l.contains(&format!("(`{file}`)")))
        .unwrap_or_else(|| panic!("docs/hooks.md has no section for {file}"));
    let mut lines = docs.lines().skip(heading + 1).skip_while(|l| !l.starts_with("```"));
    lines.next();
    lines.take_while(|l| !l.starts_with("```")).collect::<Vec<_>>().join("\n")
}

/// Every hook entry's command in an event's list (groups flattened).
fn commands(doc: &Json, event: &str) -> Vec<String> {
    let mut out = Vec::new();
    for item in doc["hooks"][event].as_array().cloned().unwrap_or_default() {
        match item.get("hooks").and_then(Json::as_array) {
            Some(hs) => out.extend(hs.iter().filter_map(|h| h["command"].as_str().map(str::to_string))),
            None => out.extend(item["command"].as_str().map(str::to_string)),
        }
    }
    out
}

fn dialect(host: &Host) -> String {
    if host.name == "claude-code" {
        String::new()
    } else {
        format!(" --dialect {}", host.name)
    }
}

fn ours(host: &Host, verb: &str) -> String {
    let d = dialect(host);
    format!("{DOCS_BINARY} {verb} --workspace .{d} || dos hook {verb} --workspace .{d}")
}

#[test]
fn each_host_writes_the_docs_snippet() {
    for h in HOSTS {
        let ws = Ws::new(&format!("docs-{}", h.name));
        let msg = ok(&dos_hook(&ws, "install", h.name, &[]));
        assert!(msg.contains("wired"), "{msg}");
        let got = ws.read(h.file);
        let want = docs_snippet(h.file);
        assert_eq!(canon(&parsed(&got, h.toml)), canon(&parsed(&want, h.toml)), "{}: {got}", h.name);
        if !h.toml {
            assert!(got.starts_with("{\n  \"") && got.ends_with("}\n"), "{}: two-space pretty JSON: {got}", h.name);
        }
        // Nothing else appears: no backup (there was no file), no temp file.
        let files: Vec<_> = ws.snapshot().into_iter().map(|(p, _)| p).collect();
        assert_eq!(files, vec![ws.path(h.file)], "{}", h.name);
    }
}

#[test]
fn running_twice_changes_nothing() {
    for h in HOSTS {
        let ws = Ws::new(&format!("twice-{}", h.name));
        ok(&dos_hook(&ws, "install", h.name, &[]));
        let first = ws.snapshot();
        let msg = ok(&dos_hook(&ws, "install", h.name, &[]));
        assert!(msg.contains("already wired"), "{}: {msg}", h.name);
        assert_eq!(ws.snapshot(), first, "{}", h.name);
    }
}

/// A settings file that already holds other keys, other events, and other
/// hooks in the events `install` wires.
fn foreign(h: &Host) -> String {
    if h.toml {
        let (pre, post) = (h.events[0].0, h.events[1].0);
        return format!(
            "# my codex settings\nmodel = \"o4\"  # keep this comment\napproval_policy = \"on-request\"\n\n\
             [[hooks.{pre}]]\nmatcher = \"shell\"\n[[hooks.{pre}.hooks]]\ntype = \"command\"\ncommand = \"./lint.sh\"\n\n\
             [[hooks.SessionStart]]\n[[hooks.SessionStart.hooks]]\ntype = \"command\"\ncommand = \"echo hi\"\n\n\
             [profiles.fast]\nmodel = \"o4-mini\"\n\n\
             [[hooks.{post}]]\n[[hooks.{post}.hooks]]\ntype = \"command\"\ncommand = \"./after.sh\"\ntimeout = 5\n"
        );
    }
    let entry = |cmd: &str| -> Json {
        match h.name {
            "cursor" => serde_json::json!({"command": cmd}),
            _ => serde_json::json!({"matcher": "Edit", "hooks": [{"type": "command", "command": cmd, "timeout": 30}]}),
        }
    };
    let mut hooks = serde_json::Map::new();
    hooks.insert("SessionStart".into(), Json::Array(vec![entry("echo start")]));
    hooks.insert(h.events[0].0.into(), Json::Array(vec![entry("./guard.sh"), entry("./audit.sh --pre")]));
    hooks.insert(h.events[1].0.into(), Json::Array(vec![entry("./after.sh")]));
    let mut doc = serde_json::Map::new();
    if h.name == "cursor" {
        doc.insert("version".into(), Json::from(1));
    }
    doc.insert("model".into(), Json::from("sonnet"));
    doc.insert("permissions".into(), serde_json::json!({"allow": ["Bash(git status)"], "deny": []}));
    doc.insert("hooks".into(), Json::Object(hooks));
    doc.insert("env".into(), serde_json::json!({"Z": "1", "A": "ünïcode", "big": 12345678901234567890u64, "f": 1.5}));
    let mut s = serde_json::to_string_pretty(&Json::Object(doc)).unwrap();
    s.push('\n');
    s
}

#[test]
fn other_keys_and_hooks_stay_and_uninstall_restores_the_file() {
    for h in HOSTS {
        let ws = Ws::new(&format!("foreign-{}", h.name));
        let original = foreign(h);
        ws.put(h.file, &original);
        ok(&dos_hook(&ws, "install", h.name, &[]));
        let text = ws.read(h.file);
        let (before, after) = (parsed(&original, h.toml), parsed(&text, h.toml));
        // Every key other than hooks is unchanged, in order.
        let keys = |v: &Json| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&after), keys(&before), "{}", h.name);
        for k in keys(&before).into_iter().filter(|k| k != "hooks") {
            assert_eq!(canon(&after[&k]), canon(&before[&k]), "{} {k}", h.name);
        }
        // Other events as they were; the wired ones keep their entries and
        // gain ours, once, after them.
        for (event, v) in before["hooks"].as_object().unwrap() {
            if !h.events.iter().any(|(e, _)| e == event) {
                assert_eq!(canon(&after["hooks"][event]), canon(v), "{} {event}", h.name);
            }
        }
        for (event, verb) in h.events {
            let mut want = commands(&before, event);
            want.push(ours(h, verb));
            assert_eq!(commands(&after, event), want, "{} {event}", h.name);
        }
        if h.toml {
            assert!(text.starts_with("# my codex settings\nmodel = \"o4\"  # keep this comment\n"), "{text}");
            assert!(text.contains("[profiles.fast]\nmodel = \"o4-mini\"\n"), "{text}");
        } else {
            assert!(text.contains("\"big\": 12345678901234567890") && text.contains("ünïcode"), "{text}");
        }
        // The original is the backup.
        let bak = ws.path(&format!("{}.dos-hook.bak", h.file));
        assert_eq!(fs::read_to_string(&bak).unwrap(), original, "{}", h.name);
        fs::remove_file(&bak).unwrap();

        let msg = ok(&dos_hook(&ws, "uninstall", h.name, &[]));
        assert!(msg.contains(&format!("removed {}", h.events.len())), "{}: {msg}", h.name);
        assert_eq!(ws.read(h.file), original, "{}: uninstall leaves the file as it was", h.name);
        // Uninstalling again finds nothing and writes nothing.
        fs::remove_file(&bak).unwrap();
        let snap = ws.snapshot();
        let msg = ok(&dos_hook(&ws, "uninstall", h.name, &[]));
        assert!(msg.contains("no dos-hook entries"), "{msg}");
        assert_eq!(ws.snapshot(), snap);
    }
}

#[test]
fn uninstall_removes_a_file_install_created() {
    for h in HOSTS {
        let ws = Ws::new(&format!("created-{}", h.name));
        ok(&dos_hook(&ws, "install", h.name, &[]));
        ok(&dos_hook(&ws, "uninstall", h.name, &[]));
        assert!(!ws.path(h.file).exists(), "{}", h.name);
    }
}

#[test]
fn replaces_the_references_own_entries() {
    for h in HOSTS {
        let ws = Ws::new(&format!("ref-{}", h.name));
        let ext = if h.toml { "toml" } else { "json" };
        let reference = fs::read_to_string(repo().join(format!("tests/hook/install/reference/{}.{ext}", h.name))).unwrap();
        ws.put(h.file, &reference);
        let before = parsed(&reference, h.toml);
        for (event, verb) in h.events {
            let d = dialect(h);
            assert_eq!(commands(&before, event), vec![format!("dos hook {verb} --workspace .{d}")], "{} {event}", h.name);
        }
        let msg = ok(&dos_hook(&ws, "install", h.name, &[]));
        assert!(msg.contains(&format!("replacing {} earlier", h.events.len())), "{}: {msg}", h.name);
        let after = parsed(&ws.read(h.file), h.toml);
        for (event, verb) in h.events {
            assert_eq!(commands(&after, event), vec![ours(h, verb)], "{} {event}: one entry, ours", h.name);
        }
        if h.name == "cursor" {
            assert_eq!(after["version"], Json::from(1));
        }
        if h.toml {
            // No half of the reference's comment fence is left behind.
            assert!(!ws.read(h.file).contains("dos hooks"), "{}", ws.read(h.file));
        }
        // Still idempotent after a replacement.
        let snap = ws.snapshot();
        ok(&dos_hook(&ws, "install", h.name, &[]));
        assert_eq!(ws.snapshot(), snap, "{}", h.name);
    }
}

#[test]
fn older_native_entries_and_double_wiring_collapse_to_one() {
    // Claude Code, a group holding a foreign hook next to an old dos-hook
    // entry, plus a second copy of the verb wired through the reference: the
    // double fire upstream users hit.
    let ws = Ws::new("double");
    let original = r#"{
  "hooks": {
    "PreToolUse": [
      {"hooks": [{"type": "command", "command": "./first.sh"}]},
      {"hooks": [
        {"type": "command", "command": "/opt/old/dos-hook pretool --workspace ."},
        {"type": "command", "command": "./kept.sh"}
      ]},
      {"hooks": [{"type": "command", "command": "dos hook pretool --workspace ."}]},
      {"hooks": [{"type": "command", "command": "./last.sh"}]}
    ],
    "Stop": [
      {"hooks": [{"type": "command", "command": "/opt/old/dos-hook marker --workspace . || dos hook marker --workspace ."}]}
    ]
  }
}
"#;
    ws.put(".claude/settings.json", original);
    ok(&dos_hook(&ws, "install", "claude-code", &[]));
    let after = parsed(&ws.read(".claude/settings.json"), false);
    let h = &HOSTS[0];
    assert_eq!(commands(&after, "PreToolUse"), vec!["./first.sh".to_string(), "./kept.sh".into(), ours(h, "pretool"), "./last.sh".into()]);
    // The marker entry is not a stop entry: it stays, and ours joins it.
    assert_eq!(
        commands(&after, "Stop"),
        vec!["/opt/old/dos-hook marker --workspace . || dos hook marker --workspace .".to_string(), ours(h, "stop")]
    );
    // An entry already carrying exactly our command keeps the user's extras.
    let ws = Ws::new("extras");
    let mine = format!(
        "{{\"hooks\": {{\"PreToolUse\": [{{\"matcher\": \"Bash\", \"hooks\": [{{\"type\": \"command\", \"command\": \"{}\", \"timeout\": 9}}]}}]}}}}",
        ours(h, "pretool")
    );
    ws.put(".claude/settings.json", &mine);
    ok(&dos_hook(&ws, "install", "claude-code", &[]));
    let after = parsed(&ws.read(".claude/settings.json"), false);
    assert_eq!(after["hooks"]["PreToolUse"][0]["matcher"], "Bash");
    assert_eq!(after["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"], 9);
    assert_eq!(commands(&after, "PreToolUse").len(), 1);
}

#[test]
fn refusals_write_nothing() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("claude-code", ".claude/settings.json", "{\"hooks\": {", "not valid JSON"),
        ("claude-code", ".claude/settings.json", "// comment\n{}", "not valid JSON"),
        ("gemini", ".gemini/settings.json", "[1, 2]", "top level is not a JSON object"),
        ("cursor", ".cursor/hooks.json", "{\"version\": 1, \"hooks\": []}", "\"hooks\" is not an object"),
        ("antigravity", ".agents/hooks.json", "{\"hooks\": {\"PreToolUse\": {}}}", "is not a list"),
        ("codex", ".codex/config.toml", "[hooks\nx = 1", "not valid TOML"),
        ("codex", ".codex/config.toml", "hooks = 3\n", "is not a table"),
        ("codex", ".codex/config.toml", "[hooks]\nPreToolUse = \"x\"\n", "is not an array of tables"),
    ];
    for (host, file, text, why) in cases {
        let ws = Ws::new(&format!("bad-{host}"));
        ws.put(file, text);
        let snap = ws.snapshot();
        let o = dos_hook(&ws, "install", host, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{host} {text:?}: {err}");
        assert!(err.contains(why) && err.contains("nothing was written"), "{host} {text:?}: {err}");
        assert!(o.stdout.is_empty());
        assert_eq!(ws.snapshot(), snap, "{host} {text:?}");
    }

    // Not a regular file: a directory where the settings file should be.
    let ws = Ws::new("dir");
    fs::create_dir_all(ws.path(".claude/settings.json")).unwrap();
    let o = dos_hook(&ws, "install", "claude-code", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a regular file"));

    // A parent that is a file.
    let ws = Ws::new("parentfile");
    ws.put(".claude", "not a directory");
    let snap = ws.snapshot();
    let o = dos_hook(&ws, "install", "claude-code", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(ws.snapshot(), snap);

    // Read-only (refused even for root, who could write it).
    let ws = Ws::new("readonly");
    ws.put(".claude/settings.json", "{}\n");
    fs::set_permissions(ws.path(".claude/settings.json"), fs::Permissions::from_mode(0o444)).unwrap();
    let snap = ws.snapshot();
    let o = dos_hook(&ws, "install", "claude-code", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("read-only"));
    assert_eq!(ws.snapshot(), snap);

    // Not UTF-8.
    let ws = Ws::new("binary");
    ws.put(".claude/settings.json", "");
    fs::write(ws.path(".claude/settings.json"), b"{\"a\": \"\xff\"}").unwrap();
    let o = dos_hook(&ws, "install", "claude-code", &[]);
    assert_eq!(o.status.code(), Some(1));

    // Usage errors.
    let ws = Ws::new("usage");
    for args in [&["install"][..], &["install", "--host", "vim"], &["uninstall", "--host", "codex", "--frobnicate"]] {
        let o = run_in(&ws, args, &[]);
        assert_eq!(o.status.code(), Some(64), "{args:?}");
    }
    assert!(ws.snapshot().is_empty());
}

#[test]
fn dry_run_prints_and_writes_nothing() {
    for h in HOSTS {
        let ws = Ws::new(&format!("dry-{}", h.name));
        let original = foreign(h);
        ws.put(h.file, &original);
        let snap = ws.snapshot();
        let out = ok(&dos_hook(&ws, "install", h.name, &["--dry-run"]));
        assert_eq!(ws.snapshot(), snap, "{}", h.name);
        ok(&dos_hook(&ws, "install", h.name, &[]));
        assert_eq!(out, ws.read(h.file), "{}: --dry-run prints what install writes", h.name);
    }
}

#[test]
fn no_fallback_and_quoted_binary() {
    let ws = Ws::new("nofallback");
    let wsp = ws.0.to_str().unwrap().to_string();
    let o = run_in(&ws, &["install", "--host", "gemini", "-w", &wsp, "--no-fallback", "--binary", "/opt/my tools/dos-hook"], &[]);
    ok(&o);
    let after = parsed(&ws.read(".gemini/settings.json"), false);
    assert_eq!(commands(&after, "BeforeTool"), vec!["'/opt/my tools/dos-hook' pretool --workspace . --dialect gemini"]);
    assert!(after["hooks"].get("AfterAgent").is_none());
    // Found again as ours: a second run with the same binary changes nothing.
    let snap = ws.snapshot();
    ok(&run_in(&ws, &["install", "--host", "gemini", "-w", &wsp, "--no-fallback", "--binary", "/opt/my tools/dos-hook"], &[]));
    assert_eq!(ws.snapshot(), snap);
}

#[test]
fn default_binary_is_this_one() {
    let ws = Ws::new("self");
    ok(&run_in(&ws, &["install", "--host", "claude-code"], &[]));
    let after = parsed(&ws.read(".claude/settings.json"), false);
    let exe = fs::canonicalize(BIN).unwrap();
    let want = format!("{} pretool --workspace . || dos hook pretool --workspace .", exe.display());
    assert_eq!(commands(&after, "PreToolUse"), vec![want]);
}

#[test]
fn user_scope_and_symlinks() {
    let ws = Ws::new("user");
    let home = ws.path("home");
    fs::create_dir_all(&home).unwrap();
    let h = home.to_str().unwrap();
    for (host, rel) in [
        ("claude-code", ".claude/settings.json"),
        ("gemini", ".gemini/settings.json"),
        ("antigravity", ".gemini/config/hooks.json"),
        ("cursor", ".cursor/hooks.json"),
        ("codex", ".codex/config.toml"),
    ] {
        ok(&run_in(&ws, &["install", "--host", host, "--scope", "user", "--binary", DOCS_BINARY], &[("HOME", h), ("CODEX_HOME", "")]));
        assert!(home.join(rel).is_file(), "{host}: {rel}");
    }
    let codex_home = ws.path("codexhome");
    fs::create_dir_all(&codex_home).unwrap();
    ok(&run_in(
        &ws,
        &["install", "--host", "codex", "--scope", "user", "--binary", DOCS_BINARY],
        &[("HOME", h), ("CODEX_HOME", codex_home.to_str().unwrap())],
    ));
    assert!(codex_home.join("config.toml").is_file());

    // A symlinked settings file (a dotfiles checkout): the target is edited,
    // the link stays a link.
    let ws = Ws::new("symlink");
    ws.put("dotfiles/claude.json", "{\"model\": \"opus\"}\n");
    fs::create_dir_all(ws.path(".claude")).unwrap();
    std::os::unix::fs::symlink(ws.path("dotfiles/claude.json"), ws.path(".claude/settings.json")).unwrap();
    ok(&dos_hook(&ws, "install", "claude-code", &[]));
    assert!(fs::symlink_metadata(ws.path(".claude/settings.json")).unwrap().file_type().is_symlink());
    let after = parsed(&ws.read("dotfiles/claude.json"), false);
    assert_eq!(after["model"], "opus");
    assert_eq!(commands(&after, "PreToolUse").len(), 1);
}

#[test]
fn keeps_the_file_mode() {
    let ws = Ws::new("mode");
    ws.put(".claude/settings.json", "{}\n");
    fs::set_permissions(ws.path(".claude/settings.json"), fs::Permissions::from_mode(0o600)).unwrap();
    ok(&dos_hook(&ws, "install", "claude-code", &[]));
    let mode = fs::metadata(ws.path(".claude/settings.json")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn version_install_and_uninstall_never_read_stdin() {
    let ws = Ws::new("stdin");
    let wsp = ws.0.to_str().unwrap().to_string();
    for args in [
        vec!["--version"],
        vec!["install", "--host", "cursor", "-w", &wsp],
        vec!["uninstall", "--host", "cursor", "-w", &wsp],
        vec!["install", "--help"],
    ] {
        // stdin stays open and empty: a read would block until the test times out.
        let mut c = Command::new(BIN).args(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let stdin = c.stdin.take().unwrap();
        let status = c.wait().unwrap();
        drop(stdin);
        assert_eq!(status.code(), Some(0), "{args:?}");
    }
    let o = run_in(&ws, &["--version"], &[]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), format!("dos-hook {}\n", env!("CARGO_PKG_VERSION")));
    let _ = std::io::stdout().flush();
}
