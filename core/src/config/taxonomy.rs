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
        self.trees
            .iter()
            .find(|(name, _)| name == lane)
            .map(|(_, tree)| tree.as_slice())
            .unwrap_or(&[])
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
