//! The `dos-hook` binary is `src/main.rs`; this library is empty on purpose.
//!
//! Cargo ignores a dependency on a package without a library, and maturin
//! packs into the `dos-native` sdist only the path dependencies Cargo sees.
//! `python/Cargo.toml` names this crate as a dependency for no target at all
//! (`cfg(any())`), so the sdist carries the hook's sources and its build
//! backend can build the binary the wheel installs. Nothing links this.
