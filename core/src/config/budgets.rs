//! `[[concurrency_class]]` budgets: at most N live leases of a kind.

/// One declared budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcurrencyClass {
    /// The lease kind the budget counts.
    pub name: String,
    /// How many leases of that kind may be live at once.
    pub max_concurrent: i64,
}

/// The declared budgets, in declaration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassBudgets {
    pub classes: Vec<ConcurrencyClass>,
}

impl ClassBudgets {
    /// The `{kind: max}` map the arbiter takes; a repeated name keeps its last
    /// value (in the position of its first declaration).
    pub fn as_arbiter_budgets(&self) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = Vec::with_capacity(self.classes.len());
        for c in &self.classes {
            match out.iter_mut().find(|(k, _)| *k == c.name) {
                Some(slot) => slot.1 = c.max_concurrent,
                None => out.push((c.name.clone(), c.max_concurrent)),
            }
        }
        out
    }
}

use super::value::{Fault, Read, Tv};

impl ClassBudgets {
    /// `[[concurrency_class]]`: an array of `{name, max_concurrent}` tables
    /// that replaces the budgets.
    pub fn from_tv(v: &Tv) -> Read<ClassBudgets> {
        let items = match v {
            Tv::Null => return Ok(ClassBudgets::default()),
            Tv::List(items) => items,
            other => return Err(Fault::warn("", format!("[[concurrency_class]] has to be an array of tables, not {}", other.type_name()))),
        };
        let mut classes = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Tv::Table(t) = item else {
                return Err(Fault::warn(
                    format!("{i}"),
                    format!("[[concurrency_class]] entry {i} has to be a table, not {}", item.type_name()),
                ));
            };
            let (Some(name), Some(max)) = (t.get("name"), t.get("max_concurrent")) else {
                let mut keys: Vec<&str> = t.keys().collect();
                keys.sort_unstable();
                return Err(Fault::warn(
                    format!("{i}"),
                    format!("[[concurrency_class]] entry {i} needs name and max_concurrent (it has: {})", keys.join(", ")),
                ));
            };
            let name = name.py_str();
            if name.is_empty() {
                return Err(Fault::warn("name", format!("[[concurrency_class]] entry {i} has an empty name")));
            }
            let max = match max {
                Tv::Int(crate::pyjson::Int::Small(m)) => *m,
                Tv::Int(crate::pyjson::Int::Big(b)) if !b.starts_with('-') => {
                    return Err(Fault::crash(
                        "max_concurrent",
                        format!("[[concurrency_class]] {name}: max_concurrent {b} is beyond 64 bits"),
                    ))
                }
                Tv::Int(_) => i64::MIN,
                other => {
                    return Err(Fault::warn(
                        "max_concurrent",
                        format!("[[concurrency_class]] {name}: max_concurrent must be an integer, not {}", other.type_name()),
                    ))
                }
            };
            if max < 0 {
                return Err(Fault::warn("max_concurrent", format!("[[concurrency_class]] {name}: max_concurrent cannot be negative")));
            }
            classes.push(ConcurrencyClass { name, max_concurrent: max });
        }
        Ok(ClassBudgets { classes })
    }

    pub fn to_value(&self) -> crate::pyjson::Value {
        use crate::pyjson::Value;
        Value::List(
            self.classes
                .iter()
                .map(|c| Value::Dict(crate::dict! { "name" => c.name.as_str(), "max_concurrent" => c.max_concurrent }))
                .collect(),
        )
    }
}
