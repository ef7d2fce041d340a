//! Arbitrary stdin into every verb's entry function: never exit 2, never a
//! panic, and stdout is nothing or exactly one JSON line (the human
//! `stats` table aside).

use dos_io::hook;
use proptest::prelude::*;
use std::panic;

fn workspace() -> String {
    let d = std::env::temp_dir().join(format!("hookfuzz-{}", std::process::id()));
    std::fs::create_dir_all(d.join("src/dos")).unwrap();
    std::fs::write(d.join("src/dos/arbiter.py"), "x").unwrap();
    std::fs::canonicalize(d).unwrap().to_string_lossy().into_owned()
}

fn check(verb: &str, extra: &[&str], stdin: Vec<u8>) -> Result<(), TestCaseError> {
    let ws = workspace();
    let mut argv: Vec<String> = vec![verb.into(), "--workspace".into(), ws];
    argv.extend(extra.iter().map(|s| s.to_string()));
    let out = panic::catch_unwind(|| hook::run(&argv, &mut || stdin.clone()));
    let out = out.map_err(|_| TestCaseError::fail(format!("{verb} panicked")))?;
    prop_assert!(out.exit == 0 || out.exit == 3, "exit {}", out.exit);
    let table = verb == "stats" && !extra.contains(&"--json");
    if !out.stdout.is_empty() && !table {
        prop_assert!(out.stdout.ends_with(b"\n"));
        let line = &out.stdout[..out.stdout.len() - 1];
        prop_assert!(!line.contains(&b'\n'));
        prop_assert!(dos_core::pyjson::parse(line).is_ok());
    }
    Ok(())
}

fn json_event() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        "[a-zA-Z0-9/._ \\u{e9}\\u{2028}-]{0,12}".prop_map(|s| format!("{s:?}")),
        Just("\"\\ud800\"".to_string()),
        Just("\"src/dos/arbiter.py\"".to_string()),
    ];
    let val = leaf.prop_recursive(4, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                .prop_map(|kv| format!("{{{}}}", kv.iter().map(|(k, v)| format!("{k:?}:{v}")).collect::<Vec<_>>().join(","))),
        ]
    });
    let keys = prop::sample::select(vec![
        "tool_name",
        "tool_input",
        "session_id",
        "cwd",
        "hook_event_name",
        "tool_response",
        "tool_output",
        "stop_hook_active",
        "file_path",
    ]);
    let tools = prop::sample::select(vec!["\"Edit\"", "\"Read\"", "\"Bash\"", "\"Write\"", "\"mcp__x\"", "3", "\"\""]);
    (tools, prop::collection::vec((keys, val), 0..6)).prop_map(|(t, kv)| {
        let mut body = vec![format!("\"tool_name\":{t}"), "\"session_id\":\"fz\"".to_string()];
        body.extend(kv.iter().map(|(k, v)| format!("{k:?}:{v}")));
        format!("{{{}}}", body.join(",")).into_bytes()
    })
}

const VERBS: [(&str, &[&str]); 7] = [
    ("pretool", &[]),
    ("pretool", &["--dialect", "cursor"]),
    ("posttool", &[]),
    ("posttool", &["--dialect=hermes"]),
    ("marker", &["--loop"]),
    ("marker", &["--loop", "--json", "--max-markers", "x"]),
    ("marker", &["--reset"]),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(stdin in prop::collection::vec(any::<u8>(), 0..256), v in 0usize..VERBS.len()) {
        check(VERBS[v].0, VERBS[v].1, stdin)?;
    }

    #[test]
    fn arbitrary_events(stdin in json_event(), v in 0usize..VERBS.len()) {
        check(VERBS[v].0, VERBS[v].1, stdin)?;
    }

    #[test]
    fn arbitrary_flags(args in prop::collection::vec("(--[a-z-]{1,12}(=[a-z0-9]{0,4})?|[a-z0-9]{0,6})", 0..6), verb in prop::sample::select(vec!["pretool", "posttool", "marker", "stop", "stats", "bogus"])) {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        check(verb, &refs, b"{\"tool_name\":\"Edit\",\"session_id\":\"a\",\"tool_input\":{\"file_path\":\"src/dos/arbiter.py\"}}".to_vec())?;
    }
}

#[test]
fn deep_nesting_is_safe() {
    let deep = format!("{{\"tool_name\":\"Edit\",\"tool_input\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    for (verb, extra) in VERBS {
        check(verb, extra, deep.clone().into_bytes()).unwrap();
    }
}
