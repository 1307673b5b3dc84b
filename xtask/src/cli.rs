//! Command-line parsing. Hand-written on purpose: two commands and one option
//! do not justify an argument-parsing dependency in every CI build.

/// Printed for `cargo xtask help` and after any usage error.
pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci                          run every CI check in order, stopping at the first failure
  conformance [--adapter NAME]
                              run the conformance suite and print a vector x adapter matrix;
                              with --adapter, run only trials named `NAME::...`
  package                     package and verify every publishable crate
  help                        print this message";

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    Help,
    Ci,
    Conformance { adapter: Option<String> },
    Package,
}

/// Turns the arguments after `cargo xtask` into a [`Task`], or a message
/// explaining what was wrong with them.
pub fn parse(args: &[String]) -> Result<Task, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err("no command given".to_owned());
    };
    match command.as_str() {
        "help" | "-h" | "--help" => Ok(Task::Help),
        "ci" => {
            no_more(rest)?;
            Ok(Task::Ci)
        }
        "conformance" => parse_conformance(rest),
        "package" => {
            no_more(rest)?;
            Ok(Task::Package)
        }
        other => Err(format!("unknown command `{other}`")),
    }
}

fn parse_conformance(args: &[String]) -> Result<Task, String> {
    let mut adapter = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = if arg == "--adapter" {
            args.next().ok_or("`--adapter` needs a value")?.to_owned()
        } else if let Some(value) = arg.strip_prefix("--adapter=") {
            value.to_owned()
        } else {
            return Err(format!("unexpected argument `{arg}` for `conformance`"));
        };
        if value.is_empty() {
            return Err("`--adapter` needs a non-empty value".to_owned());
        }
        if adapter.replace(value).is_some() {
            return Err("`--adapter` given more than once".to_owned());
        }
    }
    Ok(Task::Conformance { adapter })
}

fn no_more(args: &[String]) -> Result<(), String> {
    match args.first() {
        None => Ok(()),
        Some(arg) => Err(format!("unexpected argument `{arg}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Task, String> {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        parse(&args)
    }

    #[test]
    fn commands() {
        assert_eq!(parse_strs(&["help"]), Ok(Task::Help));
        assert_eq!(parse_strs(&["--help"]), Ok(Task::Help));
        assert_eq!(parse_strs(&["ci"]), Ok(Task::Ci));
        assert_eq!(parse_strs(&["package"]), Ok(Task::Package));
        assert_eq!(
            parse_strs(&["conformance"]),
            Ok(Task::Conformance { adapter: None })
        );
    }

    #[test]
    fn adapter_option_in_both_spellings() {
        let expected = Ok(Task::Conformance {
            adapter: Some("blocking".to_owned()),
        });
        assert_eq!(
            parse_strs(&["conformance", "--adapter", "blocking"]),
            expected
        );
        assert_eq!(parse_strs(&["conformance", "--adapter=blocking"]), expected);
    }

    #[test]
    fn usage_errors() {
        assert!(parse_strs(&[]).is_err());
        assert!(parse_strs(&["bench"]).is_err());
        assert!(parse_strs(&["ci", "--fast"]).is_err());
        assert!(parse_strs(&["conformance", "--adapter"]).is_err());
        assert!(parse_strs(&["conformance", "--adapter="]).is_err());
        assert!(parse_strs(&["conformance", "--adapter=a", "--adapter=b"]).is_err());
        assert!(parse_strs(&["conformance", "blocking"]).is_err());
    }
}
