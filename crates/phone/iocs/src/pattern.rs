//! STIX 2.1 patterns, as far as single-value indicators go: a tokenizer and a small
//! recursive-descent parser that turn `[domain-name:value = 'evil.example']` (or an `OR` of
//! such equality comparisons) into key/value pairs, and say precisely why anything else is
//! refused.
//!
//! Written by hand because no maintained Rust crate parses STIX patterning, and the subset
//! the public indicator sets use is small; the grammar followed is the one of the STIX 2.1
//! specification (section 9), so a value holding `=`, `]`, spaces or escaped quotes and an
//! object path with a quoted component (`file:hashes.'SHA-256'`) read as they should.

use std::fmt;

/// Longest pattern read, in bytes; longer ones are refused (a diagnostic, not a parse).
pub const MAX_PATTERN_BYTES: usize = 64 * 1024;
/// Most comparisons in one pattern (each becomes an indicator when joined by `OR`).
pub const MAX_COMPARISONS_PER_PATTERN: usize = 1024;
/// Deepest nesting of brackets and parentheses; bounds the parser's recursion.
pub const MAX_PATTERN_DEPTH: usize = 32;

/// One equality comparison a pattern holds: the object path as written and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The object path, normalised to `type:prop.'quoted'` form, e.g. `file:hashes.'SHA-256'`.
    pub key: String,
    /// The compared string, escapes resolved.
    pub value: String,
}

/// Why a pattern was not turned into indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// The pattern is not valid STIX patterning; says what was expected where.
    Syntax {
        /// Byte offset in the pattern.
        offset: usize,
        /// What was wrong there.
        message: String,
    },
    /// Valid, but not a single value or an `OR` of equality comparisons (e.g. `AND`, `!=`,
    /// `LIKE`, `FOLLOWEDBY`, qualifiers); these cannot be matched against one observed value.
    Unsupported(String),
    /// Longer or more nested than the named limits.
    TooLarge(String),
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::Syntax { offset, message } => {
                write!(f, "pattern syntax error at byte {offset}: {message}")
            }
            PatternError::Unsupported(what) => write!(f, "unsupported pattern: {what}"),
            PatternError::TooLarge(what) => write!(f, "pattern too large: {what}"),
        }
    }
}

impl std::error::Error for PatternError {}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    /// An object path such as `file:hashes.'SHA-256'`, normalised.
    Path(String),
    /// A comparison operator (`=`, `!=`, `<`, `<=`, `>`, `>=`).
    Op(&'static str),
    /// A bare word: `AND`, `OR`, `NOT`, `LIKE`, `FOLLOWEDBY`, `WITHIN`, a boolean, ...
    Word(String),
    /// A quoted string, escapes resolved.
    Str(String),
    /// A prefixed literal such as `t'2020-01-01T00:00:00Z'`, `h'00ff'`, `b'AAA='`.
    Prefixed(char, String),
    /// A number.
    Number(String),
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

fn syntax(offset: usize, message: impl Into<String>) -> PatternError {
    PatternError::Syntax {
        offset,
        message: message.into(),
    }
}

impl<'a> Lexer<'a> {
    fn peek_byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn skip_space(&mut self) {
        while let Some(b) = self.peek_byte() {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// A quoted string starting at the opening quote; only `\'` and `\\` are escapes, as the
    /// specification says. Another backslash is kept as written (values such as Windows paths
    /// are published that way) rather than refusing the indicator.
    fn string(&mut self) -> Result<String, PatternError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.clone().next() {
                    Some((_, e @ ('\'' | '\\'))) => {
                        out.push(e);
                        chars.next();
                    }
                    _ => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        Err(syntax(start, "string without its closing quote"))
    }

    fn word(&mut self) -> &'a str {
        let rest = self.rest();
        let len = rest
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .unwrap_or(rest.len());
        self.pos += len;
        rest.get(..len).unwrap_or("")
    }

    /// The object path after its `type:`: components joined by `.`, each a name or a quoted
    /// string, each optionally followed by a list index `[*]` or `[n]`.
    fn path(&mut self, object_type: &str) -> Result<String, PatternError> {
        let mut key = String::from(object_type);
        key.push(':');
        loop {
            match self.peek_byte() {
                Some(b'\'') => {
                    let part = self.string()?;
                    key.push('\'');
                    key.push_str(&part);
                    key.push('\'');
                }
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                    key.push_str(self.word());
                }
                _ => return Err(syntax(self.pos, "object path component expected")),
            }
            if self.peek_byte() == Some(b'[') {
                let start = self.pos;
                let rest = self.rest();
                let close = rest
                    .find(']')
                    .ok_or_else(|| syntax(start, "list index without its closing bracket"))?;
                let index = rest.get(1..close).unwrap_or("");
                if index != "*" && (index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(syntax(start, "list index must be * or a number"));
                }
                key.push('[');
                key.push_str(index);
                key.push(']');
                self.pos += close + 1;
            }
            if self.peek_byte() == Some(b'.') {
                self.pos += 1;
                key.push('.');
            } else {
                return Ok(key);
            }
        }
    }

    fn next(&mut self) -> Result<Option<(usize, Token)>, PatternError> {
        self.skip_space();
        let start = self.pos;
        let Some(b) = self.peek_byte() else {
            return Ok(None);
        };
        let token = match b {
            b'[' => {
                self.pos += 1;
                Token::LBracket
            }
            b']' => {
                self.pos += 1;
                Token::RBracket
            }
            b'(' => {
                self.pos += 1;
                Token::LParen
            }
            b')' => {
                self.pos += 1;
                Token::RParen
            }
            b',' => {
                self.pos += 1;
                Token::Comma
            }
            b'\'' => Token::Str(self.string()?),
            b'=' => {
                self.pos += 1;
                Token::Op("=")
            }
            b'!' | b'<' | b'>' => {
                let two = self.rest().get(..2).unwrap_or("");
                let op = match (b, two) {
                    (_, "!=") => "!=",
                    (_, "<=") => "<=",
                    (_, ">=") => ">=",
                    (b'<', _) => "<",
                    (b'>', _) => ">",
                    _ => return Err(syntax(start, "`!` not followed by `=`")),
                };
                self.pos += op.len();
                Token::Op(op)
            }
            b'-' | b'0'..=b'9' => {
                let rest = self.rest();
                let len = rest
                    .bytes()
                    .skip(1)
                    .position(|c| !(c.is_ascii_digit() || c == b'.'))
                    .map_or(rest.len(), |p| p + 1);
                self.pos += len;
                Token::Number(rest.get(..len).unwrap_or("").to_string())
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let word = self.word();
                let after = self.peek_byte();
                if after == Some(b':') {
                    self.pos += 1;
                    Token::Path(self.path(word)?)
                } else if after == Some(b'\'') && matches!(word, "t" | "h" | "b") {
                    let prefix = if word == "t" {
                        't'
                    } else if word == "h" {
                        'h'
                    } else {
                        'b'
                    };
                    Token::Prefixed(prefix, self.string()?)
                } else {
                    Token::Word(word.to_string())
                }
            }
            _ => {
                let c = self.rest().chars().next().unwrap_or('?');
                return Err(syntax(start, format!("unexpected character {c:?}")));
            }
        };
        Ok(Some((start, token)))
    }
}

/// The pattern as a tree: observations and comparisons joined by `AND`/`OR`.
enum Expr {
    Comparison {
        key: String,
        negated: bool,
        op: String,
        value: Token,
    },
    And,
    Or(Vec<Expr>),
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(o, _)| *o)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        t
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    /// `observation (OR|AND|FOLLOWEDBY observation)*`, each side possibly parenthesised.
    fn observations(&mut self, depth: usize) -> Result<Expr, PatternError> {
        self.joined(depth, true)
    }

    fn joined(&mut self, depth: usize, outer: bool) -> Result<Expr, PatternError> {
        if depth > MAX_PATTERN_DEPTH {
            return Err(PatternError::TooLarge(format!(
                "nested deeper than {MAX_PATTERN_DEPTH} levels"
            )));
        }
        let mut alternatives = Vec::new();
        let mut has_and = false;
        alternatives.push(self.term(depth, outer)?);
        loop {
            if self.is_word("OR") {
                self.bump();
            } else if self.is_word("AND") {
                self.bump();
                has_and = true;
            } else if outer && self.is_word("FOLLOWEDBY") {
                return Err(PatternError::Unsupported(
                    "FOLLOWEDBY joins observations in time".into(),
                ));
            } else {
                break;
            }
            alternatives.push(self.term(depth, outer)?);
        }
        if has_and {
            // Parsed to the end so a syntax error is still reported as one.
            return Ok(Expr::And);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.pop().unwrap_or(Expr::And)
        } else {
            Expr::Or(alternatives)
        })
    }

    fn term(&mut self, depth: usize, outer: bool) -> Result<Expr, PatternError> {
        let offset = self.offset();
        match self.peek() {
            Some(Token::LParen) => {
                self.bump();
                let inner = self.joined(depth + 1, outer)?;
                self.expect(&Token::RParen, "`)`")?;
                self.qualifiers(outer)?;
                Ok(inner)
            }
            Some(Token::LBracket) if outer => {
                self.bump();
                let inner = self.joined(depth + 1, false)?;
                self.expect(&Token::RBracket, "`]`")?;
                self.qualifiers(outer)?;
                Ok(inner)
            }
            Some(Token::Path(_)) if !outer => self.comparison(),
            Some(_) if outer => Err(syntax(offset, "`[` expected")),
            Some(_) => Err(syntax(offset, "object path expected")),
            None => Err(syntax(offset, "pattern ends too early")),
        }
    }

    /// `WITHIN n SECONDS`, `START t'..' STOP t'..'`, `REPEATS n TIMES` after an observation.
    fn qualifiers(&mut self, outer: bool) -> Result<(), PatternError> {
        if outer && (self.is_word("WITHIN") || self.is_word("START") || self.is_word("REPEATS")) {
            return Err(PatternError::Unsupported(
                "qualifiers (WITHIN, START/STOP, REPEATS) restrict when values are seen".into(),
            ));
        }
        Ok(())
    }

    fn expect(&mut self, token: &Token, what: &str) -> Result<(), PatternError> {
        let offset = self.offset();
        match self.bump() {
            Some(t) if &t == token => Ok(()),
            _ => Err(syntax(offset, format!("{what} expected"))),
        }
    }

    fn comparison(&mut self) -> Result<Expr, PatternError> {
        let Some(Token::Path(key)) = self.bump() else {
            return Err(syntax(self.offset(), "object path expected"));
        };
        let mut negated = false;
        if self.is_word("NOT") {
            self.bump();
            negated = true;
        }
        let offset = self.offset();
        let op = match self.bump() {
            Some(Token::Op(op)) => op.to_string(),
            Some(Token::Word(w))
                if ["LIKE", "MATCHES", "IN", "ISSUBSET", "ISSUPERSET"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&w)) =>
            {
                w.to_ascii_uppercase()
            }
            _ => return Err(syntax(offset, "comparison operator expected")),
        };
        let offset = self.offset();
        let value = match self.bump() {
            Some(t @ (Token::Str(_) | Token::Prefixed(..) | Token::Number(_))) => t,
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") =>
            {
                Token::Word(w)
            }
            Some(Token::LParen) if op == "IN" => {
                // A set of values: read to its close so syntax stays checked.
                loop {
                    match self.bump() {
                        Some(Token::RParen) => break,
                        Some(_) => {}
                        None => return Err(syntax(offset, "`)` expected")),
                    }
                }
                Token::Word("(set)".into())
            }
            _ => return Err(syntax(offset, "value expected")),
        };
        Ok(Expr::Comparison {
            key,
            negated,
            op,
            value,
        })
    }
}

/// Flattens an `OR` tree into its comparisons; refuses what one value cannot match.
fn flatten(expr: Expr, out: &mut Vec<Comparison>) -> Result<(), PatternError> {
    match expr {
        Expr::And => Err(PatternError::Unsupported(
            "AND requires several values seen together".into(),
        )),
        Expr::Or(items) => {
            for item in items {
                flatten(item, out)?;
            }
            Ok(())
        }
        Expr::Comparison {
            key,
            negated,
            op,
            value,
        } => {
            if negated || op != "=" {
                let not = if negated { "NOT " } else { "" };
                return Err(PatternError::Unsupported(format!(
                    "comparison `{key} {not}{op}` is not an equality"
                )));
            }
            let Token::Str(value) = value else {
                return Err(PatternError::Unsupported(format!(
                    "`{key}` compared with a value that is not a string"
                )));
            };
            if out.len() >= MAX_COMPARISONS_PER_PATTERN {
                return Err(PatternError::TooLarge(format!(
                    "more than {MAX_COMPARISONS_PER_PATTERN} comparisons"
                )));
            }
            out.push(Comparison { key, value });
            Ok(())
        }
    }
}

/// The equality comparisons of `pattern`: one for `[k = 'v']`, several for comparisons joined
/// by `OR` (inside one observation or between observations). Anything else is an error value
/// saying why.
pub fn parse_pattern(pattern: &str) -> Result<Vec<Comparison>, PatternError> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(PatternError::TooLarge(format!(
            "{} bytes, more than {MAX_PATTERN_BYTES}",
            pattern.len()
        )));
    }
    let mut lexer = Lexer {
        text: pattern,
        pos: 0,
    };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next()? {
        // Each comparison takes at least three tokens; this bounds the token list too.
        if tokens.len() > MAX_COMPARISONS_PER_PATTERN * 8 {
            return Err(PatternError::TooLarge(format!(
                "more than {MAX_COMPARISONS_PER_PATTERN} comparisons"
            )));
        }
        tokens.push(token);
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        end: pattern.len(),
    };
    let expr = parser.observations(0)?;
    if parser.at < parser.tokens.len() {
        return Err(syntax(parser.offset(), "unexpected text after the pattern"));
    }
    let mut out = Vec::new();
    flatten(expr, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(pattern: &str) -> (String, String) {
        let mut c = parse_pattern(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert_eq!(c.len(), 1, "{pattern}");
        let c = c.remove(0);
        (c.key, c.value)
    }

    #[test]
    fn single_comparisons_with_and_without_spaces() {
        assert_eq!(
            one("[domain-name:value='evil.example']"),
            ("domain-name:value".into(), "evil.example".into())
        );
        assert_eq!(
            one("  [ domain-name:value\t=\n'evil.example' ]  "),
            ("domain-name:value".into(), "evil.example".into())
        );
    }

    #[test]
    fn values_holding_syntax_characters() {
        assert_eq!(
            one("[url:value = 'https://x.example/?a=b&c=d']").1,
            "https://x.example/?a=b&c=d"
        );
        assert_eq!(one("[file:name = 'a]b[c']").1, "a]b[c");
        assert_eq!(one("[file:path = '/var/my dir/x y']").1, "/var/my dir/x y");
        assert_eq!(one(r"[process:name = 'it\'s']").1, "it's");
        assert_eq!(one(r"[file:path = 'C:\\Temp\\x']").1, r"C:\Temp\x");
        assert_eq!(one(r"[file:path = 'C:\Temp']").1, r"C:\Temp");
        assert_eq!(
            one(r"[file:name = 'ends with backslash\\']").1,
            r"ends with backslash\"
        );
        assert_eq!(one("[file:name = 'ünïcødé ✓']").1, "ünïcødé ✓");
        assert_eq!(one("[file:name = '']").1, "");
        assert_eq!(one("[file:name = 'x OR y AND z']").1, "x OR y AND z");
    }

    #[test]
    fn quoted_path_components() {
        assert_eq!(
            one("[file:hashes.'SHA-256' = 'ab']").0,
            "file:hashes.'SHA-256'"
        );
        assert_eq!(one("[file:hashes.MD5 = 'ab']").0, "file:hashes.MD5");
        assert_eq!(
            one("[network-traffic:extensions.'http-request-ext'.request_header.'Host' = 'x']").0,
            "network-traffic:extensions.'http-request-ext'.request_header.'Host'"
        );
        assert_eq!(
            one("[email-message:to_refs[*].value = 'a@b']").0,
            "email-message:to_refs[*].value"
        );
    }

    #[test]
    fn or_becomes_several_comparisons() {
        let c =
            parse_pattern("[domain-name:value = 'a.example' OR domain-name:value = 'b.example']")
                .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].value, "b.example");
        let c = parse_pattern(
            "[ipv4-addr:value = '192.0.2.1'] OR ([url:value = 'http://x/'] OR [file:name='n'])",
        )
        .unwrap();
        let values: Vec<_> = c.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, ["192.0.2.1", "http://x/", "n"]);
        let c = parse_pattern("[(file:name = 'a' OR file:name = 'b')]").unwrap();
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn unsupported_forms_say_why() {
        for p in [
            "[file:name = 'a' AND file:hashes.md5 = 'b']",
            "[file:name = 'a'] AND [file:name = 'b']",
            "[file:name != 'a']",
            "[file:name NOT = 'a']",
            "[file:name LIKE 'a%']",
            "[file:name MATCHES '^a']",
            "[file:size > 10]",
            "[file:size = 10]",
            "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
            "[file:name IN ('a', 'b')]",
            "[file:name = 'a'] FOLLOWEDBY [file:name = 'b']",
            "[file:name = 'a'] WITHIN 300 SECONDS",
            "[file:name = 'a'] REPEATS 5 TIMES",
            "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
        ] {
            match parse_pattern(p) {
                Err(PatternError::Unsupported(_)) => {}
                other => panic!("{p}: {other:?}"),
            }
        }
    }

    #[test]
    fn syntax_errors_carry_an_offset() {
        for (p, at) in [
            ("[file:name = 'a'", 16),
            ("[file:name = 'a", 13),
            ("file:name = 'a'", 0),
            ("[file:name 'a']", 11),
            ("[file:name = ]", 13),
            ("[file:name = 'a'] extra", 18),
            ("[file: = 'a']", 6),
            ("[file:name = 'a' OR]", 19),
            ("[file:x[a] = 'a']", 7),
            ("", 0),
            ("[]", 1),
            ("[file:name ! 'a']", 11),
            ("[file:name = 'a'] #", 18),
        ] {
            match parse_pattern(p) {
                Err(PatternError::Syntax { offset, .. }) => assert_eq!(offset, at, "{p}"),
                other => panic!("{p}: {other:?}"),
            }
        }
    }

    #[test]
    fn limits_hold() {
        let deep = format!("{}[file:name = 'a']{}", "(".repeat(100), ")".repeat(100));
        assert!(matches!(
            parse_pattern(&deep),
            Err(PatternError::TooLarge(_))
        ));
        let long = format!("[file:name = '{}']", "a".repeat(MAX_PATTERN_BYTES));
        assert!(matches!(
            parse_pattern(&long),
            Err(PatternError::TooLarge(_))
        ));
        let many = vec!["file:name = 'a'"; MAX_COMPARISONS_PER_PATTERN + 1].join(" OR ");
        assert!(matches!(
            parse_pattern(&format!("[{many}]")),
            Err(PatternError::TooLarge(_))
        ));
        let ok = vec!["file:name = 'a'"; MAX_COMPARISONS_PER_PATTERN].join(" OR ");
        assert_eq!(
            parse_pattern(&format!("[{ok}]")).unwrap().len(),
            MAX_COMPARISONS_PER_PATTERN
        );
    }
}
