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
