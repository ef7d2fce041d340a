//! A regular-expression engine with CPython 3.11 `re` semantics, for the
//! deciders whose policies carry host-declared patterns (`answer_shape`,
//! `dangling_intent`) or whose grammar is a fixed `re` pattern
//! (`claim_extract`).
//!
//! It is a backtracking matcher over code points (a lone surrogate is a code
//! point, as in a Python `str`), so a match is found at the same place and
//! with the same extent `re.search` finds it: leftmost start, then the first
//! alternative and the greediest (or laziest) repeat in pattern order. The
//! parser follows `re._parser`: what CPython refuses is [`Error::Invalid`]
//! (the same patterns, so a decider that skips a broken pattern skips the
//! same ones), and the constructs this engine does not implement are
//! [`Error::Unsupported`], never a guess: lookaround, backreferences,
//! conditionals, atomic groups and possessive repeats, `\N{…}`, non-ASCII
//! group names, and case-folded character sets with items beyond the BMP.
//! A match that runs longer than a step budget, or nests deeper than a depth
//! budget, is also `Unsupported` (the caller answers it another way).
//!
//! Text semantics are CPython's: `\w` is `str.isalnum()` or `_`, `\d`
//! `str.isdecimal()`, `\s` `str.isspace()` (the `pystr` tables), and
//! IGNORECASE compares through `_sre`'s simple lowercase mapping and its
//! extra-case table (`tables.rs`, generated from the interpreter).

#[allow(clippy::unreadable_literal)]
mod tables;

use crate::pystr;

/// `re.IGNORECASE`.
pub const IGNORECASE: u32 = 2;
/// `re.MULTILINE`.
pub const MULTILINE: u32 = 8;
/// `re.DOTALL`.
pub const DOTALL: u32 = 16;
/// `re.VERBOSE`.
pub const VERBOSE: u32 = 64;
/// `re.ASCII`.
pub const ASCII: u32 = 256;
const UNICODE: u32 = 32;
const TYPE_FLAGS: u32 = ASCII | UNICODE;
const MAXREPEAT: u64 = 4_294_967_295;
const MAXGROUPS: usize = 1_073_741_823;
const STEP_BUDGET: u64 = 20_000_000;
const DEPTH_BUDGET: u32 = 1_500;

/// Why a pattern was not compiled or a search not finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// CPython's `re` refuses the pattern too (`re.error`, or the
    /// `OverflowError` of a too-large repeat count).
    Invalid(String),
    /// A valid pattern (or search) this engine does not answer.
    Unsupported(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Invalid(m) => write!(f, "invalid pattern: {m}"),
            Error::Unsupported(m) => write!(f, "beyond the native engine: {m}"),
        }
    }
}

fn invalid<T>(m: impl Into<String>) -> Result<T, Error> {
    Err(Error::Invalid(m.into()))
}

fn unsupported<T>(m: impl Into<String>) -> Result<T, Error> {
    Err(Error::Unsupported(m.into()))
}

/// A `str` as code points (a lone surrogate is its own code point).
pub fn code_points(s: &crate::pyjson::Str) -> Vec<u32> {
    s.code_points().collect()
}

/// Code points back to a `str` (lone surrogates kept).
pub fn to_str(cps: &[u32]) -> crate::pyjson::Str {
    if let Some(s) = cps.iter().map(|&c| char::from_u32(c)).collect::<Option<String>>() {
        return crate::pyjson::Str::from(s);
    }
    let mut units: Vec<u16> = Vec::with_capacity(cps.len());
    for &c in cps {
        match char::from_u32(c) {
            Some(ch) => {
                let mut b = [0u16; 2];
                units.extend_from_slice(ch.encode_utf16(&mut b));
            }
            None => units.push(c as u16),
        }
    }
    crate::pyjson::Str::from_utf16(units)
}

/// `str.isspace()` of one code point.
pub fn is_space_cp(c: u32) -> bool {
    char::from_u32(c).is_some_and(pystr::is_space)
}

/// `s.strip()` over code points.
pub fn strip_cps(s: &[u32]) -> &[u32] {
    let lo = s.iter().position(|&c| !is_space_cp(c)).unwrap_or(s.len());
    let hi = s.iter().rposition(|&c| !is_space_cp(c)).map_or(lo, |p| p + 1);
    &s[lo..hi]
}

// ------------------------------------------------------------------ text classes

fn is_word(c: u32, ascii: bool) -> bool {
    if ascii || c < 128 {
        return c < 128 && ((c as u8).is_ascii_alphanumeric() || c == u32::from(b'_'));
    }
    char::from_u32(c).is_some_and(pystr::is_alnum)
}

fn is_digit(c: u32, ascii: bool) -> bool {
    if ascii || c < 128 {
        return c < 128 && (c as u8).is_ascii_digit();
    }
    char::from_u32(c).is_some_and(pystr::is_decimal)
}

fn is_space(c: u32, ascii: bool) -> bool {
    if ascii {
        return matches!(c, 0x20 | 0x09..=0x0d);
    }
    char::from_u32(c).is_some_and(pystr::is_space)
}

fn lookup_pair(table: &[(u32, u32)], cp: u32) -> Option<u32> {
    table.binary_search_by_key(&cp, |&(k, _)| k).ok().map(|i| table[i].1)
}

fn in_ranges(table: &[(u32, u32)], cp: u32) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `_sre.unicode_tolower` (or `ascii_tolower`).
#[inline]
fn tolower(c: u32, ascii: bool) -> u32 {
    if c < 128 {
        return (c as u8).to_ascii_lowercase() as u32;
    }
    if ascii {
        return c;
    }
    lookup_pair(tables::TOLOWER, c).unwrap_or(c)
}

fn iscased(c: u32, ascii: bool) -> bool {
    if c < 128 || ascii {
        return c < 128 && (c as u8).is_ascii_alphabetic();
    }
    in_ranges(tables::CASED, c)
}

fn extra_cases(lo: u32) -> &'static [u32] {
    match tables::EXTRA_CASES.binary_search_by_key(&lo, |&(k, _)| k) {
        Ok(i) => tables::EXTRA_CASES[i].1,
        Err(_) => &[],
    }
}

/// Does a range hold a cased code point?
fn range_cased(lo: u32, hi: u32, ascii: bool) -> bool {
    if ascii {
        return (lo..=hi.min(127)).any(|c| iscased(c, true));
    }
    // The first CASED range that ends at or after `lo` must start by `hi`.
    let t = tables::CASED;
    let i = t.partition_point(|&(_, e)| e < lo);
    i < t.len() && t[i].0 <= hi
}

/// Is there a code point in `lo..=hi` whose lowercase is `x`?
fn range_has_lower(lo: u32, hi: u32, x: u32, ascii: bool) -> bool {
    if (lo..=hi).contains(&x) && tolower(x, ascii) == x {
        return true;
    }
    if ascii {
        return x < 128 && (x as u8).is_ascii_lowercase() && (lo..=hi).contains(&(x - 32));
    }
    let t = tables::FROMLOWER;
    let start = t.partition_point(|&(k, _)| k < x);
    t[start..].iter().take_while(|&&(k, _)| k == x).any(|&(_, c)| (lo..=hi).contains(&c))
}

// ------------------------------------------------------------------ the program

#[derive(Clone, Copy, Debug)]
enum Cat {
    Digit(bool),
    Space(bool),
    Word(bool),
}

impl Cat {
    fn test(self, c: u32, ascii: bool) -> bool {
        match self {
            Cat::Digit(neg) => is_digit(c, ascii) != neg,
            Cat::Space(neg) => is_space(c, ascii) != neg,
            Cat::Word(neg) => is_word(c, ascii) != neg,
        }
    }
}

#[derive(Clone, Debug)]
enum Item {
    Lit(u32),
    Range(u32, u32),
    Cat(Cat),
}

#[derive(Clone, Debug)]
struct Set {
    negate: bool,
    items: Vec<Item>,
    /// Compared through the lowercase (IGNORECASE and a cased item).
    fold: bool,
    ascii: bool,
}

impl Set {
    fn test(&self, c: u32) -> bool {
        let hit = if self.fold { self.test_folded(tolower(c, self.ascii)) } else { self.test_raw(c) };
        hit != self.negate
    }

    fn test_raw(&self, c: u32) -> bool {
        self.items.iter().any(|it| match *it {
            Item::Lit(l) => l == c,
            Item::Range(lo, hi) => (lo..=hi).contains(&c),
            Item::Cat(cat) => cat.test(c, self.ascii),
        })
    }

    /// `x` is already lowercased; the set holds its items' lowercases and
    /// their extra cases.
    fn test_folded(&self, x: u32) -> bool {
        let extra = if self.ascii { &[][..] } else { extra_cases(x) };
        self.items.iter().any(|it| match *it {
            Item::Lit(l) => {
                let lo = tolower(l, self.ascii);
                lo == x || extra.contains(&lo)
            }
            Item::Range(lo, hi) => range_has_lower(lo, hi, x, self.ascii) || extra.iter().any(|&y| range_has_lower(lo, hi, y, self.ascii)),
            Item::Cat(cat) => cat.test(x, self.ascii),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    Beginning,
    BeginningLine,
    End,
    EndLine,
    EndString,
    Boundary(bool),
    NonBoundary(bool),
}

#[derive(Clone, Debug)]
enum Node {
    Lit(u32),
    NotLit(u32),
    /// Case-folded literal: the pattern char's lowercase and its extra cases.
    LitFold(u32, &'static [u32], bool),
    NotLitFold(u32, &'static [u32], bool),
    Any,
    AnyAll,
    Set(Box<Set>),
    At(At),
    Group(Option<usize>, Vec<Vec<Node>>),
    Repeat {
        min: u64,
        max: u64,
        greedy: bool,
        body: Vec<Node>,
    },
}

impl Node {
    fn single(&self) -> bool {
        matches!(self, Node::Lit(_) | Node::NotLit(_) | Node::LitFold(..) | Node::NotLitFold(..) | Node::Any | Node::AnyAll | Node::Set(_))
    }

    #[inline]
    fn test(&self, c: u32) -> bool {
        match *self {
            Node::Lit(l) => c == l,
            Node::NotLit(l) => c != l,
            Node::LitFold(lo, extra, ascii) => fold_eq(c, lo, extra, ascii),
            Node::NotLitFold(lo, extra, ascii) => !fold_eq(c, lo, extra, ascii),
            Node::Any => c != u32::from(b'\n'),
            Node::AnyAll => true,
            Node::Set(ref s) => s.test(c),
            _ => false,
        }
    }
}

#[inline]
fn fold_eq(c: u32, lo: u32, extra: &[u32], ascii: bool) -> bool {
    let x = tolower(c, ascii);
    x == lo || extra.contains(&x)
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Regex {
    root: Vec<Node>,
    groups: usize,
    names: Vec<(String, usize)>,
    /// The ASCII characters a match can start with, when every match
    /// starts with a character (`None`: the pattern can match empty, so
    /// no start is ruled out). A start at any other ASCII character is
    /// skipped without trying; a non-ASCII character is always tried.
    first: Option<Box<[bool; 128]>>,
}

/// Add to `map` the ASCII characters `nodes` can begin with; true when
/// `nodes` can match the empty string (what follows them may then begin
/// the match too).
fn first_chars(nodes: &[Node], map: &mut [bool; 128]) -> bool {
    for n in nodes {
        match n {
            Node::At(_) => {}
            n if n.single() => {
                for (c, slot) in map.iter_mut().enumerate() {
                    *slot |= n.test(c as u32);
                }
                return false;
            }
            Node::Group(_, alts) => {
                let mut empty = false;
                for alt in alts {
                    empty |= first_chars(alt, map);
                }
                if !empty {
                    return false;
                }
            }
            Node::Repeat { min, body, .. } => {
                if !first_chars(body, map) && *min > 0 {
                    return false;
                }
            }
            _ => {
                // Not bounded here: any start.
                map.fill(true);
                return false;
            }
        }
    }
    true
}

/// One match: the span of the whole match and of each group (by number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    groups: Vec<Option<(usize, usize)>>,
}

impl Match {
    /// The span of group `n` (0 is the whole match), when it took part.
    pub fn group(&self, n: usize) -> Option<(usize, usize)> {
        if n == 0 {
            Some((self.start, self.end))
        } else {
            self.groups.get(n).copied().flatten()
        }
    }
}

// ------------------------------------------------------------------ the parser

struct Parser<'p> {
    src: &'p [u32],
    /// Index of the next token.
    pos: usize,
    flags: u32,
    groups: usize,
    names: Vec<(String, usize)>,
    open: Vec<usize>,
}

const BS: u32 = b'\\' as u32;

fn ch(c: char) -> u32 {
    c as u32
}

/// One token: a character, or a backslash and the character after it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    C(u32),
    Esc(u32),
}

impl<'p> Parser<'p> {
    fn peek(&self) -> Result<Option<Tok>, Error> {
        match self.src.get(self.pos) {
            None => Ok(None),
            Some(&BS) => match self.src.get(self.pos + 1) {
                Some(&c) => Ok(Some(Tok::Esc(c))),
                None => invalid("bad escape (end of pattern)"),
            },
            Some(&c) => Ok(Some(Tok::C(c))),
        }
    }

    fn get(&mut self) -> Result<Option<Tok>, Error> {
        let t = self.peek()?;
        match t {
            Some(Tok::C(_)) => self.pos += 1,
            Some(Tok::Esc(_)) => self.pos += 2,
            None => {}
        }
        Ok(t)
    }

    fn eat(&mut self, c: char) -> Result<bool, Error> {
        if self.peek()? == Some(Tok::C(ch(c))) {
            self.pos += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn next_is(&self, pred: impl Fn(u32) -> bool) -> bool {
        matches!(self.peek(), Ok(Some(Tok::C(c))) if pred(c))
    }

    fn getwhile(&mut self, n: usize, pred: impl Fn(u32) -> bool) -> Vec<u32> {
        let mut out = Vec::new();
        while out.len() < n && self.next_is(&pred) {
            out.push(self.src[self.pos]);
            self.pos += 1;
        }
        out
    }

    fn ascii(&self) -> bool {
        self.flags & ASCII != 0
    }

    fn literal(&self, c: u32, negate: bool) -> Node {
        let ascii = self.ascii();
        if self.flags & IGNORECASE != 0 && iscased(c, ascii) {
            let lo = tolower(c, ascii);
            if negate {
                Node::NotLitFold(lo, if ascii { &[] } else { extra_cases(lo) }, ascii)
            } else {
                Node::LitFold(lo, if ascii { &[] } else { extra_cases(lo) }, ascii)
            }
        } else if negate {
            Node::NotLit(c)
        } else {
            Node::Lit(c)
        }
    }

    fn set(&self, negate: bool, items: Vec<Item>) -> Result<Node, Error> {
        let ascii = self.ascii();
        let mut fold = false;
        if self.flags & IGNORECASE != 0 {
            for it in &items {
                match *it {
                    Item::Lit(c) => fold |= iscased(c, ascii),
                    Item::Range(lo, hi) => fold |= range_cased(lo, hi, ascii),
                    Item::Cat(_) => {}
                }
            }
            let wide = items.iter().any(|it| matches!(*it, Item::Lit(c) | Item::Range(_, c) if c > 0xffff));
            if wide {
                return unsupported("a case-insensitive character set with items beyond the BMP");
            }
        }
        Ok(Node::Set(Box::new(Set { negate, items, fold, ascii })))
    }

    fn category(&self, e: u32) -> Option<Cat> {
        Some(match char::from_u32(e)? {
            'd' => Cat::Digit(false),
            'D' => Cat::Digit(true),
            's' => Cat::Space(false),
            'S' => Cat::Space(true),
            'w' => Cat::Word(false),
            'W' => Cat::Word(true),
            _ => return None,
        })
    }

    fn simple_escape(e: u32) -> Option<u32> {
        Some(match char::from_u32(e)? {
            'a' => 7,
            'f' => 12,
            'n' => 10,
            'r' => 13,
            't' => 9,
            'v' => 11,
            '\\' => BS,
            _ => return None,
        })
    }

    fn hex(&mut self, e: u32, n: usize) -> Result<u32, Error> {
        let digits = self.getwhile(n, |c| c < 128 && (c as u8).is_ascii_hexdigit());
        if digits.len() != n {
            return invalid(format!("incomplete escape \\{}", char::from_u32(e).unwrap_or('?')));
        }
        let v = digits.iter().fold(0u32, |acc, &d| acc * 16 + (d as u8 as char).to_digit(16).unwrap_or(0));
        if v > 0x10ffff {
            return invalid("bad escape (code point out of range)");
        }
        Ok(v)
    }

    /// The escapes both contexts share: `\x`, `\u`, `\U`, `\N`, or an escaped
    /// non-letter; `Ok(None)` for what the context handles itself.
    fn common_escape(&mut self, e: u32) -> Result<Option<u32>, Error> {
        if let Some(c) = Self::simple_escape(e) {
            return Ok(Some(c));
        }
        match char::from_u32(e) {
            Some('x') => self.hex(e, 2).map(Some),
            Some('u') => self.hex(e, 4).map(Some),
            Some('U') => self.hex(e, 8).map(Some),
            Some('N') => unsupported("\\N{...} named characters"),
            Some(c) if c.is_ascii_digit() => Ok(None),
            Some(c) if c.is_ascii_alphabetic() => Ok(None),
            _ => Ok(Some(e)),
        }
    }

    fn class_escape(&mut self, e: u32) -> Result<Item, Error> {
        if let Some(cat) = self.category(e) {
            return Ok(Item::Cat(cat));
        }
        if e == ch('b') {
            return Ok(Item::Lit(8));
        }
        if let Some(c) = self.common_escape(e)? {
            return Ok(Item::Lit(c));
        }
        let c = char::from_u32(e).unwrap_or('?');
        if ('0'..='7').contains(&c) {
            let more = self.getwhile(2, |d| (ch('0')..=ch('7')).contains(&d));
            let v = more.iter().fold(e - ch('0'), |acc, &d| acc * 8 + (d - ch('0')));
            if v > 0o377 {
                return invalid("octal escape value outside of range 0-0o377");
            }
            return Ok(Item::Lit(v));
        }
        invalid(format!("bad escape \\{c}"))
    }

    fn escape(&mut self, e: u32) -> Result<Node, Error> {
        let ascii = self.ascii();
        match char::from_u32(e) {
            Some('A') => return Ok(Node::At(At::Beginning)),
            Some('Z') => return Ok(Node::At(At::EndString)),
            Some('b') => return Ok(Node::At(At::Boundary(ascii))),
            Some('B') => return Ok(Node::At(At::NonBoundary(ascii))),
            _ => {}
        }
        if let Some(cat) = self.category(e) {
            return self.set(false, vec![Item::Cat(cat)]);
        }
        if let Some(c) = self.common_escape(e)? {
            return Ok(self.literal(c, false));
        }
        let c = char::from_u32(e).unwrap_or('?');
        if c == '0' {
            let more = self.getwhile(2, |d| (ch('0')..=ch('7')).contains(&d));
            let v = more.iter().fold(0, |acc, &d| acc * 8 + (d - ch('0')));
            return Ok(self.literal(v, false));
        }
        if c.is_ascii_digit() {
            // An octal escape of three digits, else a group reference.
            let first = e;
            if self.next_is(|d| (ch('0')..=ch('9')).contains(&d)) {
                let second = self.src[self.pos];
                self.pos += 1;
                let oct = |d: u32| (ch('0')..=ch('7')).contains(&d);
                if oct(first) && oct(second) && self.next_is(oct) {
                    let third = self.src[self.pos];
                    self.pos += 1;
                    let v = (first - ch('0')) * 64 + (second - ch('0')) * 8 + (third - ch('0'));
                    if v > 0o377 {
                        return invalid("octal escape value outside of range 0-0o377");
                    }
                    return Ok(self.literal(v, false));
                }
                let g = ((first - ch('0')) * 10 + (second - ch('0'))) as usize;
                return self.groupref(g);
            }
            return self.groupref((first - ch('0')) as usize);
        }
        invalid(format!("bad escape \\{c}"))
    }

    fn groupref(&self, g: usize) -> Result<Node, Error> {
        if g < self.groups + 1 {
            if self.open.contains(&g) {
                return invalid("cannot refer to an open group");
            }
            return unsupported("backreferences");
        }
        invalid(format!("invalid group reference {g}"))
    }

    fn parse_class(&mut self) -> Result<Node, Error> {
        let negate = self.eat('^')?;
        let mut items: Vec<Item> = Vec::new();
        loop {
            let this = match self.get()? {
                None => return invalid("unterminated character set"),
                Some(t) => t,
            };
            if this == Tok::C(ch(']')) && !items.is_empty() {
                break;
            }
            let code1 = match this {
                Tok::Esc(e) => self.class_escape(e)?,
                Tok::C(c) => Item::Lit(c),
            };
            if self.eat('-')? {
                let that = match self.get()? {
                    None => return invalid("unterminated character set"),
                    Some(t) => t,
                };
                if that == Tok::C(ch(']')) {
                    items.push(code1);
                    items.push(Item::Lit(ch('-')));
                    break;
                }
                let code2 = match that {
                    Tok::Esc(e) => self.class_escape(e)?,
                    Tok::C(c) => Item::Lit(c),
                };
                match (code1, code2) {
                    (Item::Lit(lo), Item::Lit(hi)) if lo <= hi => items.push(Item::Range(lo, hi)),
                    _ => return invalid("bad character range"),
                }
            } else {
                items.push(code1);
            }
        }
        if items.len() == 1 {
            if let Item::Lit(c) = items[0] {
                return Ok(self.literal(c, negate));
            }
        }
        self.set(negate, items)
    }

    fn parse_flags(&mut self, first: u32) -> Result<Option<(u32, u32)>, Error> {
        let flag_of = |c: u32| -> Option<u32> {
            Some(match char::from_u32(c)? {
                'i' => IGNORECASE,
                'm' => MULTILINE,
                's' => DOTALL,
                'x' => VERBOSE,
                'a' => ASCII,
                'u' => UNICODE,
                'L' => 4,
                't' => 1,
                _ => return None,
            })
        };
        let get_raw = |p: &mut Self| -> Result<Option<u32>, Error> {
            Ok(match p.get()? {
                None => None,
                Some(Tok::C(c)) => Some(c),
                Some(Tok::Esc(_)) => Some(BS),
            })
        };
        let mut add = 0u32;
        let mut del = 0u32;
        let mut c = first;
        if c != ch('-') {
            loop {
                let f = flag_of(c).unwrap_or(0);
                if f == 4 {
                    return invalid("bad inline flags: cannot use 'L' flag with a str pattern");
                }
                add |= f;
                if f & TYPE_FLAGS != 0 && add & TYPE_FLAGS != f {
                    return invalid("bad inline flags: flags 'a', 'u' and 'L' are incompatible");
                }
                c = match get_raw(self)? {
                    None => return invalid("missing -, : or )"),
                    Some(c) => c,
                };
                if c == ch(')') || c == ch('-') || c == ch(':') {
                    break;
                }
                if flag_of(c).is_none() {
                    return invalid("unknown flag or missing -, : or )");
                }
            }
        }
        if c == ch(')') {
            if add & 1 != 0 {
                return unsupported("the template flag");
            }
            self.flags |= add;
            return Ok(None);
        }
        if add & 1 != 0 {
            return invalid("bad inline flags: cannot turn on global flag");
        }
        if c == ch('-') {
            c = match get_raw(self)? {
                None => return invalid("missing flag"),
                Some(c) => c,
            };
            if flag_of(c).is_none() {
                return invalid("unknown flag or missing flag");
            }
            loop {
                let f = flag_of(c).unwrap_or(0);
                if f & (TYPE_FLAGS | 4) != 0 {
                    return invalid("bad inline flags: cannot turn off flags 'a', 'u' and 'L'");
                }
                del |= f;
                c = match get_raw(self)? {
                    None => return invalid("missing :"),
                    Some(c) => c,
                };
                if c == ch(':') {
                    break;
                }
                if flag_of(c).is_none() {
                    return invalid("unknown flag or missing :");
                }
            }
        }
        if del & 1 != 0 {
            return invalid("bad inline flags: cannot turn off global flag");
        }
        if add & del != 0 {
            return invalid("bad inline flags: flag turned on and off");
        }
        Ok(Some((add, del)))
    }

    fn group_name(&mut self, term: char) -> Result<String, Error> {
        let mut name = Vec::new();
        loop {
            let c = match self.get()? {
                None => return invalid("missing group name or terminator"),
                Some(Tok::C(c)) => c,
                Some(Tok::Esc(e)) => {
                    name.push(BS);
                    e
                }
            };
            if c == ch(term) {
                if name.is_empty() {
                    return invalid("missing group name");
                }
                break;
            }
            name.push(c);
        }
        if name.iter().any(|&c| c >= 128) {
            return unsupported("a non-ASCII group name");
        }
        let s: String = name.iter().map(|&c| c as u8 as char).collect();
        let mut cs = s.chars();
        let ok = cs.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic()) && cs.all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !ok {
            return invalid(format!("bad character in group name {s:?}"));
        }
        Ok(s)
    }

    fn parse_sub(&mut self, verbose: bool, nested: usize) -> Result<Vec<Vec<Node>>, Error> {
        let mut alts = Vec::new();
        let mut verbose = verbose;
        loop {
            let first = nested == 0 && alts.is_empty();
            alts.push(self.parse_seq(&mut verbose, nested + 1, first)?);
            if !self.eat('|')? {
                break;
            }
            if nested == 0 {
                verbose = self.flags & VERBOSE != 0;
            }
        }
        Ok(alts)
    }

    fn parse_seq(&mut self, verbose: &mut bool, nested: usize, first: bool) -> Result<Vec<Node>, Error> {
        let mut seq: Vec<Node> = Vec::new();
        loop {
            let this = match self.peek()? {
                None => break,
                Some(Tok::C(c)) if c == ch('|') || c == ch(')') => break,
                Some(t) => t,
            };
            self.get()?;
            let c = match this {
                Tok::Esc(e) => {
                    seq.push(self.escape(e)?);
                    continue;
                }
                Tok::C(c) => c,
            };
            if *verbose {
                if matches!(c, 0x20 | 0x09..=0x0d) {
                    continue;
                }
                if c == ch('#') {
                    loop {
                        match self.get()? {
                            None | Some(Tok::C(10)) => break,
                            _ => {}
                        }
                    }
                    continue;
                }
            }
            match char::from_u32(c) {
                Some('[') => seq.push(self.parse_class()?),
                Some('.') => seq.push(if self.flags & DOTALL != 0 { Node::AnyAll } else { Node::Any }),
                Some('^') => seq.push(Node::At(if self.flags & MULTILINE != 0 { At::BeginningLine } else { At::Beginning })),
                Some('$') => seq.push(Node::At(if self.flags & MULTILINE != 0 { At::EndLine } else { At::End })),
                Some('*' | '+' | '?' | '{') => {
                    let here = self.pos;
                    let (min, max) = match char::from_u32(c) {
                        Some('?') => (0, 1),
                        Some('*') => (0, MAXREPEAT),
                        Some('+') => (1, MAXREPEAT),
                        _ => {
                            if self.peek()? == Some(Tok::C(ch('}'))) {
                                seq.push(self.literal(c, false));
                                continue;
                            }
                            let lo = self.getwhile(usize::MAX, |d| (ch('0')..=ch('9')).contains(&d));
                            let hi =
                                if self.eat(',')? { self.getwhile(usize::MAX, |d| (ch('0')..=ch('9')).contains(&d)) } else { lo.clone() };
                            if !self.eat('}')? {
                                seq.push(self.literal(c, false));
                                self.pos = here;
                                continue;
                            }
                            let num = |ds: &[u32]| -> Result<u64, Error> {
                                let mut v: u64 = 0;
                                for &d in ds {
                                    v = v.saturating_mul(10).saturating_add(u64::from(d - ch('0')));
                                }
                                if v >= MAXREPEAT {
                                    // CPython raises OverflowError here, not re.error.
                                    return unsupported("the repetition number is too large");
                                }
                                Ok(v)
                            };
                            let min = if lo.is_empty() { 0 } else { num(&lo)? };
                            let max = if hi.is_empty() { MAXREPEAT } else { num(&hi)? };
                            if !hi.is_empty() && max < min {
                                return invalid("min repeat greater than max repeat");
                            }
                            (min, max)
                        }
                    };
                    let item = match seq.pop() {
                        None | Some(Node::At(_)) => return invalid("nothing to repeat"),
                        Some(Node::Repeat { .. }) => return invalid("multiple repeat"),
                        Some(n) => n,
                    };
                    let body = match item {
                        Node::Group(None, mut alts) if alts.len() == 1 => alts.pop().unwrap_or_default(),
                        other => vec![other],
                    };
                    let greedy = if self.eat('?')? {
                        false
                    } else if self.peek()? == Some(Tok::C(ch('+'))) {
                        return unsupported("possessive repeats");
                    } else {
                        true
                    };
                    seq.push(Node::Repeat { min, max, greedy, body });
                }
                Some('(') => {
                    let mut capture = true;
                    let mut name = None;
                    let saved_flags = self.flags;
                    let mut scoped: Option<(u32, u32)> = None;
                    if self.eat('?')? {
                        let c = match self.get()? {
                            None => return invalid("unexpected end of pattern"),
                            Some(Tok::C(c)) => c,
                            Some(Tok::Esc(_)) => return invalid("unknown extension ?\\"),
                        };
                        match char::from_u32(c) {
                            Some('P') => {
                                if self.eat('<')? {
                                    name = Some(self.group_name('>')?);
                                } else if self.eat('=')? {
                                    let n = self.group_name(')')?;
                                    return match self.names.iter().find(|(k, _)| *k == n) {
                                        None => invalid(format!("unknown group name {n:?}")),
                                        Some(&(_, g)) if self.open.contains(&g) => invalid("cannot refer to an open group"),
                                        Some(_) => unsupported("backreferences"),
                                    };
                                } else {
                                    return invalid("unknown extension ?P");
                                }
                            }
                            Some(':') => capture = false,
                            Some('#') => {
                                loop {
                                    match self.get()? {
                                        None => return invalid("missing ), unterminated comment"),
                                        Some(Tok::C(41)) => break,
                                        _ => {}
                                    }
                                }
                                continue;
                            }
                            Some('=' | '!' | '<') => return unsupported("lookaround assertions"),
                            Some('(') => return unsupported("conditional groups"),
                            Some('>') => return unsupported("atomic groups"),
                            Some(f) if f == '-' || "iLmsxatu".contains(f) => match self.parse_flags(c)? {
                                None => {
                                    if !first || !seq.is_empty() {
                                        return invalid("global flags not at the start of the expression");
                                    }
                                    *verbose = self.flags & VERBOSE != 0;
                                    continue;
                                }
                                Some(ad) => {
                                    capture = false;
                                    scoped = Some(ad);
                                }
                            },
                            _ => return invalid("unknown extension"),
                        }
                    }
                    let gid = if capture {
                        self.groups += 1;
                        if self.groups > MAXGROUPS {
                            return invalid("too many groups");
                        }
                        if let Some(n) = &name {
                            if self.names.iter().any(|(k, _)| k == n) {
                                return invalid(format!("redefinition of group name {n:?}"));
                            }
                            self.names.push((n.clone(), self.groups));
                        }
                        self.open.push(self.groups);
                        Some(self.groups)
                    } else {
                        None
                    };
                    let mut sub_verbose = *verbose;
                    if let Some((add, del)) = scoped {
                        let mut f = self.flags;
                        if add & TYPE_FLAGS != 0 {
                            f &= !TYPE_FLAGS;
                        }
                        self.flags = (f | add) & !del;
                        sub_verbose = (*verbose || add & VERBOSE != 0) && del & VERBOSE == 0;
                    }
                    let alts = self.parse_sub(sub_verbose, nested + 1)?;
                    if scoped.is_some() {
                        // Keep global flags set inside (none can be), drop the scope.
                        self.flags = saved_flags;
                    }
                    if !self.eat(')')? {
                        return invalid("missing ), unterminated subpattern");
                    }
                    if let Some(g) = gid {
                        self.open.retain(|&o| o != g);
                    }
                    match (gid, alts.len()) {
                        (None, 1) if scoped.is_none() => {
                            // An unflagged non-capturing group stands for its
                            // content (the repeat above reads it as a body).
                            seq.push(Node::Group(None, alts));
                        }
                        _ => seq.push(Node::Group(gid, alts)),
                    }
                }
                _ => seq.push(self.literal(c, false)),
            }
        }
        Ok(seq)
    }
}

impl Regex {
    /// Compile `pattern` (code points) under `flags` (the constants above).
    pub fn new(pattern: &[u32], flags: u32) -> Result<Regex, Error> {
        if flags & 4 != 0 {
            return invalid("cannot use LOCALE flag with a str pattern");
        }
        let mut p = Parser { src: pattern, pos: 0, flags, groups: 0, names: Vec::new(), open: Vec::new() };
        // Global flags (`(?i)`) may only open the pattern, so every node is
        // built under the flags that apply to it.
        let root = p.parse_sub(flags & VERBOSE != 0, 0)?;
        if p.pos < pattern.len() {
            return invalid("unbalanced parenthesis");
        }
        if p.flags & ASCII != 0 && p.flags & UNICODE != 0 {
            // CPython raises ValueError here, not re.error.
            return unsupported("ASCII and UNICODE flags are incompatible");
        }
        let root = vec![Node::Group(None, root)];
        let mut map = [false; 128];
        let first = (!first_chars(&root, &mut map)).then(|| Box::new(map));
        Ok(Regex { root, groups: p.groups, names: p.names, first })
    }

    /// Compile a pattern given as text.
    pub fn from_str(pattern: &str, flags: u32) -> Result<Regex, Error> {
        let cps: Vec<u32> = pattern.chars().map(|c| c as u32).collect();
        Regex::new(&cps, flags)
    }

    /// The group number of a named group.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.names.iter().find(|(k, _)| k == name).map(|&(_, g)| g)
    }

    /// `re.search`: the leftmost match at or after `from`.
    pub fn search_from(&self, text: &[u32], from: usize) -> Result<Option<Match>, Error> {
        let mut m = Machine { text, caps: vec![None; self.groups + 1], steps: 0, depth: 0, abort: None, end: 0 };
        // A cheap test of each start before the full match: the pattern's
        // leading zero-width assertions and its first single-character node.
        let prefix: &[Node] = match self.root.first() {
            Some(Node::Group(None, alts)) if alts.len() == 1 => {
                let seq = &alts[0];
                let k = seq.iter().position(|n| !matches!(n, Node::At(_))).unwrap_or(seq.len());
                let end = if seq.get(k).is_some_and(Node::single) { k + 1 } else { k };
                &seq[..end]
            }
            _ => &[],
        };
        let n_text = text.len();
        let mut start = from;
        'starts: while start <= n_text {
            if let Some(first) = &self.first {
                while start < n_text && text[start] < 128 && !first[text[start] as usize] {
                    start += 1;
                }
                if start == n_text {
                    break;
                }
            }
            let here = start;
            start += 1;
            let start = here;
            for n in prefix {
                let ok = match n {
                    Node::At(a) => m.at(*a, start),
                    n => start < text.len() && n.test(text[start]),
                };
                if !ok {
                    continue 'starts;
                }
            }
            for c in m.caps.iter_mut() {
                *c = None;
            }
            let hit = seq(&mut m, &self.root, start, &mut |m, p| {
                m.end = p;
                true
            });
            if let Some(e) = m.abort.take() {
                return Err(e);
            }
            if hit {
                return Ok(Some(Match { start, end: m.end, groups: m.caps.clone() }));
            }
        }
        Ok(None)
    }

    /// `re.search(pattern, text)`.
    pub fn search(&self, text: &[u32]) -> Result<Option<Match>, Error> {
        self.search_from(text, 0)
    }

    /// `re.finditer`: the matches left to right, none overlapping. For
    /// patterns that cannot match empty (an empty match is `Unsupported`).
    pub fn find_all(&self, text: &[u32]) -> Result<Vec<Match>, Error> {
        let mut out: Vec<Match> = Vec::new();
        let mut pos = 0;
        while pos <= text.len() {
            let Some(m) = self.search_from(text, pos)? else { break };
            if m.start == m.end {
                return unsupported("finditer over a pattern that matches empty");
            }
            pos = m.end;
            out.push(m);
        }
        Ok(out)
    }
}

// ------------------------------------------------------------------ the matcher

struct Machine<'t> {
    text: &'t [u32],
    caps: Vec<Option<(usize, usize)>>,
    steps: u64,
    depth: u32,
    abort: Option<Error>,
    end: usize,
}

type K<'k, 't> = &'k mut dyn FnMut(&mut Machine<'t>, usize) -> bool;

impl Machine<'_> {
    fn at(&self, a: At, pos: usize) -> bool {
        let t = self.text;
        let n = t.len();
        let nl = u32::from(b'\n');
        match a {
            At::Beginning => pos == 0,
            At::BeginningLine => pos == 0 || t[pos - 1] == nl,
            At::End => pos == n || (pos + 1 == n && t[pos] == nl),
            At::EndLine => pos == n || t[pos] == nl,
            At::EndString => pos == n,
            At::Boundary(ascii) | At::NonBoundary(ascii) => {
                if n == 0 {
                    return false;
                }
                let before = pos > 0 && is_word(t[pos - 1], ascii);
                let after = pos < n && is_word(t[pos], ascii);
                (before != after) == matches!(a, At::Boundary(_))
            }
        }
    }

    /// Count a step; false when a budget ran out (the search then stops).
    fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.abort.is_some() {
            return false;
        }
        if self.steps > STEP_BUDGET {
            self.abort = Some(Error::Unsupported("the search ran past the native step budget".into()));
            return false;
        }
        true
    }
}

fn seq<'t>(m: &mut Machine<'t>, nodes: &[Node], mut pos: usize, k: K<'_, 't>) -> bool {
    let text = m.text;
    let mut i = 0;
    while i < nodes.len() {
        let n = &nodes[i];
        if n.single() {
            if pos < text.len() && n.test(text[pos]) {
                pos += 1;
                i += 1;
                continue;
            }
            return false;
        }
        if let Node::At(a) = n {
            if m.at(*a, pos) {
                i += 1;
                continue;
            }
            return false;
        }
        break;
    }
    if i == nodes.len() {
        return k(m, pos);
    }
    if !m.tick() {
        return false;
    }
    if m.depth >= DEPTH_BUDGET {
        m.abort = Some(Error::Unsupported("the match nests deeper than the native depth budget".into()));
        return false;
    }
    m.depth += 1;
    let rest = &nodes[i + 1..];
    let hit = match &nodes[i] {
        Node::Group(gid, alts) => {
            let gid = *gid;
            let start = pos;
            let mut hit = false;
            for alt in alts {
                let ok = seq(m, alt, pos, &mut |m: &mut Machine<'t>, p| {
                    let old = gid.map(|g| m.caps[g]);
                    if let Some(g) = gid {
                        m.caps[g] = Some((start, p));
                    }
                    if seq(m, rest, p, k) {
                        return true;
                    }
                    if let (Some(g), Some(o)) = (gid, old) {
                        m.caps[g] = o;
                    }
                    false
                });
                if ok {
                    hit = true;
                    break;
                }
                if m.abort.is_some() {
                    break;
                }
            }
            hit
        }
        Node::Repeat { min, max, greedy, body } => {
            if body.len() == 1 && body[0].single() {
                repeat_one(m, &body[0], *min, *max, *greedy, pos, rest, k)
            } else {
                repeat(m, body, *min, *max, *greedy, 0, pos, rest, k)
            }
        }
        _ => false,
    };
    m.depth -= 1;
    hit
}

#[allow(clippy::too_many_arguments)]
fn repeat_one<'t>(m: &mut Machine<'t>, one: &Node, min: u64, max: u64, greedy: bool, pos: usize, rest: &[Node], k: K<'_, 't>) -> bool {
    let text = m.text;
    let room = (text.len() - pos) as u64;
    if min > room {
        return false;
    }
    let limit = max.min(room) as usize;
    let min = min as usize;
    if greedy {
        let mut n = 0;
        while n < limit && one.test(text[pos + n]) {
            n += 1;
        }
        if n < min {
            return false;
        }
        loop {
            if !m.tick() {
                return false;
            }
            if seq(m, rest, pos + n, k) {
                return true;
            }
            if m.abort.is_some() || n == min {
                return false;
            }
            n -= 1;
        }
    } else {
        for j in 0..min {
            if !one.test(text[pos + j]) {
                return false;
            }
        }
        let mut n = min;
        loop {
            if !m.tick() {
                return false;
            }
            if seq(m, rest, pos + n, k) {
                return true;
            }
            if m.abort.is_some() || n >= limit || !one.test(text[pos + n]) {
                return false;
            }
            n += 1;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn repeat<'t>(
    m: &mut Machine<'t>,
    body: &[Node],
    min: u64,
    max: u64,
    greedy: bool,
    count: u64,
    pos: usize,
    rest: &[Node],
    k: K<'_, 't>,
) -> bool {
    if !m.tick() {
        return false;
    }
    let more = |m: &mut Machine<'t>, k: K<'_, 't>| -> bool {
        if count >= max {
            return false;
        }
        if m.depth >= DEPTH_BUDGET {
            m.abort = Some(Error::Unsupported("the match nests deeper than the native depth budget".into()));
            return false;
        }
        m.depth += 1;
        let hit = seq(m, body, pos, &mut |m: &mut Machine<'t>, p| {
            if p == pos && count + 1 > min {
                // An empty pass once the minimum is met ends the loop.
                return seq(m, rest, p, k);
            }
            repeat(m, body, min, max, greedy, count + 1, p, rest, k)
        });
        m.depth -= 1;
        hit
    };
    if count < min {
        return more(m, k);
    }
    if greedy {
        more(m, k) || (m.abort.is_none() && seq(m, rest, pos, k))
    } else {
        seq(m, rest, pos, k) || (m.abort.is_none() && more(m, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(|c| c as u32).collect()
    }

    fn find(p: &str, flags: u32, t: &str) -> Option<(usize, usize)> {
        let r = Regex::from_str(p, flags).unwrap();
        r.search(&cps(t)).unwrap().map(|m| (m.start, m.end))
    }

    #[test]
    fn basics() {
        assert_eq!(find(r"\blet me (?:think|reason)\b", IGNORECASE, "So, Let me THINK."), Some((4, 16)));
        assert_eq!(find(r"a.*b", 0, "xxaqqbqqb"), Some((2, 9)));
        assert_eq!(find(r"a.*?b", 0, "xxaqqbqqb"), Some((2, 6)));
        assert_eq!(find(r"^\s*(?:tool_call|function_call)\b", IGNORECASE | MULTILINE, "hi\n  Tool_Call x"), Some((3, 14)));
        assert_eq!(find(r"x$", 0, "ax\n"), Some((1, 2)));
        assert_eq!(find(r"x$", 0, "ax\n\n"), None);
        assert_eq!(find(r"a{2,3}", 0, "aaaa"), Some((0, 3)));
        assert_eq!(find(r"a{,}", 0, "aa"), Some((0, 2)));
        assert_eq!(find(r"x{y", 0, "x{y"), Some((0, 3)));
        assert_eq!(find(r"(a|ab)(c|bcd)", 0, "abcd"), Some((0, 4)));
        assert_eq!(find(r"\bi cannot .{0,40}\byet\b", 0, "i cannot do that yet."), Some((0, 20)));
        assert_eq!(find(r"(?i)STRASSE", 0, "straße strasse"), Some((7, 14)));
        assert_eq!(find(r"[^\W\d]+", 0, "12ab_3"), Some((2, 5)));
        assert_eq!(find(r"σ", IGNORECASE, "ΣΑΣ ς"), Some((0, 1)));
        assert_eq!(find(r"ς", IGNORECASE, "Σ"), Some((0, 1)));
        assert_eq!(find(r"\b", 0, ""), None);
        assert_eq!(find(r"(?:)*", 0, "ab"), Some((0, 0)));
    }

    #[test]
    fn refusals() {
        for p in [r"(unclosed", r"[z-a]", r"a**", r"*a", r"\q", r"a)", r"(?P<1>x)", r"x(?i)", r"\1", r"[\A]", r"a{3,2}"] {
            assert!(matches!(Regex::from_str(p, 0), Err(Error::Invalid(_))), "{p}");
        }
        for p in [r"(?=a)", r"(a)\1", r"a*+", r"(?>a)", r"\N{EM DASH}"] {
            assert!(matches!(Regex::from_str(p, 0), Err(Error::Unsupported(_))), "{p}");
        }
    }

    #[test]
    fn verbose_and_groups() {
        let r = Regex::from_str(
            "^[ \\t>*\\-]*  DOS-CLAIM:[ \\t]+ (?P<plan>[^\\s]+) [ \\t]+ (?P<phase>[^\\s]+) [ \\t]*$  # tail",
            VERBOSE | MULTILINE,
        )
        .unwrap();
        let t = cps("x\n - DOS-CLAIM: P1 AUTH2 \nz");
        let m = r.search(&t).unwrap().unwrap();
        assert_eq!(m.group(r.group_index("plan").unwrap()), Some((16, 18)));
        assert_eq!(m.group(r.group_index("phase").unwrap()), Some((19, 24)));
    }

    #[test]
    fn starts_ruled_out_by_the_first_characters() {
        assert_eq!(find(r"\b(?:have|has|now) (?:been )?done\b", 2, "it HAS done; now done"), Some((3, 11)));
        assert_eq!(find(r"(?:a|)b", 0, "ccb"), Some((2, 3)));
        assert_eq!(find(r"a?b", 0, "cab"), Some((1, 3)));
        assert_eq!(find(r"(?:x{0})y|z", 0, "..zy"), Some((2, 3)));
        assert_eq!(find(r"x*", 0, "abc"), Some((0, 0)));
        assert_eq!(find(r"\b(?:x*)\bq", 0, "a q"), Some((2, 3)));
        // a non-ASCII character is always tried: the Kelvin sign folds to k
        assert_eq!(find(r"(?:k)m", 2, "a\u{212a}m"), Some((1, 3)));
        assert_eq!(find(r"[a-c]z", 2, "xBZ"), Some((1, 3)));
        assert!(Regex::from_str(r"\bi (?:still )?need to\b", 0).unwrap().first.is_some());
        assert!(Regex::from_str(r"(?:a|)", 0).unwrap().first.is_none());
    }

    #[test]
    fn budgets_stop_runaway_searches() {
        let r = Regex::from_str(r"(a*)*b", 0).unwrap();
        let t = cps(&"a".repeat(40));
        assert!(matches!(r.search(&t), Err(Error::Unsupported(_)) | Ok(None)));
    }
}
