//! Command-line parsing. Hand-written on purpose: a few commands and options
//! do not justify an argument-parsing dependency in every CI build.

/// Printed for `cargo xtask help` and after any usage error.
pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci                          run every CI check in order, stopping at the first failure
  conformance [--adapter NAME]
                              run the conformance suite and print a vector x adapter matrix;
                              with --adapter, run only trials named `NAME::...`
  package                     package every publishable crate
  bench [--quick] [--sizes N,N,..] [--burst N] [--update-docs]
                              measure every performance figure against its baseline (release
                              builds, progress-sim as a separate process) and write
                              target/bench/report.md, report.json and charts; --quick: small
                              sizes, under two minutes; --sizes: P2's concurrent watches
                              (default 1000,10000,100000); --burst: B1's watches (default 5000);
                              --update-docs: put a full run's figures and charts in
                              docs/performance.md (--update-readme, its old name, still works)
  soak [--quick] [--jobs N] [--seed N] [--only KIND]
                              the fault matrix: every fault kind of progress-sim, then all
                              mixed, against every adapter, checking each watch's invariants;
                              writes target/soak/report.md; --quick: a few jobs per cell
  fuzz [--quick] [--executions N] [--seed N] [--target NAME]
                              fuzz response parsing, Retry-After, job ids, base URLs and the
                              poll machine (10 million executions; --quick: 100,000); writes
                              target/fuzz/report.md and keeps failing inputs in tests/fuzz/regressions
  help                        print this message";

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    Help,
    Ci,
    Conformance {
        adapter: Option<String>,
    },
    Package,
    Bench(crate::bench::Options),
    /// The other arguments go to the program, which checks them.
    Soak {
        quick: bool,
        passed: Vec<String>,
    },
    Fuzz {
        quick: bool,
        passed: Vec<String>,
    },
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
        "bench" => parse_bench(rest),
        "soak" => {
            let (quick, passed) = quick_and_passed(rest)?;
            Ok(Task::Soak { quick, passed })
        }
        "fuzz" => {
            let (quick, passed) = quick_and_passed(rest)?;
            Ok(Task::Fuzz { quick, passed })
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

fn parse_bench(args: &[String]) -> Result<Task, String> {
    let mut options = crate::bench::Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (arg.as_str(), None),
        };
        let mut value = || -> Result<String, String> {
            match inline.clone() {
                Some(value) => Ok(value),
                None => args
                    .next()
                    .cloned()
                    .ok_or(format!("`{name}` needs a value")),
            }
        };
        match name {
            "--quick" if inline.is_none() => options.quick = true,
            // `--update-readme` from before the figures moved to docs/.
            "--update-docs" | "--update-readme" if inline.is_none() => options.update_docs = true,
            "--sizes" => {
                let sizes = value()?
                    .split(',')
                    .map(|size| count("--sizes", size))
                    .collect::<Result<Vec<_>, _>>()?;
                options.sizes = Some(sizes);
            }
            "--burst" => options.burst = Some(count("--burst", &value()?)?),
            _ => return Err(format!("unexpected argument `{arg}` for `bench`")),
        }
    }
    if options.update_docs && (options.quick || options.sizes.is_some() || options.burst.is_some())
    {
        return Err("`--update-docs` takes a full run at the default sizes only".to_owned());
    }
    Ok(Task::Bench(options))
}

/// A number of watches: a whole number of at least one.
fn count(option: &str, text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err(format!(
            "`{option}`: a size of 0 watches measures nothing; give at least 1"
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "`{option}` needs whole numbers of watches, got `{text}`"
        )),
    }
}

/// `--quick`, and the rest for the program. `--out` is the driver's.
fn quick_and_passed(args: &[String]) -> Result<(bool, Vec<String>), String> {
    let quick = args.iter().any(|arg| arg == "--quick");
    let passed: Vec<String> = args
        .iter()
        .filter(|arg| *arg != "--quick")
        .cloned()
        .collect();
    if passed.iter().any(|arg| arg == "--out") {
        return Err("`--out` is fixed: reports go to target/".to_owned());
    }
    Ok((quick, passed))
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
    fn bench_options() {
        use crate::bench::Options;
        assert_eq!(parse_strs(&["bench"]), Ok(Task::Bench(Options::default())));
        assert_eq!(
            parse_strs(&["bench", "--quick", "--sizes", "10,20", "--burst=30"]),
            Ok(Task::Bench(Options {
                quick: true,
                sizes: Some(vec![10, 20]),
                burst: Some(30),
                update_docs: false,
            }))
        );
    }

    #[test]
    fn update_docs_has_its_old_name_too() {
        use crate::bench::Options;
        let wanted = Ok(Task::Bench(Options {
            update_docs: true,
            ..Options::default()
        }));
        assert_eq!(parse_strs(&["bench", "--update-docs"]), wanted);
        assert_eq!(parse_strs(&["bench", "--update-readme"]), wanted);
    }

    #[test]
    fn bench_sizes_of_zero_or_nonsense_name_the_problem() {
        let error = parse_strs(&["bench", "--sizes", "0"]).unwrap_err();
        assert!(error.contains("at least 1"), "{error}");
        let error = parse_strs(&["bench", "--sizes", "10,x"]).unwrap_err();
        assert!(error.contains("`x`"), "{error}");
        assert!(parse_strs(&["bench", "--burst"]).is_err());
        assert!(parse_strs(&["bench", "--quick=yes"]).is_err());
        assert!(parse_strs(&["bench", "--quick", "--update-readme"]).is_err());
        assert!(parse_strs(&["bench", "--quick", "--update-docs"]).is_err());
    }

    #[test]
    fn soak_and_fuzz_pass_their_options_on() {
        assert_eq!(
            parse_strs(&["soak", "--quick"]),
            Ok(Task::Soak {
                quick: true,
                passed: vec![]
            })
        );
        assert_eq!(
            parse_strs(&["fuzz", "--executions", "5", "--quick"]),
            Ok(Task::Fuzz {
                quick: true,
                passed: vec!["--executions".to_owned(), "5".to_owned()]
            })
        );
        assert!(parse_strs(&["soak", "--out", "x"]).is_err());
    }

    #[test]
    fn usage_errors() {
        assert!(parse_strs(&[]).is_err());
        assert!(parse_strs(&["bench", "--fast"]).is_err());
        assert!(parse_strs(&["ci", "--fast"]).is_err());
        assert!(parse_strs(&["conformance", "--adapter"]).is_err());
        assert!(parse_strs(&["conformance", "--adapter="]).is_err());
        assert!(parse_strs(&["conformance", "--adapter=a", "--adapter=b"]).is_err());
        assert!(parse_strs(&["conformance", "blocking"]).is_err());
    }
}
