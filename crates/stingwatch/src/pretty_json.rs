//! Indented JSON for reports, byte for byte what `serde_json::to_writer_pretty` writes.
//!
//! serde_json's `PrettyFormatter` writes a line's indentation one level at a time, one
//! `write_all` per level. A report's timeline and cells are thousands of objects four and
//! five levels deep, so those small writes were a fifth of writing the report. This formatter
//! writes the line break and the whole indentation in one piece.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// Two spaces per level, as serde_json's pretty printer indents.
const STEP: usize = 2;

/// A line break and the spaces of the deepest level written in one piece; deeper levels add
/// the rest in further pieces.
const BREAK: &[u8; 1 + 64] = b"\n                                                                ";

/// The formatter; see the module documentation.
#[derive(Default)]
struct Indented {
    depth: usize,
    has_value: bool,
}

impl Indented {
    /// A line break, then the indentation of the current depth.
    fn new_line<W: ?Sized + Write>(&self, writer: &mut W) -> io::Result<()> {
        let mut spaces = self.depth.saturating_mul(STEP);
        let first = spaces.min(BREAK.len() - 1);
        writer.write_all(BREAK.get(..1 + first).unwrap_or(b"\n"))?;
        spaces -= first;
        while spaces > 0 {
            let n = spaces.min(BREAK.len() - 1);
            writer.write_all(BREAK.get(1..1 + n).unwrap_or(b""))?;
            spaces -= n;
        }
        Ok(())
    }

    /// An array or object opens one level deeper.
    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// An array or object closes on a line of its own unless it was empty.
    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(writer)?;
        }
        writer.write_all(bracket)
    }

    /// Each element or member starts a line, after a comma unless it is the first.
    fn item<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        self.new_line(writer)
    }
}

impl Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` as indented JSON, exactly as `serde_json::to_writer_pretty` would.
pub(crate) fn to_writer<W: Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    value.serialize(&mut Serializer::with_formatter(writer, Indented::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn both(value: &Value) -> (String, String) {
        let mut ours = Vec::new();
        to_writer(&mut ours, value).unwrap();
        let theirs = serde_json::to_string_pretty(value).unwrap();
        (String::from_utf8(ours).unwrap(), theirs)
    }

    /// Nesting deeper than one piece of indentation holds (40 levels, 80 spaces), empty and
    /// full arrays and objects side by side, strings needing escapes, numbers of every kind.
    #[test]
    fn writes_what_serde_json_pretty_writes() {
        let mut deep = json!({"leaf": [1, [], {}, "x"]});
        for i in 0..40 {
            deep = if i % 3 == 0 {
                json!([deep, [], {}])
            } else {
                json!({"level": i, "inner": deep, "empty": {}, "list": []})
            };
        }
        let values = [
            json!(null),
            json!([]),
            json!({}),
            json!([[]]),
            json!([{}]),
            json!({"a": {}}),
            json!({"a": [], "b": [1, 2, {"c": "d\"\n\u{1}é"}], "e": -1.5e300, "f": u64::MAX}),
            json!([true, false, null, 0, -0.0, "", [[[]]]]),
            deep,
        ];
        for v in &values {
            let (ours, theirs) = both(v);
            assert_eq!(ours, theirs);
        }
    }

    /// What analysing a scenario gives (findings with evidence, cells, the timeline), as the
    /// report's own types serialize it, is written identically too.
    #[test]
    fn an_analysis_is_written_identically() {
        let s = stingwatch_scenario::build("imsi-catcher").expect("scenario");
        let mut pipeline = stingwatch_pipeline::Pipeline::new("scenario.qmdl", None);
        for m in &s.messages {
            pipeline.push(m);
        }
        let done = pipeline.finish();
        assert!(!done.findings.is_empty() && !done.timeline.is_empty());
        let mut ours = Vec::new();
        to_writer(&mut ours, &(&done.findings, &done.cells, &done.timeline)).unwrap();
        let theirs =
            serde_json::to_string_pretty(&(&done.findings, &done.cells, &done.timeline)).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), theirs);
    }
}
