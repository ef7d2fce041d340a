//! The boundary: the only code in `dos-core` that touches files, the clock,
//! the environment or other processes. Deciders receive what it reads as
//! plain data.

pub mod filelock;
pub mod host;
pub mod id_alloc;
pub mod journal;
pub mod lease;
pub mod run_id;
