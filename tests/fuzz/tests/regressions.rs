//! Every input that ever broke an invariant, replayed: `regressions/{target}.jsonl`
//! holds one JSON input a line, written by `cargo xtask fuzz` when it failed.

use std::path::Path;

use progress_fuzz::Target;
use progress_fuzz::targets::{BaseUrls, Interpret, JobIds, Machine, RetryAfter, Webhook};

/// Replays the kept inputs of `T`; the number replayed.
fn replay<T: Target>() -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(format!("{}.jsonl", T::NAME));
    let Ok(text) = std::fs::read_to_string(&path) else {
        return 0;
    };
    let mut replayed = 0;
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
    {
        let input: T::Input = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("{}:{}: {error}", path.display(), number + 1));
        if let Err(broken) = T::check(&input) {
            panic!(
                "{}:{}: {broken}\ninput: {input:?}",
                path.display(),
                number + 1
            );
        }
        replayed += 1;
    }
    replayed
}

#[test]
fn every_kept_input_still_holds() {
    let replayed = replay::<Interpret>()
        + replay::<RetryAfter>()
        + replay::<JobIds>()
        + replay::<BaseUrls>()
        + replay::<Machine>()
        + replay::<Webhook>();
    // The files hold at least the inputs listed in regressions/README.md.
    assert!(replayed >= 2, "only {replayed} kept inputs found");
}
