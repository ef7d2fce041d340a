//! The transcript readers of `claim_extract` and `result_state`: read a
//! transcript JSONL as the reference reads it (`open(path, encoding="utf-8",
//! errors="replace").readlines()`: undecodable bytes replaced, universal
//! newlines) and hand its lines to the pure deciders. A file that cannot be
//! read is not an error: the reader answers "" (claim_extract) or an
//! UNREADABLE evidence (result_state), as the reference does on `OSError`.
//!
//! The file ops of `claim_extract`, `result_state` and `coverage` are
//! routed from this layer (`crate::ROUTED`); their pure ops come from
//! `dos-core`, and the catalog groups both under the module's name.

use dos_core::deciders::claim_extract;
use dos_core::deciders::coverage::{self, CoveragePolicy, CoverageVerdict, ReturnState};
use dos_core::deciders::result_state::{self, ResultStateVerdict, TerminalEvidence};
use dos_core::envelope::{CallError, Ctx};
use dos_core::pyjson::Str;
use dos_core::route::{self, Describe, Effect, Module, Op};
use serde::Deserialize;

/// The text of a transcript as the reference reads it (`open(path,
/// encoding="utf-8", errors="replace")`: undecodable bytes replaced; the
/// deciders split its lines), or `None` when the file cannot be read (the
/// reference's `OSError`). A path `open()` refuses with `ValueError` (a NUL,
/// a lone surrogate) is an error.
fn read_text(op: &str, path: &Str) -> Result<Option<String>, CallError> {
    let Some(p) = path.as_str() else {
        return Err(CallError::bad_args(format!("{op}: args.path: not encodable as a file name (a lone surrogate)")));
    };
    if p.contains('\0') {
        return Err(CallError::bad_args(format!("{op}: args.path: holds a NUL byte")));
    }
    let Ok(bytes) = std::fs::read(p) else { return Ok(None) };
    Ok(Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}

/// The text of the last `last_turns` assistant turns of a transcript JSONL
/// (their text blocks and the turns joined by newlines; `last_turns` below
/// 1 counts as 1). "" when the file cannot be read or has no assistant turn
/// with text; unreadable lines are skipped.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AssistantTextFromTranscript {
    /// The transcript file.
    pub path: Str,
    /// How many trailing assistant turns to keep.
    #[serde(default = "one")]
    pub last_turns: i64,
}

fn one() -> i64 {
    1
}

impl Op for AssistantTextFromTranscript {
    const NAME: &'static str = "claim_extract.assistant_text_from_transcript";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Str;

    fn run(self, _: &Ctx<'_>) -> Result<Str, CallError> {
        Ok(match read_text(Self::NAME, &self.path)? {
            None => Str::from(""),
            Some(text) => claim_extract::assistant_text_from_text(&text, self.last_turns),
        })
    }
}

fn evidence_of(op: &str, path: &Str) -> Result<TerminalEvidence, CallError> {
    let Some(text) = read_text(op, path)? else { return Ok(TerminalEvidence::bare(false, false)) };
    result_state::terminal_evidence_from_text(&text).map_err(|e| CallError::bad_args(format!("{op}: {e}")))
}

/// The evidence of a transcript's last assistant record: `readable: false`
/// when the file cannot be read, `found: false` when it holds no assistant
/// record, else that record's fields (unreadable lines skipped).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TerminalEvidenceFromTranscript {
    /// The transcript file.
    pub path: Str,
}

impl Op for TerminalEvidenceFromTranscript {
    const NAME: &'static str = "result_state.terminal_evidence_from_transcript";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = TerminalEvidence;

    fn run(self, _: &Ctx<'_>) -> Result<TerminalEvidence, CallError> {
        evidence_of(Self::NAME, &self.path)
    }
}

/// `classify_terminal` of `terminal_evidence_from_transcript`: the one call
/// a workflow makes at the fold.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct VerifyTranscript {
    /// The transcript file.
    pub path: Str,
}

impl Op for VerifyTranscript {
    const NAME: &'static str = "result_state.verify_transcript";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = ResultStateVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<ResultStateVerdict, CallError> {
        Ok(result_state::classify_terminal(&evidence_of(Self::NAME, &self.path)?))
    }
}

/// `coverage_from_transcripts`: each transcript verified as
/// `result_state.verify_transcript` does (a file that cannot be read is
/// UNREADABLE, which is not a death), then folded by `classify_coverage`.
/// The fold's counts come from the transcripts themselves, not from what a
/// workflow reports about its workers.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CoverageFromTranscripts {
    /// The number of workers the workflow fanned out.
    pub declared: i64,
    /// One transcript file per worker that returned.
    pub paths: Vec<Str>,
    #[serde(default)]
    pub policy: CoveragePolicy,
}

impl Op for CoverageFromTranscripts {
    const NAME: &'static str = "coverage.coverage_from_transcripts";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = CoverageVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<CoverageVerdict, CallError> {
        let mut returns = Vec::with_capacity(self.paths.len());
        for (i, p) in self.paths.iter().enumerate() {
            let v = result_state::classify_terminal(&evidence_of(Self::NAME, p).map_err(|e| at_path(e, i))?);
            returns.push(ReturnState { state: v.state, agent_id: Str::from(""), cls: Some(v.cls) });
        }
        Ok(coverage::classify_coverage(self.declared, &returns, &self.policy))
    }
}

/// A refused path named by its index in `paths`.
fn at_path(e: CallError, i: usize) -> CallError {
    CallError::new(e.code, e.message.replacen("args.path", &format!("args.paths[{i}]"), 1))
}

/// `dos.claim_extract`'s file op (its pure ops are `dos-core`'s).
pub const CLAIM_EXTRACT: Module =
    Module { name: "claim_extract", doc: claim_extract::DOC, routes: &[route::route::<AssistantTextFromTranscript>()], consts: &[] };

/// `dos.result_state`'s file ops.
pub const RESULT_STATE: Module = Module {
    name: "result_state",
    doc: result_state::DOC,
    routes: &[route::route::<TerminalEvidenceFromTranscript>(), route::route::<VerifyTranscript>()],
    consts: &[],
};

/// `dos.coverage`'s file op.
pub const COVERAGE: Module = Module { name: "coverage", doc: "", routes: &[route::route::<CoverageFromTranscripts>()], consts: &[] };

#[cfg(test)]
mod tests {
    use super::*;
    use dos_core::deciders::result_state::TerminalState;

    fn tmp(name: &str, bytes: &[u8]) -> Str {
        let p = std::env::temp_dir().join(format!("dos-transcript-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        Str::from(p.to_string_lossy().into_owned())
    }

    #[test]
    fn reads_as_the_reference_reads() {
        let ctx = Ctx { config: None, prebuilt: None };
        let p = tmp(
            "a",
            b"{\"message\":{\"role\":\"assistant\",\"content\":\"one\"}}\r\n\xff garbled\r{\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"two\"}]}}",
        );
        let t = AssistantTextFromTranscript { path: p.clone(), last_turns: 2 }.run(&ctx).unwrap();
        assert_eq!(t.as_str(), Some("one\ntwo"));
        let v = VerifyTranscript { path: p }.run(&ctx).unwrap();
        assert_eq!(v.state, TerminalState::Healthy);
        let missing = Str::from("/nonexistent/dos/transcript.jsonl");
        assert_eq!(AssistantTextFromTranscript { path: missing.clone(), last_turns: 1 }.run(&ctx).unwrap().as_str(), Some(""));
        assert_eq!(VerifyTranscript { path: missing }.run(&ctx).unwrap().state, TerminalState::Unreadable);
        assert!(VerifyTranscript { path: Str::from("a\0b") }.run(&ctx).is_err());
    }
}
