//! `WorkspaceFacts`: what was found on disk when the config was built.

/// Facts about the served workspace, probed once by the boundary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceFacts {
    /// The workspace root the facts describe.
    pub root: String,
    /// The kernel runtime files that exist under `root` (empty for a
    /// foreign repository).
    pub kernel_runtime_files: Vec<String>,
    /// `kernel_runtime_files` is non-empty.
    pub is_kernel_repo: bool,
}

/// The kernel's own runtime files (repo-relative), in the reference's order.
/// A lease over any of them could rewrite the live kernel; the SELF_MODIFY
/// guard and the boundary's workspace probe both read this list.
pub const DISPATCH_RUNTIME_FILES: [&str; 11] = [
    "src/dos/arbiter.py",
    "src/dos/admission.py",
    "src/dos/self_modify.py",
    "src/dos/lane_overlap.py",
    "src/dos/_tree.py",
    "src/dos/gate_classify.py",
    "src/dos/loop_decide.py",
    "src/dos/tokens.py",
    "src/dos/wedge_reason.py",
    "src/dos/reasons.py",
    "src/dos/config.py",
];

impl WorkspaceFacts {
    /// Facts for `root` given the runtime files found there.
    pub fn new(root: impl Into<String>, kernel_runtime_files: Vec<String>) -> WorkspaceFacts {
        WorkspaceFacts { root: root.into(), is_kernel_repo: !kernel_runtime_files.is_empty(), kernel_runtime_files }
    }

    pub fn to_value(&self) -> crate::pyjson::Value {
        use crate::pyjson::Value;
        Value::Dict(crate::dict! {
            "root" => self.root.as_str(),
            "kernel_runtime_files" => self.kernel_runtime_files.iter().map(|s| Value::str(s.as_str())).collect::<Vec<_>>(),
            "is_kernel_repo" => self.is_kernel_repo,
        })
    }
}
