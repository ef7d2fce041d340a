//! The enums whose members the hand fast paths hand out, and the names of
//! their members in the order the native side numbers them (each fast path
//! looks the members up on the module it is bound to).

/// The enums whose members native verdicts hand out, and their members in
/// the order the native side numbers them.
#[derive(Clone, Copy)]
pub(crate) enum Enum {
    Intervention,
    StreamState,
    Readability,
}

impl Enum {
    const ALL: [(Enum, &'static str, &'static [&'static str]); 3] = [
        (Enum::Intervention, "Intervention", &["OBSERVE", "WARN", "DEFER", "BLOCK"]),
        (Enum::StreamState, "StreamState", &["ADVANCING", "REPEATING", "STALLED"]),
        (Enum::Readability, "Readability", &["READABLE", "UNREADABLE_NEWER", "UNTAGGED", "WRONG_FAMILY"]),
    ];

    pub(crate) fn names(self) -> &'static [&'static str] {
        Self::ALL[self as usize].2
    }
}
