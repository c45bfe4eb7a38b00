//! SCIM filters (RFC 7644 §3.4.2.2): parsed into a [`Filter`] under hard bounds, and
//! evaluated against a resource's JSON.
//!
//! Bounds, checked before anything else: at most [`MAX_FILTER_CHARS`] characters, nesting
//! (parentheses, `not`, value paths) at most [`MAX_DEPTH`] deep, at most [`MAX_TERMS`]
//! comparisons. Anything beyond, or outside the grammar, is `invalidFilter`.

use super::error::ScimError;
use serde_json::Value;

/// The longest filter taken.
pub(crate) const MAX_FILTER_CHARS: usize = 1_000;
/// The deepest nesting taken.
pub(crate) const MAX_DEPTH: usize = 8;
/// The most comparisons in one filter.
pub(crate) const MAX_TERMS: usize = 32;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// An attribute path: the attribute and, optionally, a sub-attribute; lowercase, without the
/// schema URN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AttrPath {
    pub(crate) attr: String,
    pub(crate) sub: Option<String>,
}

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Filter {
    Compare(AttrPath, Op, Value),
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`: some element of the multi-valued `attr` matches `filter`.
    ValuePath(String, Box<Filter>),
}

/// The schema URNs a path may be prefixed with.
const URN_PREFIXES: &[&str] = &[
    "urn:ietf:params:scim:schemas:core:2.0:user:",
    "urn:ietf:params:scim:schemas:core:2.0:group:",
];

/// `attr` or `attr.sub`, with an optional schema URN, lowercased.
pub(crate) fn attr_path(text: &str) -> Option<AttrPath> {
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    for prefix in URN_PREFIXES {
        if let Some(stripped) = rest.strip_prefix(prefix) {
            rest = stripped;
        }
    }
    let valid = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    let (attr, sub) = match rest.split_once('.') {
        Some((attr, sub)) => (attr, Some(sub)),
        None => (rest, None),
    };
    if !valid(attr) || sub.is_some_and(|s| !valid(s)) {
        return None;
    }
    Some(AttrPath {
        attr: attr.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Literal(Value),
}

fn tokenize(text: &str) -> Result<Vec<Token>, ScimError> {
    let bad = |why: &str| ScimError::invalid_filter(format!("the filter is not valid: {why}"));
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            '[' => {
                tokens.push(Token::OpenBracket);
                i += 1;
            }
            ']' => {
                tokens.push(Token::CloseBracket);
                i += 1;
            }
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(bad("an unterminated string"));
                }
                i += 1;
                let quoted: String = chars[start..i].iter().collect();
                let value: String =
                    serde_json::from_str(&quoted).map_err(|_| bad("a malformed string"))?;
                tokens.push(Token::Literal(Value::String(value)));
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-' | '$' | '+') => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '.' | ':' | '_' | '-' | '$' | '+'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                tokens.push(match word.to_ascii_lowercase().as_str() {
                    "true" => Token::Literal(Value::Bool(true)),
                    "false" => Token::Literal(Value::Bool(false)),
                    "null" => Token::Literal(Value::Null),
                    _ if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
                        let number: serde_json::Number =
                            word.parse().map_err(|_| bad("a malformed number"))?;
                        Token::Literal(Value::Number(number))
                    }
                    _ => Token::Word(word),
                });
            }
            _ => return Err(bad("an unexpected character")),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    terms: usize,
}

impl Parser {
    fn bad(why: &str) -> ScimError {
        ScimError::invalid_filter(format!("the filter is not valid: {why}"))
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self, depth: usize) -> Result<Filter, ScimError> {
        let mut left = self.and(depth)?;
        while self.keyword("or") {
            self.at += 1;
            let right = self.and(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Filter, ScimError> {
        let mut left = self.unary(depth)?;
        while self.keyword("and") {
            self.at += 1;
            let right = self.unary(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn nested(&mut self, depth: usize) -> Result<Filter, ScimError> {
        if depth >= MAX_DEPTH {
            return Err(ScimError::invalid_filter(format!(
                "the filter is nested more than {MAX_DEPTH} deep"
            )));
        }
        let inner = self.or(depth + 1)?;
        match self.next() {
            Some(Token::Close) => Ok(inner),
            _ => Err(Self::bad("a missing ')'")),
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, ScimError> {
        if self.keyword("not") {
            self.at += 1;
            if self.next() != Some(Token::Open) {
                return Err(Self::bad("'not' without '('"));
            }
            return Ok(Filter::Not(Box::new(self.nested(depth)?)));
        }
        match self.next() {
            Some(Token::Open) => self.nested(depth),
            Some(Token::Word(word)) => self.attr_expression(&word, depth),
            _ => Err(Self::bad("an attribute expected")),
        }
    }

    fn attr_expression(&mut self, word: &str, depth: usize) -> Result<Filter, ScimError> {
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            if depth >= MAX_DEPTH {
                return Err(ScimError::invalid_filter(format!(
                    "the filter is nested more than {MAX_DEPTH} deep"
                )));
            }
            let path = attr_path(word).ok_or_else(|| Self::bad("a malformed attribute"))?;
            if path.sub.is_some() {
                return Err(Self::bad("a value path on a sub-attribute"));
            }
            let inner = self.or(depth + 1)?;
            if self.next() != Some(Token::CloseBracket) {
                return Err(Self::bad("a missing ']'"));
            }
            let mut filter = Filter::ValuePath(path.attr.clone(), Box::new(inner));
            // `emails[type eq "work"].value eq "x"`: the element must match both.
            if let Some(Token::Word(next)) = self.peek().cloned()
                && let Some(sub) = next.strip_prefix('.')
            {
                self.at += 1;
                let sub_path = attr_path(sub).ok_or_else(|| Self::bad("a malformed attribute"))?;
                if sub_path.sub.is_some() {
                    return Err(Self::bad("a malformed attribute"));
                }
                let compare = self.comparison(AttrPath {
                    attr: sub_path.attr,
                    sub: None,
                })?;
                let Filter::ValuePath(attr, inner) = filter else {
                    return Err(Self::bad("a malformed value path"));
                };
                filter = Filter::ValuePath(attr, Box::new(Filter::And(inner, Box::new(compare))));
            }
            return Ok(filter);
        }
        let path = attr_path(word).ok_or_else(|| Self::bad("a malformed attribute"))?;
        self.comparison(path)
    }

    fn comparison(&mut self, path: AttrPath) -> Result<Filter, ScimError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(ScimError::invalid_filter(format!(
                "the filter has more than {MAX_TERMS} comparisons"
            )));
        }
        let Some(Token::Word(op)) = self.next() else {
            return Err(Self::bad("an operator expected"));
        };
        let op = match op.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return Err(Self::bad("an unknown operator")),
        };
        match self.next() {
            Some(Token::Literal(value)) => Ok(Filter::Compare(path, op, value)),
            _ => Err(Self::bad("a value expected")),
        }
    }
}

/// Parses `text` as a SCIM filter, within the bounds above.
///
/// # Errors
/// `invalidFilter` for anything too long, too deep, or outside the grammar.
pub(crate) fn parse(text: &str) -> Result<Filter, ScimError> {
    if text.chars().count() > MAX_FILTER_CHARS {
        return Err(ScimError::invalid_filter(format!(
            "the filter is longer than {MAX_FILTER_CHARS} characters"
        )));
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        terms: 0,
    };
    let filter = parser.or(0)?;
    if parser.at != parser.tokens.len() {
        return Err(Parser::bad("unexpected text after the filter"));
    }
    Ok(filter)
}

/// A member of a JSON object by name, case-insensitively.
pub(crate) fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// Attributes compared exactly (RFC 7643: `caseExact`); every other string is compared
/// case-insensitively.
fn case_exact(attr: &str) -> bool {
    matches!(attr, "id" | "externalid")
}

fn compare(actual: &Value, op: Op, expected: &Value, exact: bool) -> bool {
    match (actual, expected) {
        (Value::String(a), Value::String(e)) => {
            let (a, e) = if exact {
                (a.clone(), e.clone())
            } else {
                (a.to_lowercase(), e.to_lowercase())
            };
            match op {
                Op::Eq => a == e,
                Op::Ne => a != e,
                Op::Co => a.contains(&e),
                Op::Sw => a.starts_with(&e),
                Op::Ew => a.ends_with(&e),
                Op::Gt => a > e,
                Op::Ge => a >= e,
                Op::Lt => a < e,
                Op::Le => a <= e,
            }
        }
        (Value::Bool(a), Value::Bool(e)) => match op {
            Op::Eq => a == e,
            Op::Ne => a != e,
            _ => false,
        },
        (Value::Number(a), Value::Number(e)) => {
            let (Some(a), Some(e)) = (a.as_f64(), e.as_f64()) else {
                return false;
            };
            match op {
                Op::Eq => a == e,
                Op::Ne => a != e,
                Op::Gt => a > e,
                Op::Ge => a >= e,
                Op::Lt => a < e,
                Op::Le => a <= e,
                _ => false,
            }
        }
        (actual, Value::Null) => match op {
            Op::Eq => actual.is_null(),
            Op::Ne => !actual.is_null(),
            _ => false,
        },
        _ => matches!(op, Op::Ne),
    }
}

/// The values `path` names in `resource` (several for a multi-valued attribute).
fn values<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(top) = member(resource, &path.attr) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    match &path.sub {
        None => items,
        Some(sub) => items
            .into_iter()
            .filter_map(|item| member(item, sub))
            .collect(),
    }
}

/// Whether `resource` matches `filter`.
pub(crate) fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::Compare(path, op, expected) => {
            let found = values(resource, path);
            let exact = case_exact(&path.attr);
            if found.is_empty() {
                return compare(&Value::Null, *op, expected, exact);
            }
            found
                .into_iter()
                .any(|actual| compare(actual, *op, expected, exact))
        }
        Filter::Present(path) => values(resource, path).into_iter().any(|v| {
            !v.is_null() && v.as_str() != Some("") && v.as_array().is_none_or(|a| !a.is_empty())
        }),
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Not(inner) => !matches(inner, resource),
        Filter::ValuePath(attr, inner) => match member(resource, attr) {
            Some(Value::Array(items)) => items.iter().any(|item| matches(inner, item)),
            Some(item @ Value::Object(_)) => matches(inner, item),
            _ => false,
        },
    }
}

/// The conjuncts of a filter's top-level `and`s.
pub(crate) fn conjuncts(filter: &Filter) -> Vec<&Filter> {
    match filter {
        Filter::And(a, b) => {
            let mut all = conjuncts(a);
            all.extend(conjuncts(b));
            all
        }
        other => vec![other],
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_matches_the_filters_clients_send() {
        let user = json!({
            "userName": "Ada", "externalId": "E1", "active": true,
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}]
        });
        for (text, expected) in [
            (r#"userName eq "ada""#, true),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ADA""#,
                true,
            ),
            (r#"externalId eq "e1""#, false),
            (r#"externalId eq "E1" and userName eq "ada""#, true),
            (r#"emails[type eq "work"].value eq "ada@example.com""#, true),
            (
                r#"emails[type eq "home"].value eq "ada@example.com""#,
                false,
            ),
            (r#"emails.value eq "ADA@example.com""#, true),
            (r#"emails[type eq "work" and value co "example"]"#, true),
            (r#"not (active eq false) or userName sw "x""#, true),
            (r#"title pr"#, false),
            (r#"userName pr"#, true),
        ] {
            let filter = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(matches(&filter, &user), expected, "{text}");
        }
    }

    #[test]
    fn refuses_what_is_malformed_too_long_or_too_deep() {
        let deep = format!("{}userName eq \"a\"{}", "(".repeat(20), ")".repeat(20));
        let long = format!("userName eq \"{}\"", "a".repeat(2_000));
        let many = vec![r#"userName eq "a""#; 40].join(" or ");
        for text in [
            "userName eq",
            "userName zz \"a\"",
            "(userName eq \"a\"",
            "userName eq \"a",
            "emails[type eq \"work\"",
            "userName eq \"a\" \u{0}",
            "",
            deep.as_str(),
            long.as_str(),
            many.as_str(),
        ] {
            let error = parse(text).expect_err(text);
            assert_eq!(error.scim_type, Some("invalidFilter"), "{text}");
        }
    }
}
