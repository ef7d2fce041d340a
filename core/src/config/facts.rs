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
