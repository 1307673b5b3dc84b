#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod authorization;
mod callback_url;
mod clock;
mod connection;
mod delivery;
mod dialects;
mod error;
mod fated;
mod fault_answers;
mod fault_injector;
mod faults;
mod handler;
mod in_flight;
mod oauth;
mod rate_limit;
mod responses;
mod route;
mod scenario;
mod served;
mod server;
mod simulator;
mod state;
mod stop;
mod timeline;
mod token_bucket;
mod token_endpoint;
mod webhook_api;
mod webhook_deliveries;
mod webhook_delivery;
mod webhook_events;
mod webhook_registry;
mod webhook_sender;
mod window_limit;

pub use clock::{ManualSimClock, SimClock};
pub use error::SimError;
pub use faults::Faults;
pub use oauth::{OAuth, OAuthClient};
pub use rate_limit::RateLimit;
pub use scenario::Scenario;
pub use served::Served;
pub use simulator::{Simulator, SimulatorBuilder};
pub use timeline::{JobTimeline, TimelinePoint, Wrapper};
pub use token_bucket::TokenRateLimit;
pub use webhook_deliveries::WebhookDeliveries;
pub use webhook_delivery::WebhookDelivery;
pub use window_limit::WindowLimit;
