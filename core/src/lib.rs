//! dos-core: the decision kernel of DOS, the Dispatch Operating System.
//!
//! Layers, from the bottom:
//! - [`pyjson`] and [`pystr`]: JSON bytes and text semantics exactly as the
//!   reference's Python produces them, where a decision or a durable byte
//!   depends on them.
//! - [`deciders`]: pure functions, data in and verdict out. They never touch a
//!   file, the clock, the environment or a process; time arrives as integer
//!   milliseconds.
//! - [`envelope`]: the one dispatcher every host calls,
//!   `{"abi","op","config","args"}` → `{"abi","ok","verdict"|"error"}`.

// `#[derive(Describe)]` names `::dos_core::route`, inside this crate too.
extern crate self as dos_core;

pub mod boundary;
pub mod config;
pub mod deciders;
pub mod durable;
pub mod envelope;
pub mod journal;
pub mod pyjson;
pub mod pystr;
pub mod pytime;
pub mod route;
pub mod hook;

pub use envelope::{call, dispatch, CallError, ErrorCode, ABI_VERSION};

/// The crate version (also the version of libdos).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The reference release whose behaviour this crate reproduces.
pub const REFERENCE_VERSION: &str = "0.22.0";
