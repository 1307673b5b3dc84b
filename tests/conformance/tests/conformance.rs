//! Every vector in `vectors/` against every adapter in `adapters::all()`.
//!
//! `cargo test -p progress-conformance --test conformance [-- FILTER]`; each test
//! is named `{adapter}::{vector}` (`cargo xtask conformance` reads those lines).

use libtest_mimic::Arguments;
use progress_conformance::{adapters, trials, vector};

fn main() {
    let args = Arguments::from_args();
    let files = match vector::load_dir(vector::shipped_vectors_dir()) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("cannot read the vectors: {error}");
            std::process::exit(2);
        }
    };
    libtest_mimic::run(&args, trials(&adapters::all(), &files)).exit();
}
