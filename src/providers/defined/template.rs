//! Placeholders in a definition's `body` and `headers`.
//!
//! A string value is split into literal text and placeholders once, when
//! the definition is loaded, and rendered by concatenation into a new
//! value: a password is never pasted into JSON or form text and never
//! scanned for placeholders itself, so whatever it contains (`"`, `\`,
//! `{username}`, newlines, emoji) arrives exactly as typed once the
//! structure is serialised. `{{` and `}}` stand for literal braces.

use serde_json::{Map, Value};

/// A value a request can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    Username,
    Password,
    RefreshToken,
    ClientId,
    ClientSecret,
    /// Only in `[info]` and `[revoke]`: the current access token.
    AccessToken,
}

impl Placeholder {
    const ALL: [Placeholder; 6] = [
        Placeholder::Username,
        Placeholder::Password,
        Placeholder::RefreshToken,
        Placeholder::ClientId,
        Placeholder::ClientSecret,
        Placeholder::AccessToken,
    ];

    /// The name between the braces.
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Username => "username",
            Placeholder::Password => "password",
            Placeholder::RefreshToken => "refresh_token",
            Placeholder::ClientId => "client_id",
            Placeholder::ClientSecret => "client_secret",
            Placeholder::AccessToken => "access_token",
        }
    }

    fn from_name(s: &str) -> Option<Placeholder> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Text(String),
    Hole(Placeholder),
}

/// One string value with its placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Vec<Segment>);

impl Template {
    /// Splits `s`; the error says which brace or name is wrong.
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut segs = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(i) = rest.find(['{', '}']) {
            text.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                text.push_str(&tail[..1]);
                rest = &tail[2..];
            } else if tail.starts_with('}') {
                return Err("a lone `}` (write `}}` for a literal brace)".into());
            } else {
                let end = tail
                    .find('}')
                    .ok_or("an unclosed `{` (write `{{` for a literal brace)")?;
                let name = &tail[1..end];
                let p = Placeholder::from_name(name).ok_or_else(|| {
                    format!(
                        "unknown placeholder `{{{}}}` (known: {})",
                        crate::error::sanitize(name),
                        Placeholder::ALL
                            .iter()
                            .map(|p| format!("{{{}}}", p.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                if !text.is_empty() {
                    segs.push(Segment::Text(std::mem::take(&mut text)));
                }
                segs.push(Segment::Hole(p));
                rest = &tail[end + 1..];
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            segs.push(Segment::Text(text));
        }
        Ok(Template(segs))
    }

    /// The placeholders used, in order.
    pub fn placeholders(&self) -> impl Iterator<Item = Placeholder> + '_ {
        self.0.iter().filter_map(|s| match s {
            Segment::Hole(p) => Some(*p),
            Segment::Text(_) => None,
        })
    }

    /// The string with every placeholder replaced by its value; the first
    /// placeholder without a value is the error.
    pub fn render(
        &self,
        values: &dyn Fn(Placeholder) -> Option<String>,
    ) -> Result<String, Placeholder> {
        let mut out = String::new();
        for s in &self.0 {
            match s {
                Segment::Text(t) => out.push_str(t),
                Segment::Hole(p) => out.push_str(&values(*p).ok_or(*p)?),
            }
        }
        Ok(out)
    }
}

/// A request body as written in the definition: the JSON structure, with
/// a [`Template`] in place of every string.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Str(Template),
    /// Numbers, booleans: sent as written.
    Plain(Value),
    List(Vec<Shape>),
    Object(Vec<(String, Shape)>),
}

impl Shape {
    /// Every placeholder used anywhere inside.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        match self {
            Shape::Str(t) => t.placeholders().collect(),
            Shape::Plain(_) => Vec::new(),
            Shape::List(items) => items.iter().flat_map(Shape::placeholders).collect(),
            Shape::Object(fields) => fields.iter().flat_map(|(_, s)| s.placeholders()).collect(),
        }
    }

    /// The JSON value, placeholders filled in.
    pub fn render(
        &self,
        values: &dyn Fn(Placeholder) -> Option<String>,
    ) -> Result<Value, Placeholder> {
        Ok(match self {
            Shape::Str(t) => Value::String(t.render(values)?),
            Shape::Plain(v) => v.clone(),
            Shape::List(items) => Value::Array(
                items
                    .iter()
                    .map(|s| s.render(values))
                    .collect::<Result<_, _>>()?,
            ),
            Shape::Object(fields) => {
                let mut m = Map::new();
                for (k, s) in fields {
                    m.insert(k.clone(), s.render(values)?);
                }
                Value::Object(m)
            }
        })
    }
}

/// A rendered form body as name/value pairs: scalars as text, a list as
/// the name repeated once per item. The loader admits only such bodies.
pub fn form_fields(body: &Value) -> Vec<(String, String)> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let Value::Object(fields) = body else {
        return Vec::new();
    };
    fields
        .iter()
        .flat_map(|(k, v)| {
            let values: Vec<String> = match v {
                Value::Array(items) => items.iter().filter_map(scalar).collect(),
                other => scalar(other).into_iter().collect(),
            };
            values.into_iter().map(move |v| (k.clone(), v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(p: Placeholder) -> Option<String> {
        match p {
            Placeholder::Username => Some("ann".into()),
            Placeholder::Password => Some("p{username}\"\\\n😀".into()),
            _ => None,
        }
    }

    #[test]
    fn splits_and_renders_without_rescanning_values() {
        let t = Template::parse("Bearer {password}!").unwrap();
        assert_eq!(
            t.render(&values).unwrap(),
            "Bearer p{username}\"\\\n😀!",
            "the value is inserted as is, never expanded again"
        );
        assert_eq!(
            t.placeholders().collect::<Vec<_>>(),
            [Placeholder::Password]
        );
        assert_eq!(
            Template::parse("{{literal}} }} {username}")
                .unwrap()
                .render(&values)
                .unwrap(),
            "{literal} } ann"
        );
        assert_eq!(Template::parse("").unwrap().render(&values).unwrap(), "");
    }

    #[test]
    fn bad_templates_say_why() {
        for (s, why) in [
            ("{user}", "unknown placeholder `{user}`"),
            ("{Username}", "unknown placeholder"),
            ("{password", "unclosed `{`"),
            ("a}b", "lone `}`"),
            ("{}", "unknown placeholder `{}`"),
        ] {
            let e = Template::parse(s).unwrap_err();
            assert!(e.contains(why), "{s}: {e}");
        }
    }

    #[test]
    fn missing_values_name_the_placeholder() {
        let t = Template::parse("{refresh_token}").unwrap();
        assert_eq!(t.render(&values), Err(Placeholder::RefreshToken));
    }

    #[test]
    fn shapes_render_to_json_values() {
        let s = Shape::Object(vec![
            (
                "user".into(),
                Shape::Str(Template::parse("{username}").unwrap()),
            ),
            ("n".into(), Shape::Plain(json!(3))),
            (
                "l".into(),
                Shape::List(vec![Shape::Str(Template::parse("{password}").unwrap())]),
            ),
        ]);
        assert_eq!(
            s.render(&values).unwrap(),
            json!({"user": "ann", "n": 3, "l": ["p{username}\"\\\n😀"]})
        );
        assert_eq!(
            s.placeholders(),
            [Placeholder::Username, Placeholder::Password]
        );
    }

    #[test]
    fn form_fields_repeat_list_names() {
        let body = json!({"a": "x&y=z", "n": 1, "b": true, "scope": ["r", "w"]});
        assert_eq!(
            form_fields(&body),
            [
                ("a", "x&y=z"),
                ("b", "true"),
                ("n", "1"),
                ("scope", "r"),
                ("scope", "w")
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }
}
