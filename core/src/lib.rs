//! dos-core: the decision kernel of DOS, the Dispatch Operating System.
//!
//! Layers, from the bottom:
//! - [`pyjson`] and [`pystr`]: JSON bytes and text semantics exactly as the
//!   reference's Python produces them, where a decision or a durable byte
//!   depends on them.
//! - [`deciders`]: pure functions, data in and verdict out. They never touch a
//!   file, the clock, the environment or a process; time arrives as integer
//!   milliseconds.
//! - [`config`], [`journal`], [`durable`]: the workspace config model and
//!   the durable records' codecs, without the files they live in.
//! - [`envelope`]: the types of the one envelope every host calls
//!   (`{"abi","op","config","args"}` → `{"abi","ok","verdict"|"error"}`):
//!   operations, their arguments, their errors.
//!
//! This crate has no file, clock, environment or process access (a test
//! keeps it so). The I/O layer is `dos-io` (core/io); the op registry and the
//! envelope entry points are `dos-ops` (core/ops).

// `#[derive(Describe)]` names `::dos_core::route`, inside this crate too.
extern crate self as dos_core;

pub mod config;
pub mod deciders;
pub mod durable;
pub mod envelope;
pub mod journal;
pub mod pyjson;
pub mod pyre;
pub mod pystr;
pub mod pytime;
pub mod route;

pub use envelope::{CallError, ErrorCode, ABI_VERSION};

/// The crate version (also the version of libdos).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The reference release whose behaviour this crate reproduces.
pub const REFERENCE_VERSION: &str = "0.22.0";
