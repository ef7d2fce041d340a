//! Exit 3 hands the call to `dos hook <verb>` and never touches stdin; no
//! arguments is usage and exit 0.

use dos_io::hook;
use std::io::Write;
use std::process::{Command, Stdio};

fn argv(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[test]
fn delegates_before_stdin() {
    for a in [
        &["stop", "--workspace", "."][..],
        &["stop", "--debug"],
        &["session-start"],
        &["pretool", "--handler", "custom"],
        &["posttool", "--driver", "job"],
        &["marker", "--job"],
    ] {
        let out = hook::run(&argv(a), &mut || panic!("stdin read for {a:?}"));
        assert_eq!(out.exit, hook::EXIT_DELEGATE, "{a:?}");
        assert!(out.stdout.is_empty() && !out.read_stdin);
        assert!(!hook::wants_stdin(&argv(a)));
    }
    assert!(hook::wants_stdin(&argv(&["pretool", "--handler", "observe"])));
    assert!(!hook::wants_stdin(&argv(&["stats"])));
    let none = hook::run(&[], &mut || panic!("stdin read with no verb"));
    assert_eq!(none.exit, 0);
    assert!(none.stdout.is_empty() && !none.stderr.is_empty());
}

#[test]
fn native_opt_out_leaves_stdin_unread() {
    let bin = env!("CARGO_BIN_EXE_dos-hook");
    for (val, want) in [("0", Some(3)), (" 0 ", Some(3)), ("1", None), ("", None)] {
        let mut c = Command::new(bin)
            .args(["pretool", "--workspace", "/nonexistent-dos-hook-test"])
            .env("DOS_HOOK_NATIVE", val)
            .env("DOS_HOOK_METRICS", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // A delegate exits without waiting for stdin to close.
        let mut stdin = c.stdin.take().unwrap();
        if want.is_some() {
            let status = c.wait().unwrap();
            assert_eq!(status.code(), want, "DOS_HOOK_NATIVE={val:?}");
            drop(stdin);
        } else {
            let _ = stdin.write_all(b"{}");
            drop(stdin);
            assert_eq!(c.wait().unwrap().code(), Some(0), "DOS_HOOK_NATIVE={val:?}");
        }
    }
}
