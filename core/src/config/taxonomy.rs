//! `LaneTaxonomy`: which lanes exist, which run together, their file trees.

/// The concurrency policy as data (the reference's `LaneTaxonomy`).
///
/// `trees` and `aliases` keep their declaration order, as the reference's
/// dicts do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaneTaxonomy {
    /// Cluster lanes: parallel when their trees are disjoint.
    pub concurrent: Vec<String>,
    /// Lanes that run alone.
    pub exclusive: Vec<String>,
    /// The order a bare (lane-less) request walks.
    pub autopick: Vec<String>,
    /// Each lane's canonical tree (repo-relative globs).
    pub trees: Vec<(String, Vec<String>)>,
    /// Keyword → lane routing.
    pub aliases: Vec<(String, String)>,
}

impl LaneTaxonomy {
    /// The tree declared for `lane` (exact name), empty when unknown.
    pub fn tree_for(&self, lane: &str) -> &[String] {
        self.trees.iter().find(|(name, _)| name == lane).map(|(_, tree)| tree.as_slice()).unwrap_or(&[])
    }

    /// Whether `lane` (exact name) is declared exclusive.
    pub fn is_exclusive(&self, lane: &str) -> bool {
        self.exclusive.iter().any(|l| l == lane)
    }

    /// Whether `lane` (exact name) is declared concurrent.
    pub fn is_concurrent(&self, lane: &str) -> bool {
        self.concurrent.iter().any(|l| l == lane)
    }

    /// The alias target for `keyword` (exact), if declared.
    pub fn alias(&self, keyword: &str) -> Option<&str> {
        self.aliases.iter().find(|(k, _)| k == keyword).map(|(_, v)| v.as_str())
    }
}

use super::value::{Fault, Read, Tv};

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn trees(items: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    items.iter().map(|(k, v)| (k.to_string(), owned(v))).collect()
}

impl LaneTaxonomy {
    /// The generic default: one cluster lane `main`, the exclusive `global`.
    pub fn generic() -> LaneTaxonomy {
        LaneTaxonomy {
            concurrent: owned(&["main"]),
            exclusive: owned(&["global"]),
            autopick: owned(&["main"]),
            trees: trees(&[("main", &["**/*"]), ("global", &["**/*"])]),
            aliases: vec![],
        }
    }

    /// The reference application's structural fallback (`job` preset).
    pub fn job() -> LaneTaxonomy {
        LaneTaxonomy {
            concurrent: vec![],
            exclusive: owned(&["orchestration", "global"]),
            autopick: vec![],
            trees: trees(&[("global", &["**/*"])]),
            aliases: vec![],
        }
    }

    /// The workshop driver's taxonomy: `frontend` and `backend` run side by
    /// side, `release` and `global` run alone.
    pub fn workshop() -> LaneTaxonomy {
        LaneTaxonomy {
            concurrent: owned(&["frontend", "backend"]),
            exclusive: owned(&["release", "global"]),
            autopick: owned(&["frontend", "backend"]),
            trees: trees(&[
                ("frontend", &["app/**/*", "web/**/*", "ui/**/*", "docs/UI-*"]),
                ("backend", &["service/**/*", "api/**/*", "worker/**/*", "docs/SVC-*"]),
                ("release", &["deploy/**/*", ".github/workflows/**/*", "docs/REL-*", "**/VERSION"]),
                ("global", &["**/*"]),
            ]),
            aliases: [
                ("ui", "frontend"),
                ("web", "frontend"),
                ("frontend", "frontend"),
                ("svc", "backend"),
                ("api", "backend"),
                ("service", "backend"),
                ("backend", "backend"),
                ("ship", "release"),
                ("deploy", "release"),
                ("release", "release"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        }
    }

    /// `[lanes]`: a present table replaces the whole taxonomy. Unknown keys
    /// are ignored; a list field must be a list of strings (a bare string is
    /// refused).
    pub fn from_tv(t: &Tv) -> Read<LaneTaxonomy> {
        let Tv::Table(t) = t else {
            return Err(Fault::warn("", format!("[lanes] has to be a table, not {}", t.type_name())));
        };
        let str_list = |v: &Tv, what: &str, key: &str| -> Read<Vec<String>> {
            let Tv::List(items) = v else {
                return Err(Fault::warn(key, format!("{what} must be a list of strings, not {}", v.type_name())));
            };
            items
                .iter()
                .map(|x| match x {
                    Tv::Str(s) => Ok(s.clone()),
                    other => {
                        Err(Fault::warn(key, format!("{what} must hold only strings; found the {} {}", other.type_name(), other.py_repr())))
                    }
                })
                .collect()
        };
        let mut tree_list = Vec::new();
        match t.get("trees") {
            None => {}
            Some(v) if !v.truthy() => {}
            Some(Tv::Table(d)) => {
                for (lane, globs) in d.iter() {
                    tree_list.push((lane.to_string(), str_list(globs, &format!("[lanes.trees].{lane}"), "trees")?));
                }
            }
            Some(other) => return Err(Fault::warn("trees", format!("[lanes.trees] has to be a table, not {}", other.type_name()))),
        }
        let mut alias_list = Vec::new();
        match t.get("aliases") {
            None => {}
            Some(v) if !v.truthy() => {}
            Some(Tv::Table(d)) => {
                for (k, lane) in d.iter() {
                    let Tv::Str(lane) = lane else {
                        return Err(Fault::warn(
                            "aliases",
                            format!("[lanes.aliases].{k} must name a lane with a string, not {}", lane.type_name()),
                        ));
                    };
                    alias_list.push((k.to_string(), lane.clone()));
                }
            }
            Some(other) => return Err(Fault::warn("aliases", format!("[lanes.aliases] has to be a table, not {}", other.type_name()))),
        }
        let field = |key: &str| -> Read<Vec<String>> {
            match t.get(key) {
                None => Ok(vec![]),
                Some(v) => str_list(v, &format!("[lanes].{key}"), key),
            }
        };
        Ok(LaneTaxonomy {
            concurrent: field("concurrent")?,
            exclusive: field("exclusive")?,
            autopick: field("autopick")?,
            trees: tree_list,
            aliases: alias_list,
        })
    }

    /// The taxonomy as data (the dataclass's fields).
    pub fn to_value(&self) -> crate::pyjson::Value {
        use crate::pyjson::{Dict, Value};
        let l = |v: &[String]| Value::List(v.iter().map(|s| Value::str(s.as_str())).collect());
        let mut trees = Dict::with_capacity(self.trees.len());
        for (k, v) in &self.trees {
            trees.push(k.as_str(), l(v));
        }
        let mut aliases = Dict::with_capacity(self.aliases.len());
        for (k, v) in &self.aliases {
            aliases.push(k.as_str(), Value::str(v.as_str()));
        }
        Value::Dict(crate::dict! {
            "concurrent" => l(&self.concurrent),
            "exclusive" => l(&self.exclusive),
            "autopick" => l(&self.autopick),
            "trees" => Value::Dict(trees),
            "aliases" => Value::Dict(aliases),
        })
    }
}
