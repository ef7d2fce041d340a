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

/// Where a process id means something: this boot of this machine and the pid
/// namespace this process lives in. Two processes with equal `Namespace`s
/// see the same process behind the same pid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// `/proc/sys/kernel/random/boot_id`: new on every boot, shared by
    /// every container of the machine.
    pub boot_id: String,
    /// The inode of `/proc/self/ns/pid`: which pid namespace.
    pub pid_ns: u64,
}

/// This process's namespace, when `/proc` is present and describes this
/// process's own pid namespace (its `self` is us); `None` otherwise, and then
/// no other process can be proved gone.
pub fn namespace() -> Option<Namespace> {
    // `/proc/self` belongs to the namespace `/proc` was mounted for; when
    // that is not ours, its pids are not ours either.
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    let pid_field: u32 = own.split(' ').next()?.parse().ok()?;
    if pid_field != pid() {
        return None;
    }
    let boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?.trim().to_string();
    if boot_id.is_empty() || boot_id.contains(char::is_whitespace) {
        return None;
    }
    let link = std::fs::read_link("/proc/self/ns/pid").ok()?;
    let link = link.to_str()?;
    let pid_ns = link.strip_prefix("pid:[")?.strip_suffix(']')?.parse().ok()?;
    Some(Namespace { boot_id, pid_ns })
}

/// A process's state and start time from `/proc/<pid>/stat`: the state
/// letter (field 3) and `starttime`, clock ticks after boot (field 22).
pub fn proc_stat(pid: u32) -> Option<(char, u64)> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn parse_stat(text: &str) -> Option<(char, u64)> {
    // The command name (field 2) is in parentheses and may hold anything,
    // spaces and parentheses included: the fields resume after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    // Field 22 is the 20th after the state (field 3).
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

/// When this process started, in clock ticks after boot.
pub fn own_start_ticks() -> Option<u64> {
    proc_stat(pid()).map(|(_, t)| t)
}

/// Is the process that recorded itself as (`pid`, started at `start_ticks`)
/// still running? Only meaningful for a pid of this process's namespace
/// (compare [`namespace`] first). `Some(false)`: provably gone, the pid is
/// free, a zombie, or now names a process that started at another time.
/// `None`: it cannot be told.
pub fn process_alive(pid: i64, start_ticks: Option<u64>) -> Option<bool> {
    let p: libc::pid_t = pid.try_into().ok().filter(|&p: &libc::pid_t| p > 0)?;
    // SAFETY: signal 0 performs only the existence and permission check.
    let rc = unsafe { libc::kill(p, 0) };
    if rc != 0 {
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ESRCH) => return Some(false),
            // It exists, owned by someone else: its start time still tells.
            Some(libc::EPERM) => {}
            _ => return None,
        }
    }
    judge_stat(p as u32, start_ticks)
}

fn judge_stat(pid: u32, start_ticks: Option<u64>) -> Option<bool> {
    match proc_stat(pid) {
        // A zombie (or a process being reaped) holds nothing; its pid is
        // not reused before it is reaped.
        Some(('Z' | 'X', _)) => Some(false),
        Some((_, started)) => match start_ticks {
            Some(t) => Some(started == t),
            None => Some(true),
        },
        // Gone between the two looks, or /proc hides it: ask once more.
        None => {
            // SAFETY: as above.
            let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
            if rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
                Some(false)
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_after_an_awkward_command_name() {
        let tail = "S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 77182 20 21";
        assert_eq!(parse_stat(&format!("42 (a) b (c) {tail}")), Some(('S', 77182)));
        assert_eq!(parse_stat(&format!("42 (x y) {tail}")), Some(('S', 77182)));
        assert_eq!(parse_stat("42 (short) S 1 2"), None);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_is_alive_and_its_start_time_names_it() {
        let Some(start) = own_start_ticks() else { return };
        let me = i64::from(pid());
        assert_eq!(process_alive(me, Some(start)), Some(true));
        assert_eq!(process_alive(me, None), Some(true));
        assert_eq!(process_alive(me, Some(start + 1)), Some(false));
        assert_eq!(process_alive(0, None), None);
        assert_eq!(process_alive(-5, None), None);
        assert!(namespace().is_some());
    }
}
