//! libFuzzer over `dos_call`: arbitrary bytes in, and a response that is the
//! envelope (never a panic) out. The ops that write files are refused up
//! front: libFuzzer's inputs are not rewritten into a temporary directory.
#![no_main]

use dos::{dos_buffer, dos_buffer_free, dos_call, dos_status};
use libfuzzer_sys::fuzz_target;

const WRITERS: [&str; 6] = ["lane_lease.", "lane_journal.append", "archive_lock.", "id_alloc.allocate", ".write", ".record\""];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if WRITERS.iter().any(|w| text.contains(w)) || text.contains("\\u") || text.contains("intent_ledger.append\"") {
        return;
    }
    let mut out = dos_buffer { data: std::ptr::null_mut(), len: 0 };
    let st = unsafe { dos_call(data.as_ptr(), data.len(), &mut out) };
    assert!(matches!(st, dos_status::DOS_STATUS_OK | dos_status::DOS_STATUS_ERROR_RESPONSE), "{st:?}");
    let body = unsafe { std::slice::from_raw_parts(out.data, out.len) };
    assert!(body.starts_with(b"{\"abi\":1,\"ok\":"));
    assert!(!body.windows(10).any(|w| w == b"\"INTERNAL\""));
    unsafe { dos_buffer_free(&mut out) };
});
