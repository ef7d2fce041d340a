//! `attest`: a portable, signed receipt over an effect-witness verdict.
//!
//! A [`Receipt`] carries an effect-witness verdict as it was decided (the
//! token, the belief bits, the witness and its accountability tier), a
//! caller-supplied timestamp and a signature, so a party who was not in the
//! loop can check it with the key alone. Nothing here decides anything new:
//! the verdict is copied, never recomputed.
//!
//! The signature covers a fixed, line-oriented serialization
//! ([`canonical_text`]): one `key=value` line per field in a fixed order
//! (the schema tag and the algorithm included, the signature itself
//! excluded), booleans as `true`/`false`, no tier as the empty string,
//! joined by `\n` and encoded as UTF-8. HMAC-SHA256 signs it; verifying
//! compares in constant time (the `hmac` crate's `verify_slice`) and fails
//! loudly: a wrong algorithm, a missing signature or a mismatch is INVALID.
//!
//! Receipts travel in their `to_dict()` shape (every field, the tier as a
//! token or `""`); keys travel as hex.

use super::effect_witness::EffectWitnessVerdict;
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Str, Value};
use crate::route::{self, Const, Describe, Module, Op};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Which primitive signed a receipt (itself part of what is signed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
pub enum SignatureAlgorithm {
    /// A shared secret: whoever can verify can also sign.
    #[serde(rename = "HMAC-SHA256")]
    HmacSha256,
    /// Public-key signing (reserved; not implemented by the reference either).
    #[serde(rename = "ED25519")]
    Ed25519,
}

impl SignatureAlgorithm {
    pub fn token(self) -> &'static str {
        match self {
            SignatureAlgorithm::HmacSha256 => "HMAC-SHA256",
            SignatureAlgorithm::Ed25519 => "ED25519",
        }
    }
}

/// The receipt schema tag.
pub const SCHEMA: &str = "dos.attest/receipt@1";
/// The environment variable the host reads the HMAC key from (the kernel never reads it).
pub const ATTEST_KEY_ENV: &str = "DOS_ATTEST_KEY";

/// A signed certificate over one effect-witness verdict, in its `to_dict()`
/// shape. `accountability_tier` is the witness's rung token, or `""` when
/// no accountable witness stood behind the verdict; `signature` is the hex
/// MAC over the canonical text, `""` when unsigned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The schema tag (`dos.attest/receipt@1`).
    pub schema: Str,
    /// The effect key the agent claimed.
    pub claim: Str,
    /// The agent's own words, shown and never read for truth.
    pub narrated: Str,
    /// What the read-back probed.
    pub witness_surface: Str,
    /// The witness that authored the read-back.
    pub witness_author: Str,
    /// `AGENT_AUTHORED`, `OS_RECORDED`, `THIRD_PARTY`, or `""` for none.
    pub accountability_tier: Str,
    /// CONFIRMED, REFUTED, UNWITNESSED or NO_CLAIM, as the engine decided.
    pub verdict: Str,
    pub believe: bool,
    pub refuted: bool,
    /// When the receipt was minted (the caller's clock).
    pub timestamp: Str,
    pub algorithm: SignatureAlgorithm,
    pub signature: Str,
}

/// The result of checking a receipt's signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct VerifyResult {
    pub valid: bool,
    /// One line for the operator.
    pub reason: Str,
}

fn utf8<'a>(op: &str, field: &str, s: &'a Str) -> Result<&'a str, CallError> {
    s.as_str().ok_or_else(|| CallError::bad_args(format!("{op}: args.receipt.{field}: a lone surrogate cannot be encoded as UTF-8")))
}

fn check_tier(op: &str, at: &str, tier: &Str) -> Result<(), CallError> {
    match tier.as_str() {
        Some("" | "AGENT_AUTHORED" | "OS_RECORDED" | "THIRD_PARTY") => Ok(()),
        _ => Err(CallError::bad_args(format!(
            "{op}: {at}.accountability_tier: {} is not an accountability token (or \"\")",
            crate::pyjson::repr_str(tier)
        ))),
    }
}

/// The canonical text the signature covers (its UTF-8 bytes are signed).
pub fn canonical_text(op: &str, r: &Receipt) -> Result<String, CallError> {
    check_tier(op, "args.receipt", &r.accountability_tier)?;
    let b = |v: bool| if v { "true" } else { "false" };
    let lines: [(&str, &str); 11] = [
        ("schema", utf8(op, "schema", &r.schema)?),
        ("claim", utf8(op, "claim", &r.claim)?),
        ("narrated", utf8(op, "narrated", &r.narrated)?),
        ("witness_surface", utf8(op, "witness_surface", &r.witness_surface)?),
        ("witness_author", utf8(op, "witness_author", &r.witness_author)?),
        ("accountability_tier", utf8(op, "accountability_tier", &r.accountability_tier)?),
        ("verdict", utf8(op, "verdict", &r.verdict)?),
        ("believe", b(r.believe)),
        ("refuted", b(r.refuted)),
        ("timestamp", utf8(op, "timestamp", &r.timestamp)?),
        ("algorithm", r.algorithm.token()),
    ];
    let mut out = String::new();
    for (i, (k, v)) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    Ok(out)
}

/// The key bytes a hex text spells (two digits per byte), or BAD_ARGS.
pub fn key_bytes(op: &str, key_hex: &Str) -> Result<Vec<u8>, CallError> {
    let bad = || CallError::bad_args(format!("{op}: args.key_hex: expected the key as hex digits (two per byte)"));
    let s = key_hex.as_str().ok_or_else(bad)?.as_bytes();
    if s.len() % 2 != 0 {
        return Err(bad());
    }
    let nib = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.chunks_exact(2).map(|p| Some(nib(p[0])? << 4 | nib(p[1])?)).collect::<Option<Vec<u8>>>().ok_or_else(bad)
}

fn mac(op: &str, r: &Receipt, key: &[u8]) -> Result<Hmac<Sha256>, CallError> {
    let text = canonical_text(op, r)?;
    // HMAC takes a key of any length; this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|e| CallError::new(crate::envelope::ErrorCode::Internal, format!("{op}: {e}")))?;
    m.update(text.as_bytes());
    Ok(m)
}

fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// The text a receipt's signature covers: `key=value` lines in the fixed
/// order schema, claim, narrated, witness_surface, witness_author,
/// accountability_tier, verdict, believe, refuted, timestamp, algorithm
/// (booleans as `true`/`false`), joined by `\n`; its UTF-8 bytes are what
/// is signed. A field holding a lone surrogate cannot be encoded and is
/// refused.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CanonicalBytes {
    pub receipt: Receipt,
}

impl Op for CanonicalBytes {
    const NAME: &'static str = "attest.canonical_bytes";
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        canonical_text(Self::NAME, &self.receipt)
    }
}

/// The HMAC-SHA256 of a receipt's canonical text under the key, as
/// lowercase hex (the receipt's algorithm is signed, not checked).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SignHmac {
    pub receipt: Receipt,
    /// The key bytes, as hex.
    pub key_hex: Str,
}

impl Op for SignHmac {
    const NAME: &'static str = "attest.sign_hmac";
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        let key = key_bytes(Self::NAME, &self.key_hex)?;
        sign_hex(Self::NAME, &self.receipt, &key)
    }
}

/// The HMAC-SHA256 of `r`'s canonical text under the key bytes, as
/// lowercase hex (what [`SignHmac`] answers once the key is decoded).
pub fn sign_hex(op: &str, r: &Receipt, key: &[u8]) -> Result<String, CallError> {
    Ok(hex(&mac(op, r, key)?.finalize().into_bytes()))
}

/// Check an HMAC receipt's signature against its canonical text, in
/// constant time. INVALID when the receipt names another algorithm, carries
/// no signature, or its signature is not the MAC of its fields under the
/// key (a tampered field, a wrong key, a forged stamp). The signature is
/// compared as text, so it must be the lowercase hex the signer writes; a
/// signature with a non-ASCII character is refused, as the reference's
/// comparison refuses it.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct VerifyHmac {
    pub receipt: Receipt,
    /// The key bytes, as hex.
    pub key_hex: Str,
}

impl Op for VerifyHmac {
    const NAME: &'static str = "attest.verify_hmac";
    type Verdict = VerifyResult;

    fn run(self, _: &Ctx<'_>) -> Result<VerifyResult, CallError> {
        let key = key_bytes(Self::NAME, &self.key_hex)?;
        verify(Self::NAME, &self.receipt, &key)
    }
}

/// What [`VerifyHmac`] answers once the key is decoded: `r` checked against
/// the key bytes, in constant time.
pub fn verify(op: &str, r: &Receipt, key: &[u8]) -> Result<VerifyResult, CallError> {
    if r.algorithm != SignatureAlgorithm::HmacSha256 {
        return Ok(VerifyResult {
            valid: false,
            reason: Str::from(format!(
                "INVALID: the receipt names algorithm '{}', but this is the HMAC verifier; check it with that algorithm's verifier",
                r.algorithm.token()
            )),
        });
    }
    if matches!(&r.signature, Str::Utf8(s) if s.is_empty()) {
        return Ok(VerifyResult {
            valid: false,
            reason: Str::from("INVALID: the receipt carries no signature (an unsigned payload is no certificate)"),
        });
    }
    let m = mac(op, r, key)?;
    let sig = match r.signature.as_str() {
        Some(s) if s.is_ascii() => s,
        _ => {
            return Err(CallError::bad_args(format!(
                "{op}: args.receipt.signature: a signature with non-ASCII characters cannot be compared"
            )))
        }
    };
    // The signer writes 64 lowercase hex digits; any other text cannot match.
    let lower_hex = sig.len() == 64 && sig.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    let given: Vec<u8> = if lower_hex { key_bytes(op, &Str::from(sig))? } else { Vec::new() };
    let matches = lower_hex && m.verify_slice(&given).is_ok();
    if matches {
        let tier = match r.accountability_tier.as_str() {
            Some("") | None => "-".to_owned(),
            Some(t) => t.to_owned(),
        };
        let mut p = super::evidence::Prose::new();
        p.lit("VALID: the HMAC signature matches the canonical payload (verdict ").s(&r.verdict).lit(", tier ").lit(&tier).lit(")");
        return Ok(VerifyResult { valid: true, reason: p.done() });
    }
    Ok(VerifyResult {
        valid: false,
        reason: Str::from(
            "INVALID: the HMAC signature does NOT match the canonical payload (a field was changed, the key is \
             wrong, or the signature is forged)",
        ),
    })
}

/// The unsigned receipt of an effect-witness verdict: its key, narration,
/// witness, tier (`""` for none), verdict token and belief bits copied
/// verbatim, stamped with the caller's `timestamp`; `witness_surface` is
/// the claim key when empty.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReceiptFromVerdict {
    pub verdict: EffectWitnessVerdict,
    /// When the receipt is minted (the caller's clock; RFC 3339 UTC).
    pub timestamp: Str,
    #[serde(default = "super::log_source::empty")]
    pub witness_surface: Str,
    #[serde(default = "hmac_default")]
    pub algorithm: SignatureAlgorithm,
}

fn hmac_default() -> SignatureAlgorithm {
    SignatureAlgorithm::HmacSha256
}

fn token_of<T: Serialize>(v: &T) -> Str {
    match crate::pyjson::to_value(v) {
        Ok(Value::Str(s)) => s,
        _ => Str::from(""),
    }
}

impl Op for ReceiptFromVerdict {
    const NAME: &'static str = "attest.receipt_from_verdict";
    type Verdict = Receipt;

    fn run(self, _: &Ctx<'_>) -> Result<Receipt, CallError> {
        let v = self.verdict;
        let surface =
            if matches!(&self.witness_surface, Str::Utf8(s) if s.is_empty()) { v.claim_key.clone() } else { self.witness_surface };
        Ok(Receipt {
            schema: Str::from(SCHEMA),
            claim: v.claim_key,
            narrated: v.narrated,
            witness_surface: surface,
            witness_author: v.witness,
            accountability_tier: v.accountability.map(|a| Str::from(a.token())).unwrap_or_else(|| Str::from("")),
            verdict: token_of(&v.verdict),
            believe: v.believe,
            refuted: v.refuted,
            timestamp: self.timestamp,
            algorithm: self.algorithm,
            signature: Str::from(""),
        })
    }
}

/// A receipt read from its `to_dict()` form or a hand-written one, as the
/// reference's `Receipt.from_dict` reads it: a missing field takes its
/// default (`""`, false, HMAC-SHA256, the schema tag), `believe` and
/// `refuted` by truthiness, the tier stripped of whitespace (empty: none).
/// An unknown tier or algorithm token is refused, loudly.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReceiptFromDict {
    pub d: Dict,
}

impl Op for ReceiptFromDict {
    const NAME: &'static str = "attest.receipt_from_dict";
    type Verdict = Receipt;

    fn run(self, _: &Ctx<'_>) -> Result<Receipt, CallError> {
        let d = &self.d;
        let err = |field: &str, what: String| CallError::bad_args(format!("{}: args.d.{field}: {what}", Self::NAME));
        let text = |field: &str, default: &str| -> Result<Str, CallError> {
            match d.get(field) {
                None => Ok(Str::from(default)),
                Some(Value::Str(s)) => Ok(s.clone()),
                Some(other) => Err(err(field, format!("expected str, got {}", other.type_name()))),
            }
        };
        let tier = match d.get("accountability_tier") {
            Some(v) if v.truthy() => match v {
                Value::Str(s) => {
                    let t: Str = match s {
                        Str::Utf8(t) => Str::from(crate::pystr::strip(t)),
                        other => other.clone(),
                    };
                    let known = ["AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY"];
                    match t.as_str() {
                        Some("") => Str::from(""),
                        Some(tok) if known.contains(&tok) => t.clone(),
                        _ => {
                            return Err(err(
                                "accountability_tier",
                                format!("{} is not an accountability token", crate::pyjson::repr_str(&t)),
                            ))
                        }
                    }
                }
                other => return Err(err("accountability_tier", format!("expected str, got {}", other.type_name()))),
            },
            _ => Str::from(""),
        };
        let algorithm = match d.get("algorithm") {
            Some(v) if v.truthy() => match v.as_str() {
                Some("HMAC-SHA256") => SignatureAlgorithm::HmacSha256,
                Some("ED25519") => SignatureAlgorithm::Ed25519,
                _ => return Err(err("algorithm", format!("{} is not a signature algorithm", crate::pyjson::py_repr(v)))),
            },
            _ => SignatureAlgorithm::HmacSha256,
        };
        Ok(Receipt {
            schema: text("schema", SCHEMA)?,
            claim: text("claim", "")?,
            narrated: text("narrated", "")?,
            witness_surface: text("witness_surface", "")?,
            witness_author: text("witness_author", "")?,
            accountability_tier: tier,
            verdict: text("verdict", "")?,
            believe: d.get("believe").is_some_and(Value::truthy),
            refuted: d.get("refuted").is_some_and(Value::truthy),
            timestamp: text("timestamp", "")?,
            algorithm,
            signature: text("signature", "")?,
        })
    }
}

/// The `attest` module.
pub(crate) const MODULE: Module = Module {
    name: "attest",
    doc: "A portable, signed receipt over an effect-witness verdict: the verdict copied verbatim, a timestamp, \
          and an HMAC-SHA256 signature over a fixed line-oriented canonical text, verified in constant time. \
          Receipts travel in their to_dict() shape, keys as hex.",
    routes: &[
        route::route::<CanonicalBytes>(),
        route::route::<SignHmac>(),
        route::route::<VerifyHmac>(),
        route::route::<ReceiptFromVerdict>(),
        route::route::<ReceiptFromDict>(),
    ],
    consts: &[Const {
        name: "ATTEST_KEY_ENV",
        doc: "The environment variable the host reads the HMAC key from.",
        eval: |reg| route::konst(reg, ATTEST_KEY_ENV),
    }],
};

#[cfg(test)]
mod tests {
    use crate::envelope::CallError;
    use crate::pyjson::{self, Value};

    fn call(op: &str, args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure(op, None, v.as_dict().unwrap())
    }

    const R: &str = r#"{"schema":"dos.attest/receipt@1","claim":"quiz:1","narrated":"made it","witness_surface":"GET /quiz/1",
        "witness_author":"state_diff","accountability_tier":"OS_RECORDED","verdict":"CONFIRMED","believe":true,
        "refuted":false,"timestamp":"2026-01-01T00:00:00Z","algorithm":"HMAC-SHA256","signature":""}"#;

    #[test]
    fn sign_then_verify_and_tamper() {
        let sig = call("attest.sign_hmac", &format!(r#"{{"receipt":{R},"key_hex":"6b6579"}}"#)).unwrap();
        let sig = sig.as_str().unwrap().to_owned();
        assert_eq!(sig.len(), 64);
        let signed = R.replace(r#""signature":"""#, &format!(r#""signature":"{sig}""#));
        let ok = call("attest.verify_hmac", &format!(r#"{{"receipt":{signed},"key_hex":"6b6579"}}"#)).unwrap();
        assert_eq!(ok.get("valid"), Some(&Value::Bool(true)));
        let wrong = call("attest.verify_hmac", &format!(r#"{{"receipt":{signed},"key_hex":"6b657a"}}"#)).unwrap();
        assert_eq!(wrong.get("valid"), Some(&Value::Bool(false)));
        let upper = R.replace(r#""signature":"""#, &format!(r#""signature":"{}""#, sig.to_uppercase()));
        let v = call("attest.verify_hmac", &format!(r#"{{"receipt":{upper},"key_hex":"6b6579"}}"#)).unwrap();
        assert_eq!(v.get("valid"), Some(&Value::Bool(false)));
        let tampered = signed.replace("quiz:1", "quiz:2");
        let v = call("attest.verify_hmac", &format!(r#"{{"receipt":{tampered},"key_hex":"6b6579"}}"#)).unwrap();
        assert_eq!(v.get("valid"), Some(&Value::Bool(false)));
        let e = call("attest.sign_hmac", &format!(r#"{{"receipt":{R},"key_hex":"6b657"}}"#)).unwrap_err();
        assert!(e.message.contains("args.key_hex"), "{}", e.message);
    }

    #[test]
    fn from_dict_is_tolerant_but_loud_on_unknown_tokens() {
        let r = call("attest.receipt_from_dict", r#"{"d":{"accountability_tier":" OS_RECORDED\n","believe":"no"}}"#).unwrap();
        assert_eq!(r.get("accountability_tier"), Some(&Value::str("OS_RECORDED")));
        assert_eq!(r.get("believe"), Some(&Value::Bool(true)));
        assert_eq!(r.get("algorithm"), Some(&Value::str("HMAC-SHA256")));
        assert_eq!(r.get("schema"), Some(&Value::str("dos.attest/receipt@1")));
        let e = call("attest.receipt_from_dict", r#"{"d":{"algorithm":"hmac-sha256"}}"#).unwrap_err();
        assert!(e.message.contains("args.d.algorithm"), "{}", e.message);
        let e = call("attest.receipt_from_dict", r#"{"d":{"accountability_tier":"HUMAN"}}"#).unwrap_err();
        assert!(e.message.contains("args.d.accountability_tier"), "{}", e.message);
    }
}
