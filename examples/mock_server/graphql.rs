//! Just enough of a GraphQL reader for CollectiveAccess's `Auth` service: finding a
//! field in the selection set, its arguments (string literals or `$variables`), and the
//! line/column locations graphql-php puts in its errors. Not a parser: anything it does
//! not understand is left for the caller to answer as graphql-php would.

use serde::Serialize;
use serde_json::{Map, Value};

/// 1-based line and column, as graphql-php reports locations.
#[derive(Serialize, Clone, Copy)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// A GraphQL argument value as written in the query.
pub enum ArgValue {
    Str(String),
    Var(String),
    Other,
}

/// The first field of the selection set and its offset, or the syntax error graphql-php
/// reports for a query without one.
pub fn first_field(query: &str) -> Result<(String, usize), (&'static str, Location)> {
    let Some(open) = query.find('{') else {
        return Err((
            "Syntax Error: Unexpected <EOF>",
            location(query, query.len()),
        ));
    };
    let rest = &query[open + 1..];
    let start = open + 1 + (rest.len() - rest.trim_start().len());
    let name: String = query[start..]
        .chars()
        .take_while(|c| is_ident_char(*c))
        .collect();
    if name.is_empty() {
        return Err((
            "Syntax Error: Expected Name, found <EOF>",
            location(query, query.len()),
        ));
    }
    Ok((name, start))
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Byte offset of the field `name` in the selection set. The search starts at the first
/// `{`, so an operation named `refresh` or a `$login` variable is not mistaken for it.
pub fn find_field(query: &str, name: &str) -> Option<usize> {
    let start = query.find('{')?;
    query[start..]
        .match_indices(name)
        .map(|(i, _)| start + i)
        .find(|&i| {
            let before = query[..i].chars().next_back();
            let after = query[i + name.len()..].chars().next();
            !before.is_some_and(|c| is_ident_char(c) || c == '$')
                && !after.is_some_and(is_ident_char)
        })
}

/// 1-based line and column of a byte offset, as graphql-php reports locations.
pub fn location(query: &str, pos: usize) -> Location {
    let before = &query[..pos.min(query.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Location {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

/// The `(name: value, …)` list right after a field name, if any.
pub fn field_args(query: &str, after_field: usize) -> Vec<(String, ArgValue)> {
    let rest = query[after_field..].trim_start();
    let Some(args) = rest.strip_prefix('(') else {
        return Vec::new();
    };
    let mut chars = args.chars().peekable();
    let mut out = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let name: String = std::iter::from_fn(|| chars.next_if(|c| is_ident_char(*c))).collect();
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if name.is_empty() || chars.next() != Some(':') {
            break;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let value = match chars.peek() {
            Some('"') => {
                chars.next();
                match read_string(&mut chars) {
                    Some(s) => ArgValue::Str(s),
                    None => break,
                }
            }
            Some('$') => {
                chars.next();
                ArgValue::Var(std::iter::from_fn(|| chars.next_if(|c| is_ident_char(*c))).collect())
            }
            _ => {
                while chars
                    .next_if(|c| !c.is_whitespace() && !matches!(c, ',' | ')'))
                    .is_some()
                {}
                ArgValue::Other
            }
        };
        out.push((name, value));
    }
    out
}

/// The rest of a `"…"` string literal (after the opening quote), escapes decoded; `None`
/// when it is not terminated.
fn read_string(chars: &mut impl Iterator<Item = char>) -> Option<String> {
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let code: String = chars.by_ref().take(4).collect();
                    out.push(
                        u32::from_str_radix(&code, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .unwrap_or('\u{fffd}'),
                    );
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
}

/// An argument's string value: the literal, or the `$variable` from `variables`. When the
/// field does not name the argument at all, `variables[name]` is used (lenient, so that a
/// client sending only variables still works).
pub fn arg(args: &[(String, ArgValue)], name: &str, vars: &Map<String, Value>) -> Option<String> {
    let var = |key: &str| vars.get(key).and_then(Value::as_str).map(str::to_owned);
    match args.iter().find(|(n, _)| n == name).map(|(_, v)| v) {
        Some(ArgValue::Str(s)) => Some(s.clone()),
        Some(ArgValue::Var(v)) => var(v),
        Some(ArgValue::Other) => None,
        None => var(name),
    }
}
