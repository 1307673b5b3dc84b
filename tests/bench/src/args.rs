//! `--key value` options: the driver is the only caller, so a map is enough.

use std::collections::BTreeMap;
use std::str::FromStr;

/// The options of one subcommand.
#[derive(Debug)]
pub struct Args(BTreeMap<String, String>);

impl Args {
    /// Reads `--key value` pairs; anything else is an error.
    pub fn parse(mut argv: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        while let Some(key) = argv.next() {
            let name = key
                .strip_prefix("--")
                .ok_or_else(|| format!("expected an option, got `{key}`"))?;
            let value = argv
                .next()
                .ok_or_else(|| format!("`{key}` needs a value"))?;
            map.insert(name.to_owned(), value);
        }
        Ok(Self(map))
    }

    /// The text of a required option.
    pub fn text(&self, name: &str) -> Result<&str, String> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("`--{name}` is required"))
    }

    /// A required option parsed as a number (or any `FromStr`).
    pub fn number<T: FromStr>(&self, name: &str) -> Result<T, String> {
        let text = self.text(name)?;
        text.parse()
            .map_err(|_| format!("`--{name}` needs a number, got `{text}`"))
    }

    /// A count that must be at least one.
    pub fn count(&self, name: &str) -> Result<usize, String> {
        match self.number::<usize>(name)? {
            0 => Err(format!("`--{name}` must be at least 1")),
            n => Ok(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Args, String> {
        Args::parse(words.iter().map(|word| (*word).to_owned()))
    }

    #[test]
    fn counts_of_zero_and_missing_values_are_errors() {
        let args = parse(&["--n", "0", "--url", "http://x"]).unwrap();
        assert!(args.count("n").unwrap_err().contains("at least 1"));
        assert!(args.count("batch").unwrap_err().contains("required"));
        assert_eq!(args.text("url"), Ok("http://x"));
        assert!(parse(&["--n"]).is_err());
        assert!(parse(&["n", "1"]).is_err());
    }
}
