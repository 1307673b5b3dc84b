//! `calls`: N calls of one side, nothing else, so that callgrind's count of
//! two runs with different N gives the instructions of one call (P1i for the
//! blocking sides; the async sides are there to look for a cause).

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
        "ours-async" => {
            let client = baseline::ours_async(base, &[std::time::Duration::from_secs(15)])?;
            current_thread()?.block_on(async {
                for _ in 0..calls {
                    client
                        .progress(job)
                        .await
                        .map_err(|error| error.to_string())?;
                }
                Ok::<(), String>(())
            })?;
        }
        "baseline-async" => {
            let request = Request::new(base, job);
            let client = baseline::reqwest_client()?;
            current_thread()?.block_on(async {
                for _ in 0..calls {
                    request.send_async(&client).await?;
                }
                Ok::<(), String>(())
            })?;
        }
        other => {
            return Err(format!(
                "`--client` is ours, baseline, ours-async or baseline-async, got `{other}`"
            ));
        }
    }
    Ok(())
}

fn current_thread() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())
}
