//! `features` step: every feature combination a user can pick builds, the
//! facade's tests pass with both clients on, and the command builds, and passes
//! its tests, without its `demo`.

use std::process::{Command, Stdio};

use crate::cmd::{self, cargo};

/// Feature sets of the facade, as a user would write them with
/// `default-features = false`.
const FACADE_COMBINATIONS: &[&str] = &[
    "",
    "oauth",
    "blocking,rustls",
    "blocking,rustls,oauth",
    "async,runtime-tokio,rustls",
    "async,runtime-tokio,rustls,oauth",
    "async,runtime-async-std,rustls",
    "async,runtime-smol,rustls",
    "async,rustls",
    "webhook",
    "async,runtime-tokio,rustls,webhook",
    // A reqwest client of the program's own, and no TLS of ours.
    "async,runtime-tokio,reqwest",
    "metrics",
    "blocking,rustls,metrics",
    "async,runtime-tokio,rustls,webhook,metrics",
    EVERYTHING_BUT_NATIVE_TLS,
];

/// The same with the platform TLS library, which needs OpenSSL's headers.
const NATIVE_TLS_COMBINATIONS: &[&str] = &["blocking,native-tls", "async,runtime-tokio,native-tls"];

pub fn run() -> Result<(), String> {
    for features in FACADE_COMBINATIONS {
        check("itwin-job-progress", features)?;
    }
    // The adapters alone, with nothing but what they need, and with their
    // OAuth provider.
    check("progress-ureq", "")?;
    check("progress-ureq", "oauth")?;
    check("progress-reqwest", "")?;
    check("progress-reqwest", "oauth")?;
    check("progress-reqwest", "reqwest")?;
    check("progress-model", "")?;
    check("progress-model", "tracing,oauth")?;
    check("progress-model", "metrics")?;
    check("progress-model", "metrics,webhook")?;
    let openssl = openssl_available();
    if openssl {
        for features in NATIVE_TLS_COMBINATIONS {
            check("itwin-job-progress", features)?;
        }
        // The blocking client must really pick the platform library.
        cmd::run(cargo().args([
            "test",
            "-p",
            "progress-ureq",
            "--no-default-features",
            "--features",
            "native-tls",
            "--lib",
        ]))?;
        // Real sockets under the platform library: an untrusted certificate
        // is a TLS failure in both clients, as under rustls.
        cmd::run(cargo().args([
            "test",
            "-p",
            "progress-transport-tests",
            "--features",
            "native-tls",
        ]))?;
    } else {
        eprintln!(
            "warning: OpenSSL development files not found and could not be installed; skipping the native-tls builds"
        );
    }
    // Without a runtime feature the async client must explain what to enable;
    // without a TLS feature, both clients refuse an https:// base URL.
    for adapter in ["progress-reqwest", "progress-ureq"] {
        cmd::run(cargo().args(["test", "-p", adapter, "--no-default-features", "--lib"]))?;
    }
    // Every feature at once; native-tls only where it can build.
    let mut facade_tests = cargo();
    facade_tests.args(["test", "-p", "itwin-job-progress"]);
    if openssl {
        facade_tests.arg("--all-features");
    } else {
        facade_tests.args(["--features", EVERYTHING_BUT_NATIVE_TLS]);
    }
    cmd::run(&mut facade_tests)?;
    slim_command()
}

/// The command without its default `demo` feature: it builds, its other tests
/// pass, and the simulator and its server stack are really left out of it.
fn slim_command() -> Result<(), String> {
    cmd::run(cargo().args(["test", "-p", "itwin-progress", "--no-default-features"]))?;
    let mut tree = cargo();
    tree.args([
        "tree",
        "-p",
        "itwin-progress",
        "--no-default-features",
        "-e",
        "normal",
        "--target",
        "all",
        "--prefix",
        "none",
    ]);
    let shown = cmd::display(&tree);
    eprintln!("$ {shown}");
    let output = tree
        .output()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if !output.status.success() {
        return Err(format!("`{shown}` failed ({})", output.status));
    }
    // Each line is `name version (path or source)`; the name is enough.
    let listed = String::from_utf8_lossy(&output.stdout);
    let present: Vec<&str> = DEMO_ONLY
        .iter()
        .copied()
        .filter(|name| {
            listed
                .lines()
                .any(|line| line.split(' ').next() == Some(*name))
        })
        .collect();
    if present.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "itwin-progress without its `demo` feature still depends on {}",
            present.join(", ")
        ))
    }
}

/// What only the command's `demo` brings in: the simulator and its server
/// framework. (hyper and tokio stay: many jobs run on the async client, on
/// one tokio runtime.)
const DEMO_ONLY: &[&str] = &["progress-sim", "axum"];

/// The facade's features but `native-tls`.
pub const EVERYTHING_BUT_NATIVE_TLS: &str = "blocking,async,runtime-tokio,runtime-async-std,runtime-smol,rustls,oauth,tracing,webhook,reqwest,metrics";

fn check(package: &str, features: &str) -> Result<(), String> {
    cmd::run(cargo().args([
        "check",
        "-p",
        package,
        "--no-default-features",
        "--features",
        features,
    ]))
}

/// native-tls builds openssl-sys, which needs OpenSSL's headers and pkg-config.
/// On a Debian machine without them, install them (CI runs as root).
fn openssl_available() -> bool {
    let found = || {
        Command::new("pkg-config")
            .args(["--exists", "openssl"])
            .status()
            .is_ok_and(|status| status.success())
    };
    if found() {
        return true;
    }
    eprintln!("OpenSSL development files missing; trying `apt-get install libssl-dev pkg-config`");
    let apt_get = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    let installed =
        apt_get(&["update", "-q"]) && apt_get(&["install", "-y", "-q", "libssl-dev", "pkg-config"]);
    installed && found()
}

#[cfg(test)]
mod tests {
    use crate::cmd::workspace_root;

    /// Mozilla's roots come once, as `webpki-root-certs` (the model's
    /// `Roots::WebPki`). ureq's `rustls` feature would add `webpki-roots`, a
    /// second copy nobody reads: the blocking client brings its own rustls
    /// connector, so it asks for `rustls-no-provider` only.
    #[test]
    fn one_copy_of_mozillas_roots_is_built() {
        let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).unwrap();
        let packages: Vec<&str> = lock
            .lines()
            .filter_map(|line| line.strip_prefix("name = "))
            .map(|name| name.trim_matches('"'))
            .collect();
        assert!(packages.contains(&"webpki-root-certs"));
        assert!(
            !packages.contains(&"webpki-roots"),
            "a second copy of the roots"
        );
    }
}
