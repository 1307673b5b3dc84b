//! Every fuzz target.

mod base_url;
mod headers;
mod interpret;
mod job_id;
mod machine;
mod retry_after;
mod webhook;

pub use base_url::BaseUrls;
pub use interpret::Interpret;
pub use job_id::JobIds;
pub use machine::Machine;
pub use retry_after::RetryAfter;
pub use webhook::Webhook;
