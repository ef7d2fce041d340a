//! The C ABI of libdos.
//!
//! Every export is `dos_`-prefixed, null-checks every pointer, and runs behind
//! a panic boundary: a bug inside the library comes back as `DOS_STATUS_PANIC`,
//! never as an unwind into C. Output bytes live in a library-owned
//! [`dos_buffer`] that the caller releases with [`dos_buffer_free`].
#![allow(non_camel_case_types)]
// The exports take raw pointers by design; each one documents its contract.
#![allow(clippy::missing_safety_doc)]

use dos_core::deciders::{exec_capability, tree};
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

/// Outcome of a libdos call. The numbers are stable across releases; new
/// codes may be added, so treat an unknown value as an error.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dos_status {
    /// Success. For `dos_call`, the response holds `"ok": true`.
    DOS_STATUS_OK = 0,
    /// `dos_call` only: the request was refused and the response holds
    /// `"ok": false` with an error code and message.
    DOS_STATUS_ERROR_RESPONSE = 1,
    /// A required pointer was NULL (or a NULL data pointer with a length > 0).
    DOS_STATUS_NULL_ARGUMENT = 2,
    /// Text that must be UTF-8 was not.
    DOS_STATUS_INVALID_UTF8 = 3,
    /// An argument was out of its domain (for example an unknown enum value).
    DOS_STATUS_INVALID_ARGUMENT = 4,
    /// A bug inside libdos was caught at the boundary. Please report it.
    DOS_STATUS_PANIC = 5,
}

/// A byte buffer owned by libdos. Release it exactly once with
/// `dos_buffer_free`; never pass `data` to `free()`. An empty buffer has
/// `data == NULL` and `len == 0`. The bytes are not NUL-terminated.
#[repr(C)]
#[derive(Debug)]
pub struct dos_buffer {
    pub data: *mut u8,
    pub len: usize,
}

/// A borrowed view of caller bytes (UTF-8 text where text is expected).
/// `data` may be NULL only when `len` is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dos_str {
    pub data: *const u8,
    pub len: usize,
}

/// What a command's invoked program grants (`exec_capability.Capability`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dos_capability {
    DOS_CAPABILITY_GRANTS_ARBITRARY_EXEC = 0,
    DOS_CAPABILITY_BOUNDED = 1,
    DOS_CAPABILITY_EMPTY = 2,
}

/// An immutable exec-capability policy (the set of programs that grant
/// arbitrary execution). Create with `dos_exec_policy_new`, release with
/// `dos_exec_policy_free`. Safe to share between threads.
pub struct dos_exec_policy {
    inner: exec_capability::ExecCapabilityPolicy,
}

fn guard<F: FnOnce() -> dos_status>(f: F) -> dos_status {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(dos_status::DOS_STATUS_PANIC)
}

/// Borrow `len` bytes at `data`; NULL is allowed only for an empty view.
unsafe fn bytes<'a>(data: *const u8, len: usize) -> Result<&'a [u8], dos_status> {
    if data.is_null() {
        if len == 0 {
            Ok(&[])
        } else {
            Err(dos_status::DOS_STATUS_NULL_ARGUMENT)
        }
    } else {
        // SAFETY: the caller promises `data` points at `len` readable bytes.
        Ok(unsafe { std::slice::from_raw_parts(data, len) })
    }
}

unsafe fn text<'a>(data: *const u8, len: usize) -> Result<&'a str, dos_status> {
    let b = unsafe { bytes(data, len)? };
    std::str::from_utf8(b).map_err(|_| dos_status::DOS_STATUS_INVALID_UTF8)
}

unsafe fn texts<'a>(items: *const dos_str, n: usize) -> Result<Vec<&'a str>, dos_status> {
    let views: &[dos_str] = if items.is_null() {
        if n == 0 {
            &[]
        } else {
            return Err(dos_status::DOS_STATUS_NULL_ARGUMENT);
        }
    } else {
        // SAFETY: the caller promises `n` readable `dos_str` values.
        unsafe { std::slice::from_raw_parts(items, n) }
    };
    views.iter().map(|v| unsafe { text(v.data, v.len) }).collect()
}

fn into_buffer(v: Vec<u8>) -> dos_buffer {
    if v.is_empty() {
        return dos_buffer { data: ptr::null_mut(), len: 0 };
    }
    let boxed = v.into_boxed_slice();
    let len = boxed.len();
    dos_buffer { data: Box::into_raw(boxed) as *mut u8, len }
}

unsafe fn put_buffer(out: *mut dos_buffer, v: Vec<u8>) {
    // SAFETY: `out` was null-checked by the caller of this helper.
    unsafe { out.write(into_buffer(v)) };
}

macro_rules! try_status {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(s) => return s,
        }
    };
}

mod config;
pub use config::*;

/// The libdos version, e.g. "0.1.0": a static NUL-terminated string.
#[no_mangle]
pub extern "C" fn dos_version() -> *const c_char {
    static V: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    V.as_ptr() as *const c_char
}

/// The envelope ABI version this library speaks (the `"abi"` field).
#[no_mangle]
pub extern "C" fn dos_abi_version() -> u32 {
    dos_core::ABI_VERSION as u32
}

/// A static NUL-terminated name for a status ("DOS_STATUS_OK", …); "UNKNOWN"
/// for a value this version does not define.
#[no_mangle]
pub extern "C" fn dos_status_name(status: i32) -> *const c_char {
    let s: &'static str = match status {
        0 => "DOS_STATUS_OK\0",
        1 => "DOS_STATUS_ERROR_RESPONSE\0",
        2 => "DOS_STATUS_NULL_ARGUMENT\0",
        3 => "DOS_STATUS_INVALID_UTF8\0",
        4 => "DOS_STATUS_INVALID_ARGUMENT\0",
        5 => "DOS_STATUS_PANIC\0",
        _ => "UNKNOWN\0",
    };
    s.as_ptr() as *const c_char
}

/// Release a buffer returned by libdos and reset it to empty. NULL and
/// already-empty buffers are accepted.
#[no_mangle]
pub unsafe extern "C" fn dos_buffer_free(buf: *mut dos_buffer) {
    if buf.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `buf` is non-null and was filled by libdos (or is empty).
        let b = unsafe { &mut *buf };
        if !b.data.is_null() && b.len > 0 {
            // SAFETY: `data`/`len` came from `into_buffer`'s boxed slice.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(b.data, b.len)) });
        }
        b.data = ptr::null_mut();
        b.len = 0;
    }));
}

/// The envelope: send a JSON request (`{"abi":1,"op":…,"config":…,"args":…}`)
/// and receive the JSON response in `*out_response` (UTF-8, compact).
///
/// Returns `DOS_STATUS_OK` when the response holds `"ok": true`,
/// `DOS_STATUS_ERROR_RESPONSE` when it holds `"ok": false` (malformed JSON, an
/// unknown op, bad args…: read its `error.code`), and `DOS_STATUS_NULL_ARGUMENT`
/// when `out_response` is NULL or `request` is NULL with a non-zero length (no
/// response is written then). On `DOS_STATUS_PANIC` the response holds an
/// `INTERNAL` error when it could be built. The caller owns `*out_response` and
/// releases it with `dos_buffer_free`.
#[no_mangle]
pub unsafe extern "C" fn dos_call(request: *const u8, request_len: usize, out_response: *mut dos_buffer) -> dos_status {
    if out_response.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    // SAFETY: non-null; give the caller an empty buffer whatever happens next.
    unsafe { out_response.write(dos_buffer { data: ptr::null_mut(), len: 0 }) };
    let req = try_status!(unsafe { bytes(request, request_len) });
    let result = catch_unwind(AssertUnwindSafe(|| dos_ops::call(req)));
    match result {
        Ok((ok, body)) => {
            unsafe { put_buffer(out_response, body) };
            if ok {
                dos_status::DOS_STATUS_OK
            } else {
                dos_status::DOS_STATUS_ERROR_RESPONSE
            }
        }
        Err(_) => {
            let body = dos_core::envelope::encode_response(Err(dos_core::CallError::new(
                dos_core::ErrorCode::Internal,
                "libdos caught an internal panic while handling this request",
            )));
            unsafe { put_buffer(out_response, body) };
            dos_status::DOS_STATUS_PANIC
        }
    }
}

/// Build an exec-capability policy. `programs` (may be NULL with
/// `n_programs == 0`) replaces the default program set when `replace_default`
/// is true; `extra` adds tokens (stripped and lower-cased, blanks skipped), as
/// `ExecCapabilityPolicy.with_extra` does. The caller owns `*out_policy` and
/// releases it with `dos_exec_policy_free`.
#[no_mangle]
pub unsafe extern "C" fn dos_exec_policy_new(
    replace_default: bool,
    programs: *const dos_str,
    n_programs: usize,
    extra: *const dos_str,
    n_extra: usize,
    out_policy: *mut *mut dos_exec_policy,
) -> dos_status {
    if out_policy.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    guard(|| {
        // SAFETY: non-null.
        unsafe { out_policy.write(ptr::null_mut()) };
        let programs = try_status!(unsafe { texts(programs, n_programs) });
        let extra = try_status!(unsafe { texts(extra, n_extra) });
        let base = if replace_default {
            exec_capability::ExecCapabilityPolicy::new(programs.iter().map(|s| s.to_string()).collect())
        } else {
            exec_capability::ExecCapabilityPolicy::default().with_extra(&programs)
        };
        let inner = base.with_extra(&extra);
        let handle = Box::into_raw(Box::new(dos_exec_policy { inner }));
        unsafe { out_policy.write(handle) };
        dos_status::DOS_STATUS_OK
    })
}

/// Release a policy from `dos_exec_policy_new`. NULL is accepted.
#[no_mangle]
pub unsafe extern "C" fn dos_exec_policy_free(policy: *mut dos_exec_policy) {
    if !policy.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the pointer came from `dos_exec_policy_new`.
            drop(unsafe { Box::from_raw(policy) })
        }));
    }
}

/// `exec_capability.classify_command`: classify the program a command invokes.
/// `policy` may be NULL for the default set. `*out_capability` receives the
/// verdict. When `out_program` is non-NULL it receives the invoked program
/// (lower-cased basename; empty for `DOS_CAPABILITY_EMPTY`), owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn dos_exec_classify(
    policy: *const dos_exec_policy,
    command: *const u8,
    command_len: usize,
    out_capability: *mut dos_capability,
    out_program: *mut dos_buffer,
) -> dos_status {
    if out_capability.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    guard(|| {
        if !out_program.is_null() {
            unsafe { out_program.write(dos_buffer { data: ptr::null_mut(), len: 0 }) };
        }
        let cmd = try_status!(unsafe { text(command, command_len) });
        let pol = if policy.is_null() {
            exec_capability::ExecCapabilityPolicy::default_ref()
        } else {
            // SAFETY: a live handle from `dos_exec_policy_new`.
            unsafe { &(*policy).inner }
        };
        let v = exec_capability::classify_command(cmd, pol);
        let cap = match v.capability {
            exec_capability::Capability::GrantsArbitraryExec => dos_capability::DOS_CAPABILITY_GRANTS_ARBITRARY_EXEC,
            exec_capability::Capability::Bounded => dos_capability::DOS_CAPABILITY_BOUNDED,
            exec_capability::Capability::Empty => dos_capability::DOS_CAPABILITY_EMPTY,
        };
        unsafe { out_capability.write(cap) };
        if !out_program.is_null() {
            unsafe { put_buffer(out_program, v.program.unwrap_or_default().into_bytes()) };
        }
        dos_status::DOS_STATUS_OK
    })
}

/// `_tree.norm_tree_prefix`: the comparable prefix of one tree entry, into
/// `*out_prefix` (owned by the caller; empty for a leading glob).
#[no_mangle]
pub unsafe extern "C" fn dos_norm_tree_prefix(entry: *const u8, entry_len: usize, out_prefix: *mut dos_buffer) -> dos_status {
    if out_prefix.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    guard(|| {
        unsafe { out_prefix.write(dos_buffer { data: ptr::null_mut(), len: 0 }) };
        let e = try_status!(unsafe { text(entry, entry_len) });
        unsafe { put_buffer(out_prefix, tree::norm_tree_prefix(e).into_bytes()) };
        dos_status::DOS_STATUS_OK
    })
}

/// `_tree.prefixes_collide`: whether two normalized prefixes can name the same
/// file (one starts with the other). Compares bytes; no UTF-8 check needed.
#[no_mangle]
pub unsafe extern "C" fn dos_prefixes_collide(
    a: *const u8,
    a_len: usize,
    b: *const u8,
    b_len: usize,
    out_collide: *mut bool,
) -> dos_status {
    if out_collide.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    guard(|| {
        let a = try_status!(unsafe { bytes(a, a_len) });
        let b = try_status!(unsafe { bytes(b, b_len) });
        unsafe { out_collide.write(a.starts_with(b) || b.starts_with(a)) };
        dos_status::DOS_STATUS_OK
    })
}

/// `_tree.lane_trees_disjoint`: whether two lane trees (lists of globs) cannot
/// edit the same file. An empty tree is never disjoint.
#[no_mangle]
pub unsafe extern "C" fn dos_lane_trees_disjoint(
    tree_a: *const dos_str,
    n_a: usize,
    tree_b: *const dos_str,
    n_b: usize,
    out_disjoint: *mut bool,
) -> dos_status {
    if out_disjoint.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    guard(|| {
        let a = try_status!(unsafe { texts(tree_a, n_a) });
        let b = try_status!(unsafe { texts(tree_b, n_b) });
        unsafe { out_disjoint.write(tree::lane_trees_disjoint(&a, &b)) };
        dos_status::DOS_STATUS_OK
    })
}

/// Run one agent-host hook call, as `dos-hook <argv…>` would with `stdin` on
/// its standard input: `argv` is the verb and its flags (`n_argv` views,
/// UTF-8); `stdin` the event bytes (NULL with `stdin_len == 0` for none).
/// Writes the bytes the hook prints on stdout to `*out_stdout` (empty when
/// it prints nothing; release with `dos_buffer_free`) and its exit code to
/// `*out_exit`: 0 handled, 3 hand the call to `dos hook <verb>` (the event
/// was not consumed). The durable records (lane journal, session stream,
/// marker tally) are written exactly as the binary writes them. A panic
/// inside is exit 0 with nothing on stdout and `DOS_STATUS_PANIC`. The hook
/// observation log is the binary's own and is not written here.
#[no_mangle]
pub unsafe extern "C" fn dos_hook_run(
    argv: *const dos_str,
    n_argv: usize,
    stdin: *const u8,
    stdin_len: usize,
    out_stdout: *mut dos_buffer,
    out_exit: *mut i32,
) -> dos_status {
    if out_stdout.is_null() || out_exit.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    // SAFETY: both non-null; start from "handled, nothing printed".
    unsafe {
        out_stdout.write(dos_buffer { data: ptr::null_mut(), len: 0 });
        out_exit.write(0);
    }
    let args = try_status!(unsafe { texts(argv, n_argv) });
    let input = try_status!(unsafe { bytes(stdin, stdin_len) });
    let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    match catch_unwind(AssertUnwindSafe(|| dos_io::hook::run(&argv, &mut || input.to_vec()))) {
        Ok(out) => {
            unsafe {
                put_buffer(out_stdout, out.stdout);
                out_exit.write(if out.exit == 2 { 0 } else { out.exit });
            }
            dos_status::DOS_STATUS_OK
        }
        Err(_) => dos_status::DOS_STATUS_PANIC,
    }
}

/// Whether `dos_hook_run` with these arguments reads the event: false when
/// the call finishes or is handed back (exit 3) without it, so a host can
/// leave its stdin untouched for the `|| dos hook <verb>` fallback.
#[no_mangle]
pub unsafe extern "C" fn dos_hook_wants_stdin(argv: *const dos_str, n_argv: usize, out_wants: *mut bool) -> dos_status {
    if out_wants.is_null() {
        return dos_status::DOS_STATUS_NULL_ARGUMENT;
    }
    guard(|| {
        let args = try_status!(unsafe { texts(argv, n_argv) });
        let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        unsafe { out_wants.write(dos_io::hook::wants_stdin(&argv)) };
        dos_status::DOS_STATUS_OK
    })
}
