//! `dos-hook <verb> [flags]`: the agent-host hook verbs, natively.
//!
//! Exit 0 when handled (nothing, or one JSON line on stdout); exit 3 hands
//! the call back to `dos hook <verb>` before stdin is read. A panic or any
//! internal failure is exit 0 with nothing on stdout; exit 2 never happens.
//! `dos-hook install|uninstall --host H` wires a runtime's settings file
//! (`dos_io::install`); `dos-hook --version` prints the version.

use dos_io::hook;
use std::io::{Read, Write};
use std::panic;
use std::time::Instant;

fn main() {
    let start = Instant::now();
    let argv: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    // Commands for people, not runtimes: they never read stdin.
    match argv.first().map(String::as_str) {
        Some(v @ ("install" | "uninstall")) => {
            let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
            std::process::exit(dos_io::install::main(&argv[1..], v == "uninstall", &mut out, &mut err));
        }
        Some("--version" | "-V") => {
            println!("dos-hook {}", env!("CARGO_PKG_VERSION"));
            return;
        }
        _ => {}
    }
    let debug = argv.iter().any(|a| a == "--debug");
    panic::set_hook(Box::new(move |info| {
        if debug {
            eprintln!("[dos-hook] recovered from a panic ({info}); failing safe (exit 0)");
        }
    }));
    let result = panic::catch_unwind(|| {
        hook::run(&argv, &mut || {
            let mut buf = Vec::new();
            let _ = std::io::stdin().lock().read_to_end(&mut buf);
            buf
        })
    });
    let (code, panicked) = match result {
        Ok(out) => {
            if !out.stderr.is_empty() {
                let _ = std::io::stderr().write_all(&out.stderr);
            }
            let mut code = out.exit;
            if !out.stdout.is_empty() {
                let mut so = std::io::stdout().lock();
                if so.write_all(&out.stdout).and_then(|_| so.flush()).is_err() {
                    code = hook::EXIT_OK;
                }
            }
            hook::observe::record(&argv, &out, start.elapsed(), false);
            (code, false)
        }
        Err(_) => (hook::EXIT_OK, true),
    };
    if panicked {
        hook::observe::record(&argv, &hook::Outcome::default(), start.elapsed(), true);
    }
    std::process::exit(if code == 2 { 0 } else { code });
}
