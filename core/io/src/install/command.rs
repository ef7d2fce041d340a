//! The hook command lines: the ones `install` writes, and telling which
//! existing entries run a DOS hook verb (ours, or the reference's `dos hook`).

/// A hook verb `install` wires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Pre,
    Post,
    Stop,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Pre => "pretool",
            Verb::Post => "posttool",
            Verb::Stop => "stop",
        }
    }
}

/// Who an entry's command belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// `…/dos-hook <verb> …`: libdos's binary (what `install` writes, or an
    /// entry wired by hand from docs/hooks.md).
    Native(String),
    /// `dos hook <verb> …`: the reference's Python verb (its `dos init
    /// --hooks`, or a hand-written entry).
    Reference(String),
    Other,
}

/// `path` as one shell word: as is when it holds only characters no shell
/// treats specially, else single-quoted.
pub fn shell_word(path: &str) -> String {
    let plain = !path.is_empty() && path.bytes().all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if plain {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

/// The command line wired for `verb`: the native binary, then (with
/// `fallback`) the reference's verb for exit 3, as docs/hooks.md shows.
pub fn command_line(binary: &str, verb: Verb, dialect: Option<&str>, fallback: bool) -> String {
    let mut args = format!("{} --workspace .", verb.as_str());
    if let Some(d) = dialect {
        args.push_str(" --dialect ");
        args.push_str(d);
    }
    if fallback {
        format!("{binary} {args} || dos hook {args}")
    } else {
        format!("{binary} {args}")
    }
}

/// The words of the first simple command of `cmd` (quotes removed, leading
/// `NAME=value` assignments and `exec` skipped), at most `max` of them.
fn first_words(cmd: &str, max: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(&n) = chars.peek() {
                                if matches!(n, '"' | '\\' | '$' | '`') {
                                    cur.push(n);
                                    chars.next();
                                    continue;
                                }
                            }
                            cur.push('\\');
                        }
                        _ => cur.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() || matches!(c, '|' | '&' | ';' | '(' | ')' | '<' | '>') => {
                if in_word {
                    let w = std::mem::take(&mut cur);
                    in_word = false;
                    let skip = words.is_empty() && (w == "exec" || is_assignment(&w));
                    if !skip {
                        words.push(w);
                        if words.len() >= max {
                            return words;
                        }
                    }
                }
                if !c.is_whitespace() && !words.is_empty() {
                    return words;
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word && words.len() < max {
        let skip = words.is_empty() && (cur == "exec" || is_assignment(&cur));
        if !skip {
            words.push(cur);
        }
    }
    words
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            let mut b = name.bytes();
            matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_') && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        }
        None => false,
    }
}

fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// Which DOS hook verb, if any, a hook entry's command runs.
pub fn owner(cmd: &str) -> Owner {
    let w = first_words(cmd, 3);
    let Some(prog) = w.first().map(|p| basename(p)) else {
        return Owner::Other;
    };
    if prog == "dos-hook" || prog == "dos-hook.exe" {
        if let Some(verb) = w.get(1) {
            return Owner::Native(verb.clone());
        }
    } else if prog == "dos" && w.get(1).map(String::as_str) == Some("hook") {
        if let Some(verb) = w.get(2) {
            return Owner::Reference(verb.clone());
        }
    }
    Owner::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners() {
        let n = |v: &str| Owner::Native(v.to_string());
        let r = |v: &str| Owner::Reference(v.to_string());
        assert_eq!(owner("/usr/local/bin/dos-hook pretool --workspace . || dos hook pretool"), n("pretool"));
        assert_eq!(owner("dos hook posttool --workspace ."), r("posttool"));
        assert_eq!(owner("  dos hook stop"), r("stop"));
        assert_eq!(owner("'/opt/my tools/dos-hook' stop"), n("stop"));
        assert_eq!(owner("\"$CLAUDE_PROJECT_DIR\"/.venv/bin/dos-hook pretool"), n("pretool"));
        assert_eq!(owner("DOS_HOOK_NATIVE=0 dos hook pretool"), r("pretool"));
        assert_eq!(owner("exec /x/dos-hook marker --loop"), n("marker"));
        assert_eq!(owner("/venv/bin/dos hook pretool"), r("pretool"));
        assert_eq!(owner("dos-hookish pretool"), Owner::Other);
        assert_eq!(owner("dos hooks pretool"), Owner::Other);
        assert_eq!(owner("echo dos hook pretool"), Owner::Other);
        assert_eq!(owner("dos; hook pretool"), Owner::Other);
        assert_eq!(owner(""), Owner::Other);
        assert_eq!(owner("dos-hook"), Owner::Other);
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_word("/usr/local/bin/dos-hook"), "/usr/local/bin/dos-hook");
        assert_eq!(shell_word("/opt/my tools/dos-hook"), "'/opt/my tools/dos-hook'");
        assert_eq!(shell_word("/it's/dos-hook"), "'/it'\\''s/dos-hook'");
        for p in ["/opt/my tools/dos-hook", "/it's/dos-hook", "/a$b/dos-hook"] {
            let cmd = command_line(&shell_word(p), Verb::Pre, None, true);
            assert_eq!(owner(&cmd), Owner::Native("pretool".into()), "{cmd}");
            assert_eq!(first_words(&cmd, 1), vec![p.to_string()]);
        }
    }

    #[test]
    fn lines() {
        assert_eq!(
            command_line("/b/dos-hook", Verb::Post, Some("codex"), true),
            "/b/dos-hook posttool --workspace . --dialect codex || dos hook posttool --workspace . --dialect codex"
        );
        assert_eq!(command_line("/b/dos-hook", Verb::Pre, None, false), "/b/dos-hook pretool --workspace .");
    }
}
