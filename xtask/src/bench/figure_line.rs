//! The JSON line of a figure the driver measures itself (P1i, P4), in the
//! format the bench programs print, written by hand to keep xtask dependency-free.

use std::fmt::Write as _;

/// One figure; `None` fields are written as `null`.
#[derive(Debug, Clone)]
pub struct FigureLine<'a> {
    pub id: &'a str,
    pub what: &'a str,
    pub unit: &'a str,
    pub ours: f64,
    pub baseline: Option<f64>,
    pub target: &'a str,
    pub pass: Option<bool>,
    pub note: &'a str,
}

impl FigureLine<'_> {
    pub fn to_json(&self) -> String {
        let number = |value: f64| {
            if value.is_finite() {
                format!("{value}")
            } else {
                "null".to_owned()
            }
        };
        let mut line = String::new();
        let _ = write!(
            line,
            r#"{{"id":{},"what":{},"unit":{},"ours":{},"baseline":{},"target":{},"pass":{},"note":{}}}"#,
            string(self.id),
            string(self.what),
            string(self.unit),
            number(self.ours),
            self.baseline.map_or("null".to_owned(), number),
            string(self.target),
            self.pass.map_or("null".to_owned(), |pass| pass.to_string()),
            string(self.note),
        );
        line
    }
}

/// A JSON string literal.
fn string(text: &str) -> String {
    let mut quoted = String::from('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04x}", c as u32);
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_nulls() {
        let line = FigureLine {
            id: "P4",
            what: "a \"b\"\n",
            unit: "x",
            ours: 1.5,
            baseline: None,
            target: "t",
            pass: Some(true),
            note: "",
        }
        .to_json();
        assert_eq!(
            line,
            r#"{"id":"P4","what":"a \"b\"\u000a","unit":"x","ours":1.5,"baseline":null,"target":"t","pass":true,"note":""}"#
        );
    }
}
