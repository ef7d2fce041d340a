//! The JSON settings files (Claude Code, Gemini CLI, Cursor, Antigravity).
//! Keys keep their order; the file is written back pretty-printed with
//! two-space indents, as the runtimes write it.

use super::command::{owner, Owner};
use super::{Edit, Mode, Spec, Wired};
use serde_json::{Map, Value};

fn group_of(spec: &Spec, w: &Wired) -> Value {
    let mut entry = Map::new();
    if spec.typed {
        entry.insert("type".into(), Value::from("command"));
    }
    entry.insert("command".into(), Value::from(w.command.clone()));
    if !spec.grouped {
        return Value::Object(entry);
    }
    let mut group = Map::new();
    if let Some(m) = w.wire.matcher {
        group.insert("matcher".into(), Value::from(m));
    }
    group.insert("hooks".into(), Value::Array(vec![Value::Object(entry)]));
    Value::Object(group)
}

fn entry_hit(e: &Value, hit: &dyn Fn(&Owner) -> bool) -> bool {
    e.get("command").and_then(Value::as_str).is_some_and(|c| hit(&owner(c)))
}

/// The commands of the entries `hit` selects in one event's list.
fn hits(list: &[Value], hit: &dyn Fn(&Owner) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for item in list {
        let entries = match item.get("hooks").and_then(Value::as_array) {
            Some(hooks) => hooks.iter().collect(),
            None => vec![item],
        };
        for e in entries {
            if entry_hit(e, hit) {
                out.extend(e.get("command").and_then(Value::as_str).map(str::to_string));
            }
        }
    }
    out
}

/// Drop the entries `hit` selects from one event's list: inside groups
/// (`{"hooks": [...]}`, a group left empty goes too) and flat entries.
/// Returns how many went and where the first one was.
fn remove(list: &mut Vec<Value>, hit: &dyn Fn(&Owner) -> bool) -> (usize, Option<usize>) {
    let (mut removed, mut at) = (0, None);
    let mut i = 0;
    while i < list.len() {
        if entry_hit(&list[i], hit) {
            list.remove(i);
            removed += 1;
            at.get_or_insert(i);
            continue;
        }
        if let Some(hooks) = list[i].get_mut("hooks").and_then(Value::as_array_mut) {
            let before = hooks.len();
            hooks.retain(|e| !entry_hit(e, hit));
            let gone = before - hooks.len();
            if gone > 0 {
                removed += gone;
                if hooks.is_empty() {
                    list.remove(i);
                    at.get_or_insert(i);
                    continue;
                }
                at.get_or_insert(i + 1);
            }
        }
        i += 1;
    }
    (removed, at)
}

pub(super) fn edit(text: &str, spec: &Spec, wired: &[Wired], mode: Mode) -> Result<Edit, String> {
    let mut doc: Value = if text.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(text).map_err(|e| format!("it is not valid JSON ({e})"))?
    };
    let before = serde_json::to_string(&doc).unwrap_or_default();
    let Value::Object(root) = &mut doc else {
        return Err("its top level is not a JSON object".into());
    };
    let mut removed = 0;
    match mode {
        Mode::Install => {
            if let Some(v) = spec.version {
                if !root.contains_key("version") {
                    root.shift_insert(0, "version".into(), Value::from(v));
                }
            }
            let hooks = root.entry("hooks").or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(hooks) = hooks else {
                return Err("its \"hooks\" is not an object".into());
            };
            for w in wired {
                let verb = w.wire.verb.as_str();
                let list = hooks.entry(w.wire.event).or_insert_with(|| Value::Array(Vec::new()));
                let Value::Array(list) = list else {
                    return Err(format!("its \"hooks\".\"{}\" is not a list", w.wire.event));
                };
                let hit = |o: &Owner| matches!(o, Owner::Native(v) | Owner::Reference(v) if v == verb);
                if hits(list, &hit) == [w.command.as_str()] {
                    continue; // wired already (the user's own matcher or timeout stays)
                }
                let (n, at) = remove(list, &hit);
                removed += n;
                let at = at.unwrap_or(list.len());
                list.insert(at, group_of(spec, w));
            }
        }
        Mode::Uninstall => {
            if let Some(Value::Object(hooks)) = root.get_mut("hooks") {
                for w in wired {
                    let verb = w.wire.verb.as_str();
                    if let Some(Value::Array(list)) = hooks.get_mut(w.wire.event) {
                        let hit = |o: &Owner| matches!(o, Owner::Native(v) if v == verb);
                        let (n, _) = remove(list, &hit);
                        removed += n;
                        if n > 0 && list.is_empty() {
                            hooks.shift_remove(w.wire.event);
                        }
                    }
                }
                if removed > 0 && hooks.is_empty() {
                    root.shift_remove("hooks");
                    if let Some(v) = spec.version {
                        if root.len() == 1 && root.get("version") == Some(&Value::from(v)) {
                            root.shift_remove("version");
                        }
                    }
                }
            }
        }
    }
    let after = serde_json::to_string(&doc).unwrap_or_default();
    if after == before {
        return Ok(Edit::Unchanged);
    }
    if mode == Mode::Uninstall && doc.as_object().is_some_and(Map::is_empty) {
        return Ok(Edit::Delete { removed });
    }
    let mut out = serde_json::to_string_pretty(&doc).map_err(|e| format!("cannot serialize it ({e})"))?;
    out.push('\n');
    Ok(Edit::Write { text: out, removed })
}
