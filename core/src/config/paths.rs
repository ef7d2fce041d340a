//! `PathLayout`: where a workspace keeps the state DOS reads and writes.
//!
//! Paths are held as text with the lexical rules of Python's `PurePosixPath`
//! (repeated separators and `.` parts collapse, `..` stays, a trailing `/`
//! goes). Nothing here touches the file system: the root arrives already
//! resolved (see [`crate::boundary`]).

use super::value::{Fault, Read, Table, Tv};
use crate::dict;
use crate::pyjson::Value;

/// `str(PurePosixPath(p))`.
pub fn norm_path(p: &str) -> String {
    let root = if p.starts_with("//") && !p.starts_with("///") {
        "//"
    } else if p.starts_with('/') {
        "/"
    } else {
        ""
    };
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let s = format!("{root}{}", parts.join("/"));
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// `str(PurePosixPath(base) / rel)`.
pub fn join_path(base: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        return norm_path(rel);
    }
    let b = norm_path(base);
    let r = norm_path(rel);
    if r == "." {
        return b;
    }
    if b == "." {
        return r;
    }
    if b.ends_with('/') {
        format!("{b}{r}")
    } else {
        format!("{b}/{r}")
    }
}

/// Which factory built the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutStyle {
    /// `for_root`: the reference application's `docs/_plans` layout.
    Repo,
    /// `for_dos_dir`: the generic `.dos/` layout.
    Dos,
}

impl LayoutStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutStyle::Repo => "repo",
            LayoutStyle::Dos => "dos",
        }
    }
}

/// The reference's `PathLayout` (field names and order kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathLayout {
    pub root: String,
    pub execution_state: String,
    pub plans_glob: String,
    pub findings_queue: String,
    pub fanout_runs: String,
    pub dispatch_loops: String,
    pub chained_runs: String,
    pub next_packets: String,
    pub replan_dir: String,
    pub soaks_index: String,
    pub picker_audits: String,
    pub archive_lock: String,
    pub lane_journal: String,
    pub leases_dir: Option<String>,
    pub project_card: Option<String>,
    pub style: LayoutStyle,
    pub verdict_journal: Option<String>,
}

/// The fields `[paths]` may set besides `plans_glob`.
pub const PATH_FIELDS: [&str; 14] = [
    "archive_lock",
    "chained_runs",
    "dispatch_loops",
    "execution_state",
    "fanout_runs",
    "findings_queue",
    "lane_journal",
    "leases_dir",
    "next_packets",
    "picker_audits",
    "project_card",
    "replan_dir",
    "soaks_index",
    "verdict_journal",
];

impl PathLayout {
    /// The reference application's layout under `root` (already resolved).
    pub fn for_root(root: &str) -> PathLayout {
        let r = norm_path(root);
        let j = |p: &str| join_path(&r, p);
        PathLayout {
            execution_state: j("docs/_plans/execution-state.yaml"),
            plans_glob: "docs/**/*-plan.md".into(),
            findings_queue: j("docs/_plans/findings-followup-queue.md"),
            fanout_runs: j("docs/_fanout_runs"),
            dispatch_loops: j("docs/_dispatch_loops"),
            chained_runs: j("docs/_chained_runs"),
            next_packets: j("output/next-up"),
            replan_dir: j("docs/_replan"),
            soaks_index: j("docs/_soaks/index.yaml"),
            picker_audits: j("docs/_picker_audits"),
            archive_lock: j("docs/_fanout_runs/.archive.lock"),
            lane_journal: j("docs/_plans/lane-journal.jsonl"),
            leases_dir: Some(j("docs/_plans")),
            project_card: None,
            style: LayoutStyle::Repo,
            verdict_journal: Some(j("docs/_plans/verdict-journal.jsonl")),
            root: r,
        }
    }

    /// The generic `.dos/` layout under `root` (already resolved).
    pub fn for_dos_dir(root: &str) -> PathLayout {
        let r = norm_path(root);
        let j = |p: &str| join_path(&r, p);
        PathLayout {
            execution_state: j("dos.state.yaml"),
            plans_glob: "docs/**/*-plan.md".into(),
            findings_queue: j("dos.findings.md"),
            fanout_runs: j(".dos/runs"),
            dispatch_loops: j(".dos/runs"),
            chained_runs: j(".dos/runs"),
            next_packets: j(".dos/verdicts"),
            replan_dir: j(".dos/replan"),
            soaks_index: j(".dos/soaks/index.yaml"),
            picker_audits: j(".dos/picker_audits"),
            archive_lock: j(".dos/leases/.archive.lock"),
            lane_journal: j(".dos/lane-journal.jsonl"),
            leases_dir: Some(j(".dos/leases")),
            project_card: Some(j(".dos/project.json")),
            style: LayoutStyle::Dos,
            verdict_journal: Some(j(".dos/verdict-journal.jsonl")),
            root: r,
        }
    }

    /// The per-project `.dos/` directory.
    pub fn dot_dos(&self) -> String {
        join_path(&self.root, ".dos")
    }

    /// `[paths]` over this layout: relative paths join the root, absolute ones stay.
    pub fn with_overrides(&self, t: &Table) -> Read<PathLayout> {
        let mut known: Vec<&str> = PATH_FIELDS.to_vec();
        known.push("plans_glob");
        super::stamp::check_known(t, "paths", &known, "")?;
        let mut out = self.clone();
        for (key, v) in t.iter() {
            let Tv::Str(s) = v else {
                return Err(Fault::warn(key, format!("[paths].{key} must be a path string, not {}", v.type_name())));
            };
            if key == "plans_glob" {
                out.plans_glob = s.clone();
                continue;
            }
            let p = join_path(&self.root, s);
            match key {
                "execution_state" => out.execution_state = p,
                "findings_queue" => out.findings_queue = p,
                "fanout_runs" => out.fanout_runs = p,
                "dispatch_loops" => out.dispatch_loops = p,
                "chained_runs" => out.chained_runs = p,
                "next_packets" => out.next_packets = p,
                "replan_dir" => out.replan_dir = p,
                "soaks_index" => out.soaks_index = p,
                "picker_audits" => out.picker_audits = p,
                "archive_lock" => out.archive_lock = p,
                "lane_journal" => out.lane_journal = p,
                "leases_dir" => out.leases_dir = Some(p),
                "project_card" => out.project_card = Some(p),
                _ => out.verdict_journal = Some(p),
            }
        }
        Ok(out)
    }

    pub fn to_value(&self) -> Value {
        let o = |p: &Option<String>| p.as_deref().map_or(Value::Null, Value::str);
        Value::Dict(dict! {
            "root" => self.root.as_str(),
            "execution_state" => self.execution_state.as_str(),
            "plans_glob" => self.plans_glob.as_str(),
            "findings_queue" => self.findings_queue.as_str(),
            "fanout_runs" => self.fanout_runs.as_str(),
            "dispatch_loops" => self.dispatch_loops.as_str(),
            "chained_runs" => self.chained_runs.as_str(),
            "next_packets" => self.next_packets.as_str(),
            "replan_dir" => self.replan_dir.as_str(),
            "soaks_index" => self.soaks_index.as_str(),
            "picker_audits" => self.picker_audits.as_str(),
            "archive_lock" => self.archive_lock.as_str(),
            "lane_journal" => self.lane_journal.as_str(),
            "leases_dir" => o(&self.leases_dir),
            "project_card" => o(&self.project_card),
            "style" => self.style.as_str(),
            "verdict_journal" => o(&self.verdict_journal),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pure_posix_rules() {
        assert_eq!(norm_path("a//b/./c/"), "a/b/c");
        assert_eq!(norm_path("//x"), "//x");
        assert_eq!(norm_path("///x"), "/x");
        assert_eq!(norm_path(""), ".");
        assert_eq!(norm_path("./"), ".");
        assert_eq!(join_path("/r", ""), "/r");
        assert_eq!(join_path("/r", "../x"), "/r/../x");
        assert_eq!(join_path("/r", "/abs//p"), "/abs/p");
        assert_eq!(join_path("/", "x"), "/x");
        assert_eq!(join_path(".", "x"), "x");
    }
}
