//! `calls`: N blocking calls of one side, nothing else, so that callgrind's
//! count of two runs with different N gives the instructions of one call (P1i).

use crate::args::Args;
use crate::baseline::{self, Request};

pub fn run(args: &Args) -> Result<(), String> {
    let base = args.text("url")?;
    let job = args.text("job")?;
    let calls = args.count("n")?;
    match args.text("client")? {
        "ours" => {
            let client = baseline::ours_blocking(base)?;
            for _ in 0..calls {
                client.progress(job).map_err(|error| error.to_string())?;
            }
        }
        "baseline" => {
            let request = Request::new(base, job);
            let agent = baseline::ureq_agent();
            for _ in 0..calls {
                request.send_blocking(&agent)?;
            }
        }
        other => return Err(format!("`--client` is ours or baseline, got `{other}`")),
    }
    Ok(())
}
