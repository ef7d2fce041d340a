//! Python-compatible JSON: read what `json.loads` reads, write what
//! `json.dumps` writes, byte for byte.
//!
//! Durable records, hook output and digests are all defined by the bytes the
//! reference's `json` module produces, so this codec is the one place that
//! knows those bytes. See `value` for the data model.

mod indent;
mod parse;
mod repr;
mod scan;
mod value;
mod write;

pub use indent::dumps_indented;
pub use parse::{parse, parse_str, ParseError, MAX_DEPTH};
pub use repr::{py_repr, py_str, repr_str};
pub use scan::{scan, Item, Items, Scratch, Text};
pub use value::{Dict, Int, Str, Value};
pub use write::{dumps, dumps_str, dumps_string, float_repr, write_value, LoneSurrogate, Options, Surrogates};

mod serde_de;
mod serde_ser;
mod tape;
pub use serde_de::{from_dict, from_value, DeError, DictDeserializer, PathError, ValueDeserializer};
pub use serde_ser::{to_value, SerError, ValueSerializer};
pub use tape::{from_tape, value_of as tape_value, Node, Tape, TapeDeserializer};
