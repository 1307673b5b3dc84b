//! clap's usage errors, without the values that caused them.
//!
//! clap repeats an offending value in its message (`unexpected argument 'X'
//! found`, `invalid value 'X' for '--base-url <URL>'`). When that value is a
//! token pasted in the wrong place (`watch job $TOKEN`) or a URL with a
//! password in it, the message would print the secret, into a terminal's
//! scrollback or a CI log. So each offending value is replaced with
//! `<hidden>`; the message still names the option and the problem.

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::stderr;

/// What a hidden value reads as.
pub const HIDDEN: &str = "<hidden>";

/// Values this long are also replaced where they appear unquoted (in clap's
/// `-- VALUE` tip, in an explanation that quotes a part). Shorter ones are
/// replaced only in quotes: replacing every `a` of the message for
/// `--env a` would garble it, and no secret is that short.
const MIN_BARE: usize = 8;

/// Prints a parse failure and returns clap's exit code: `--help` and
/// `--version` print on stdout as clap would (0); a usage error prints on
/// stderr without its values (2).
pub fn report(error: &clap::Error) -> u8 {
    if error.use_stderr() {
        stderr::write_str(&redacted(error));
    } else {
        // Help and version hold nothing of the user's. A closed stdout is not
        // worth a panic: `--help | head` is common.
        let _ = error.print();
    }
    u8::try_from(error.exit_code()).unwrap_or(crate::exit::USAGE)
}

/// The error's message, each offending value replaced with [`HIDDEN`].
pub fn redacted(error: &clap::Error) -> String {
    let mut text = error.render().to_string();
    for value in offending_values(error) {
        // clap quotes values with '', the model's messages with ``.
        text = text.replace(&format!("'{value}'"), &format!("'{HIDDEN}'"));
        text = text.replace(&format!("`{value}`"), &format!("`{HIDDEN}`"));
        if value.chars().count() >= MIN_BARE {
            text = text.replace(value, HIDDEN);
        }
    }
    text
}

/// What the user typed that clap found wrong. For an unknown argument that is
/// the argument itself (a stray value); for an invalid value, `InvalidArg` is
/// the option's name (`--base-url <URL>`), which is kept.
fn offending_values(error: &clap::Error) -> Vec<&str> {
    let mut kinds = vec![ContextKind::InvalidValue, ContextKind::InvalidSubcommand];
    if error.kind() == ErrorKind::UnknownArgument {
        kinds.push(ContextKind::InvalidArg);
    }
    kinds
        .into_iter()
        .filter_map(|kind| match error.get(kind) {
            Some(ContextValue::String(value)) if !value.is_empty() => Some(value.as_str()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::Cli;

    /// The redacted message of a command line clap refuses.
    fn refused(args: &[&str]) -> String {
        let error = Cli::try_parse_from([&["itwin-progress"][..], args].concat()).unwrap_err();
        assert_eq!(error.exit_code(), 2, "{args:?}");
        redacted(&error)
    }

    #[test]
    fn a_stray_value_is_hidden() {
        let text = refused(&["get", "job", "SECRET-LIKE-VALUE-123"]);
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("unexpected argument '<hidden>'"), "{text}");
    }

    #[test]
    fn a_token_pasted_among_the_jobs_is_refused_and_hidden() {
        // `watch` takes many jobs, so a token typed after one is not stray:
        // it is refused as a job id, and not shown.
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJTRUNSRVQifQ.c2lnbmF0dXJl";
        let text = refused(&["watch", "job", token]);
        assert!(!text.contains("eyJ"), "{text}");
        assert!(text.contains("looks like an access token"), "{text}");
    }

    #[test]
    fn an_invalid_value_is_hidden_but_the_option_is_named() {
        let text = refused(&[
            "--base-url",
            "https://user:S3CRETpass@127.0.0.1:1",
            "get",
            "j",
        ]);
        assert!(!text.contains("S3CRET"), "{text}");
        assert!(text.contains("'--base-url <URL>'"), "{text}");
    }

    #[test]
    fn an_unknown_subcommand_is_hidden() {
        let text = refused(&["SECRET-LIKE-VALUE-123"]);
        assert!(!text.contains("SECRET"), "{text}");
    }

    #[test]
    fn a_short_value_is_hidden_without_garbling_the_message() {
        let text = refused(&["get", "j", "--env", "a"]);
        assert!(text.contains("invalid value '<hidden>'"), "{text}");
        assert!(text.contains("possible values: prod, qa, dev"), "{text}");
        // The model's explanation quotes the value too.
        let text = refused(&["get", "j", "--service", "../x"]);
        assert!(!text.contains("../x"), "{text}");
        assert!(text.contains("`<hidden>` is not a service path"), "{text}");
    }
}
