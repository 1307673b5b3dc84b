//! Watches a job to its end and prints each observation.
//!
//! ```text
//! ITWIN_ACCESS_TOKEN=... cargo run -p itwin-job-progress --example watch -- JOB_ID [BASE_URL]
//! ```

use std::process::ExitCode;

use itwin_job_progress::blocking::Client;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(job_id) = args.next() else {
        eprintln!("usage: watch JOB_ID [BASE_URL]  (the token comes from ITWIN_ACCESS_TOKEN)");
        return ExitCode::from(2);
    };
    let Ok(token) = std::env::var("ITWIN_ACCESS_TOKEN") else {
        eprintln!("set ITWIN_ACCESS_TOKEN to an access token");
        return ExitCode::from(2);
    };
    let mut builder = Client::builder().token(token);
    if let Some(base_url) = args.next() {
        builder = builder.base_url(base_url);
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for observation in client.watch(&job_id) {
        match observation {
            Ok(progress) => println!("{progress}"),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
