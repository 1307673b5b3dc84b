//! The OAuth2 client-credentials grant (RFC 6749 §4.4), with no I/O.
//!
//! A service that watches jobs for days holds a client id and a secret and
//! gets its tokens from Bentley's identity service. Everything about that
//! exchange is decided here, once for both clients:
//!
//! - [`ClientCredentialsGrant::token_request`] builds the request: a form-encoded
//!   `POST` with HTTP Basic credentials (RFC 6749 §2.3.1);
//! - [`read_token_answer`] reads the answer: a token and its lifetime, or an
//!   [`OAuthError`] that says whether waiting can help (RFC 6749 §5.2);
//! - [`TokenCache`] keeps the token and decides when a new one is due (when less
//!   than a margin of its lifetime is left, or after a 401), and lets callers
//!   that waited for someone else's request share its answer (single flight);
//! - [`TokenUrl`] is the identity service's address per environment.
//!
//! The adapters send the request with their own HTTP library, bounded by the
//! request timeout and the time left before the deadline, and hold the cache
//! behind their own lock; everything else a provider holds is a
//! `ProviderCore`, shared by both.
//!
//! All of it but [`OAuthError`] comes with the `oauth` feature (on by
//! default). `OAuthError` is always here: [`Error`](crate::Error) can carry
//! one, and a provider of one's own can return it to have a watch retry.

// Without the feature, the links above name items that are not built.
#![cfg_attr(not(feature = "oauth"), allow(rustdoc::broken_intra_doc_links))]

mod error;
pub use error::OAuthError;

#[cfg(feature = "oauth")]
mod answer;
#[cfg(feature = "oauth")]
mod cache;
#[cfg(feature = "oauth")]
mod grant;
#[cfg(feature = "oauth")]
mod provider;
#[cfg(feature = "oauth")]
mod provider_builder;
#[cfg(feature = "oauth")]
mod token_url;

#[cfg(feature = "oauth")]
use answer::read_answer_hiding;
#[cfg(feature = "oauth")]
pub use answer::{IssuedToken, read_token_answer};
#[cfg(feature = "oauth")]
pub use cache::{DEFAULT_REFRESH_MARGIN, TokenCache, TokenTicket};
#[cfg(feature = "oauth")]
pub use grant::{ClientCredentialsGrant, DEFAULT_SCOPE};
#[cfg(feature = "oauth")]
#[doc(hidden)]
pub use provider::ProviderCore;
#[cfg(feature = "oauth")]
pub use provider_builder::{ClientCredentialsBuilder, FromProviderSettings, ProviderSettings};
/// The secret wrapper the providers take: `Debug` shows `[REDACTED]`; wiped when dropped.
#[cfg(feature = "oauth")]
pub use secrecy::SecretString;
#[cfg(feature = "oauth")]
pub use token_url::TokenUrl;
