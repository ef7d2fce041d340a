//! Codex's `config.toml`, edited in place: comments, key order and layout
//! outside the entries `install` adds or removes stay as they were.
//!
//! Each event is an array of groups, `[[hooks.PreToolUse]]` with
//! `[[hooks.PreToolUse.hooks]]` entries (`type`, `command`); inline arrays
//! (`PreToolUse = [{hooks = [...]}]`) are read and written too.

use super::command::{owner, Owner};
use super::{Edit, Mode, Spec, Wired};
use toml_edit::{value, Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike, Value};

type Hit<'a> = &'a dyn Fn(&Owner) -> bool;

fn item_command(t: &dyn TableLike) -> Option<&str> {
    t.get("command").and_then(Item::as_str)
}

fn inline_command(v: &Value) -> Option<&str> {
    v.as_inline_table().and_then(|t| t.get("command")).and_then(Value::as_str)
}

fn hit_cmd(c: Option<&str>, hit: Hit) -> bool {
    c.is_some_and(|c| hit(&owner(c)))
}

/// The commands `hit` selects among a group's entries.
fn group_hits(group: &dyn TableLike, hit: Hit, out: &mut Vec<String>) {
    match group.get("hooks") {
        Some(Item::ArrayOfTables(a)) => {
            for t in a.iter() {
                let c = item_command(t);
                if hit_cmd(c, hit) {
                    out.extend(c.map(str::to_string));
                }
            }
        }
        Some(Item::Value(Value::Array(a))) => {
            for v in a.iter() {
                let c = inline_command(v);
                if hit_cmd(c, hit) {
                    out.extend(c.map(str::to_string));
                }
            }
        }
        _ => {
            let c = item_command(group);
            if hit_cmd(c, hit) {
                out.extend(c.map(str::to_string));
            }
        }
    }
}

/// Drop the selected entries from a group; returns (how many, group now empty).
fn group_remove(group: &mut dyn TableLike, hit: Hit) -> (usize, bool) {
    match group.get_mut("hooks") {
        Some(Item::ArrayOfTables(a)) => {
            let before = a.len();
            a.retain(|t| !hit_cmd(item_command(t), hit));
            (before - a.len(), a.is_empty())
        }
        Some(Item::Value(Value::Array(a))) => {
            let before = a.len();
            a.retain(|v| !hit_cmd(inline_command(v), hit));
            (before - a.len(), a.is_empty())
        }
        _ => (0, false),
    }
}

enum List<'a> {
    Tables(&'a mut ArrayOfTables),
    Inline(&'a mut Array),
}

impl List<'_> {
    fn hits(&self, hit: Hit) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            List::Tables(a) => a.iter().for_each(|t| group_hits(t, hit, &mut out)),
            List::Inline(a) => a.iter().filter_map(Value::as_inline_table).for_each(|t| group_hits(t, hit, &mut out)),
        }
        out
    }

    fn len(&self) -> usize {
        match self {
            List::Tables(a) => a.len(),
            List::Inline(a) => a.len(),
        }
    }

    /// Drop the selected entries (a group left empty goes too); returns how
    /// many went and where the first one was.
    fn remove(&mut self, hit: Hit) -> (usize, Option<usize>) {
        let (mut removed, mut at) = (0, None);
        let mut i = 0;
        while i < self.len() {
            let (flat, (gone, empty)) = match self {
                List::Tables(a) => {
                    let t = a.get_mut(i).expect("index below len");
                    if hit_cmd(item_command(t), hit) {
                        (true, (1, true))
                    } else {
                        (false, group_remove(t, hit))
                    }
                }
                List::Inline(a) => match a.get_mut(i).and_then(Value::as_inline_table_mut) {
                    Some(t) if hit_cmd(t.get("command").and_then(Value::as_str), hit) => (true, (1, true)),
                    Some(t) => (false, group_remove(t, hit)),
                    None => (false, (0, false)),
                },
            };
            removed += gone;
            if gone > 0 && (flat || empty) {
                match self {
                    List::Tables(a) => drop(a.remove(i)),
                    List::Inline(a) => drop(a.remove(i)),
                }
                at.get_or_insert(i);
                continue;
            }
            if gone > 0 {
                at.get_or_insert(i + 1);
            }
            i += 1;
        }
        (removed, at)
    }

    fn insert(&mut self, at: Option<usize>, w: &Wired) {
        let at = at.unwrap_or(self.len());
        match self {
            List::Tables(a) => {
                let mut entry = Table::new();
                entry.insert("type", value("command"));
                entry.insert("command", value(w.command.as_str()));
                entry.decor_mut().set_prefix(""); // right under its group's header
                let mut inner = ArrayOfTables::new();
                inner.push(entry);
                let mut group = Table::new();
                if let Some(m) = w.wire.matcher {
                    group.insert("matcher", value(m));
                }
                group.insert("hooks", Item::ArrayOfTables(inner));
                a.insert(at, group);
            }
            List::Inline(a) => {
                let mut entry = InlineTable::new();
                entry.insert("type", "command".into());
                entry.insert("command", w.command.as_str().into());
                let mut inner = Array::new();
                inner.push(entry);
                let mut group = InlineTable::new();
                if let Some(m) = w.wire.matcher {
                    group.insert("matcher", m.into());
                }
                group.insert("hooks", Value::Array(inner));
                a.insert(at, group);
            }
        }
    }
}

fn list_of<'a>(hooks: &'a mut dyn TableLike, event: &str, create: bool) -> Result<Option<List<'a>>, String> {
    if hooks.get(event).is_none() {
        if !create {
            return Ok(None);
        }
        hooks.insert(event, Item::ArrayOfTables(ArrayOfTables::new()));
    }
    match hooks.get_mut(event) {
        Some(Item::ArrayOfTables(a)) => Ok(Some(List::Tables(a))),
        Some(Item::Value(Value::Array(a))) => Ok(Some(List::Inline(a))),
        _ => Err(format!("its hooks.{event} is not an array of tables")),
    }
}

pub(super) fn edit(text: &str, _spec: &Spec, wired: &[Wired], mode: Mode) -> Result<Edit, String> {
    let mut doc: DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| format!("it is not valid TOML ({})", one_line(&e.to_string())))?;
    let root = doc.as_table_mut();
    let mut removed = 0;
    let mut changed = false;
    match mode {
        Mode::Install => {
            if root.get("hooks").is_none() {
                let mut t = Table::new();
                t.set_implicit(true);
                root.insert("hooks", Item::Table(t));
            }
            let hooks = root.get_mut("hooks").and_then(Item::as_table_like_mut).ok_or_else(|| "its `hooks` is not a table".to_string())?;
            for w in wired {
                let verb = w.wire.verb.as_str();
                let hit = |o: &Owner| matches!(o, Owner::Native(v) | Owner::Reference(v) if v == verb);
                let mut list = list_of(hooks, w.wire.event, true)?.expect("created");
                if list.hits(&hit) == [w.command.as_str()] {
                    continue;
                }
                let (n, at) = list.remove(&hit);
                removed += n;
                list.insert(at, w);
                changed = true;
            }
        }
        Mode::Uninstall => {
            if let Some(hooks) = root.get_mut("hooks").and_then(Item::as_table_like_mut) {
                for w in wired {
                    let verb = w.wire.verb.as_str();
                    let hit = |o: &Owner| matches!(o, Owner::Native(v) if v == verb);
                    let Ok(Some(mut list)) = list_of(hooks, w.wire.event, false) else {
                        continue;
                    };
                    let (n, _) = list.remove(&hit);
                    removed += n;
                    if n > 0 && list.len() == 0 {
                        hooks.remove(w.wire.event);
                    }
                }
                if removed > 0 && hooks.is_empty() {
                    root.remove("hooks");
                }
            }
            changed = removed > 0;
        }
    }
    if !changed {
        return Ok(Edit::Unchanged);
    }
    let mut out = drop_stray_fence(doc.to_string());
    if mode == Mode::Uninstall && out.trim().is_empty() {
        return Ok(Edit::Delete { removed });
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(Edit::Write { text: out, removed })
}

/// The reference's installer fences its Codex block with a pair of comment
/// lines. Its opening line leaves with the first table it precedes; once it
/// is gone, drop the closing line too rather than leave half a fence.
fn drop_stray_fence(text: String) -> String {
    const OPEN: &str = "# >>> dos hooks";
    const CLOSE: &str = "# <<< dos hooks <<<";
    if text.lines().any(|l| l.trim_start().starts_with(OPEN)) || !text.lines().any(|l| l.trim() == CLOSE) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim() != CLOSE {
            out.push_str(line);
        }
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
