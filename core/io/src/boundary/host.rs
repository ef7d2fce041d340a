//! This host: its name, this process, the clock, another process's liveness.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// This process's id.
pub fn pid() -> u32 {
    std::process::id()
}

/// The machine's host name (`socket.gethostname()`), empty when unknown.
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
    // within it on success (and we stop at the first NUL regardless).
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// `$DISPATCH_HOST_ID`, else the host name.
pub fn host_id() -> String {
    match std::env::var("DISPATCH_HOST_ID") {
        Ok(v) if !v.is_empty() => v,
        _ => hostname(),
    }
}

/// Is `pid` alive on this host? `None` when it cannot be told: no usable pid,
/// a lease recorded on another host, or a probe error.
pub fn probe_pid(pid: Option<i64>, host_id: &str, this_host: &str) -> Option<bool> {
    let pid = pid.filter(|&p| p > 0)?;
    if !host_id.is_empty() && !this_host.is_empty() && host_id != this_host {
        return None;
    }
    let pid: libc::pid_t = pid.try_into().ok()?;
    // SAFETY: signal 0 performs only the existence and permission check.
    let rc = unsafe { libc::kill(pid, 0) };
    if rc == 0 {
        return Some(true);
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::ESRCH) => Some(false),
        Some(libc::EPERM) => Some(true),
        _ => None,
    }
}
