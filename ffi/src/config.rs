//! Config handles: a workspace config built once and shared by many calls.

use crate::{bytes, dos_buffer, dos_status, guard, put_buffer};
use dos_core::config::layer::{self, Doc, Loaded, Preset};
use dos_core::config::toml_text;
use dos_core::envelope::{self, CallError};
use dos_core::pyjson::{self, Value};
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

/// An immutable workspace config (lanes, paths, every `dos.toml` seam) and the
/// warnings its build produced. Build with `dos_config_from_toml`,
/// `dos_config_from_workspace` or `dos_config_from_json`; release with
/// `dos_config_free`. Safe to share between threads.
pub struct dos_config {
    pub(crate) loaded: Arc<Loaded>,
}

impl dos_config {
    /// The native config (for typed entry points that take a handle).
    pub fn substrate(&self) -> &dos_core::config::SubstrateConfig {
        &self.loaded.config
    }
}

fn finish(result: Result<Loaded, CallError>, out: *mut *mut dos_config, out_error: *mut dos_buffer) -> dos_status {
    match result {
        Ok(loaded) => {
            let handle = Box::into_raw(Box::new(dos_config { loaded: Arc::new(loaded) }));
            // SAFETY: `out` was null-checked by the caller.
            unsafe { out.write(handle) };
            dos_status::DOS_STATUS_OK
        }
        Err(e) => {
            if !out_error.is_null() {
                // SAFETY: non-null; the caller owns the buffer it receives.
                unsafe { put_buffer(out_error, envelope::encode_response(Err(e))) };
            }
            dos_status::DOS_STATUS_ERROR_RESPONSE
        }
    }
}

unsafe fn begin(out: *mut *mut dos_config, out_error: *mut dos_buffer) -> Result<(), dos_status> {
    if out.is_null() {
        return Err(dos_status::DOS_STATUS_NULL_ARGUMENT);
    }
    // SAFETY: non-null pointers; start from "no handle, empty error".
    unsafe { out.write(ptr::null_mut()) };
    if !out_error.is_null() {
        unsafe { out_error.write(dos_buffer { data: ptr::null_mut(), len: 0 }) };
    }
    Ok(())
}

/// Build a config from `dos.toml` text layered over the generic preset, with
/// no file access: the layout's root is "." and the workspace is not probed.
/// Malformed tables do not fail the build (see `dos_config_warnings`); a value
/// the reference cannot load at all gives `DOS_STATUS_ERROR_RESPONSE` and, when
/// `out_error` is not NULL, a JSON error response (`BAD_CONFIG`) in it.
/// `text` must be UTF-8 (a leading byte order mark is skipped): other bytes
/// give `DOS_STATUS_INVALID_UTF8`, no handle and no error response (a
/// workspace's `dos.toml` that is not UTF-8 is instead ignored table by table
/// with a warning, as the reference does). `text` may be NULL with
/// `len == 0` (no `dos.toml`).
#[no_mangle]
pub unsafe extern "C" fn dos_config_from_toml(
    text: *const u8,
    len: usize,
    out_config: *mut *mut dos_config,
    out_error: *mut dos_buffer,
) -> dos_status {
    try_status!(unsafe { begin(out_config, out_error) });
    guard(|| {
        let t = try_status!(unsafe { bytes(text, len) });
        let doc = if text.is_null() {
            Doc::Absent
        } else {
            match toml_text::decode(t) {
                Ok(s) => toml_text::parse(&s),
                Err(_) => return dos_status::DOS_STATUS_INVALID_UTF8,
            }
        };
        finish(layer::load(Preset::Generic, ".", None, &doc), out_config, out_error)
    })
}

/// Build the config of a workspace on disk: `path` (NUL-terminated; NULL means
/// `$DISPATCH_WORKSPACE`, else the current directory) is resolved, probed for
/// the kernel runtime files, and its `dos.toml` layered over the generic
/// preset. Errors as for `dos_config_from_toml` (an unreadable `dos.toml` is
/// one).
#[no_mangle]
pub unsafe extern "C" fn dos_config_from_workspace(
    path: *const c_char,
    out_config: *mut *mut dos_config,
    out_error: *mut dos_buffer,
) -> dos_status {
    try_status!(unsafe { begin(out_config, out_error) });
    guard(|| {
        let ws = if path.is_null() {
            None
        } else {
            // SAFETY: the caller promises a NUL-terminated string.
            match unsafe { CStr::from_ptr(path) }.to_str() {
                Ok(s) => Some(s),
                Err(_) => return dos_status::DOS_STATUS_INVALID_UTF8,
            }
        };
        finish(dos_io::boundary::load_workspace_config(ws, Preset::Generic), out_config, out_error)
    })
}

/// Build a config from an inline config object, the envelope's `config`
/// shape: `{"preset": "generic"|"job"|"workshop", "workspace": path|null,
/// "root": path, "workspace_facts": {...}, <tables>...}` (see docs/abi.md).
/// Warnings about a workspace's `dos.toml` and about inline tables are kept
/// (`dos_config_warnings`); a request that is not such an object is refused.
#[no_mangle]
pub unsafe extern "C" fn dos_config_from_json(
    json_text: *const u8,
    len: usize,
    out_config: *mut *mut dos_config,
    out_error: *mut dos_buffer,
) -> dos_status {
    try_status!(unsafe { begin(out_config, out_error) });
    guard(|| {
        let t = try_status!(unsafe { bytes(json_text, len) });
        let result = match pyjson::parse(t) {
            Ok(Value::Dict(d)) => dos_io::workspace::load(&d),
            Ok(other) => {
                Err(CallError::new(dos_core::ErrorCode::BadConfig, format!("a config must be a JSON object, not {}", other.type_name())))
            }
            Err(e) => Err(CallError::new(dos_core::ErrorCode::BadJson, format!("the config is not valid JSON: {e}"))),
        };
        finish(result, out_config, out_error)
    })
}

/// The warnings of a config's build as a JSON array of
/// `{"table", "key", "message"}` (the tables that were ignored).
#[no_mangle]
pub unsafe extern "C" fn dos_config_warnings(config: *const dos_config, out: *mut dos_buffer) -> dos_status {
    if config.is_null() || out.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    guard(|| {
        // SAFETY: a live handle from a dos_config_* builder.
        let c = unsafe { &*config };
        let v = Value::List(c.loaded.warnings.iter().map(|w| w.to_value()).collect());
        unsafe { put_buffer(out, pyjson::dumps(&v, pyjson::Options::COMPACT).unwrap_or_default()) };
        dos_status::DOS_STATUS_OK
    })
}

/// The config as JSON: every seam in the reference's field order.
#[no_mangle]
pub unsafe extern "C" fn dos_config_to_json(config: *const dos_config, out: *mut dos_buffer) -> dos_status {
    if config.is_null() || out.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    guard(|| {
        // SAFETY: a live handle.
        let c = unsafe { &*config };
        let body = pyjson::dumps(&c.loaded.config.to_value(), pyjson::Options::COMPACT).unwrap_or_default();
        unsafe { put_buffer(out, body) };
        dos_status::DOS_STATUS_OK
    })
}

/// Release a config. NULL is accepted. Free a handle only when no call is
/// using it.
#[no_mangle]
pub unsafe extern "C" fn dos_config_free(config: *mut dos_config) {
    if !config.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the pointer came from a dos_config_* builder.
            drop(unsafe { Box::from_raw(config) })
        }));
    }
}

/// `dos_call` under a prebuilt config: ops that read a config use `config`
/// (the request's own `config` field must still be an object or null, and is
/// not consulted). Same statuses and ownership as `dos_call`.
#[no_mangle]
pub unsafe extern "C" fn dos_call_with_config(
    config: *const dos_config,
    request: *const u8,
    request_len: usize,
    out_response: *mut dos_buffer,
) -> dos_status {
    if out_response.is_null() || config.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    // SAFETY: non-null; start empty.
    unsafe { out_response.write(dos_buffer { data: ptr::null_mut(), len: 0 }) };
    let req = try_status!(unsafe { bytes(request, request_len) });
    // SAFETY: a live handle.
    let cfg = unsafe { &*config };
    match catch_unwind(AssertUnwindSafe(|| dos_ops::call_with(req, Some(&cfg.loaded.config)))) {
        Ok((ok, body)) => {
            unsafe { put_buffer(out_response, body) };
            if ok {
                dos_status::DOS_STATUS_OK
            } else {
                dos_status::DOS_STATUS_ERROR_RESPONSE
            }
        }
        Err(_) => {
            let body = envelope::encode_response(Err(CallError::new(
                dos_core::ErrorCode::Internal,
                "libdos caught an internal panic while handling this request",
            )));
            unsafe { put_buffer(out_response, body) };
            dos_status::DOS_STATUS_PANIC
        }
    }
}
