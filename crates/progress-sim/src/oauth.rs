//! The identity service's side of OAuth2 client credentials: who may ask for
//! tokens, and which tokens it has handed out.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::faults::Faults;

/// Where the identity service answers.
pub(crate) const TOKEN_PATH: &str = "/connect/token";

/// The token endpoint (`POST /connect/token`, client-credentials grant):
/// its clients, how long its tokens live, and how it misbehaves.
///
/// When a scenario has one, the progress endpoint accepts only the tokens it
/// issued (while they live) and the scenario's `accepted_tokens`; any other
/// bearer token gets 401 `InvalidToken`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth {
    /// Client id → its secret and scopes.
    pub clients: BTreeMap<String, OAuthClient>,
    /// How long a token lives, in **simulated** seconds; also the
    /// `expires_in` of the answer. Positive. Defaults to 3600.
    #[serde(default = "one_hour")]
    pub token_lifetime_seconds: u64,
    /// Faults of the token endpoint, drawn from a generator of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<Faults>,
}

/// One client of the token endpoint.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthClient {
    /// The client secret.
    pub secret: String,
    /// The scopes it may ask for; a request without `scope` gets them all.
    /// Defaults to `["itwin-platform"]`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of logs, even a simulator's.
        f.debug_struct("OAuthClient")
            .field("secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .finish()
    }
}

fn one_hour() -> u64 {
    3600
}

fn default_scopes() -> Vec<String> {
    vec!["itwin-platform".to_owned()]
}

impl OAuth {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.token_lifetime_seconds == 0 {
            return Err("oauth.token_lifetime_seconds must be positive".into());
        }
        for (id, client) in &self.clients {
            if id.is_empty() || client.secret.is_empty() {
                return Err("oauth.clients: ids and secrets must not be empty".into());
            }
            if client
                .scopes
                .iter()
                .any(|scope| scope.is_empty() || scope.contains(' '))
            {
                return Err(format!(
                    "oauth.clients.{id}.scopes: a scope is one non-empty word"
                ));
            }
        }
        if let Some(faults) = &self.faults {
            faults
                .validate()
                .map_err(|problem| format!("oauth.{problem}"))?;
        }
        Ok(())
    }
}

/// Why the progress endpoint refuses a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Unknown,
    Expired,
}

/// The tokens handed out, and until when (simulated seconds) each holds.
#[derive(Debug, Default)]
pub(crate) struct IssuedTokens {
    expiries: Mutex<HashMap<String, f64>>,
    /// Random keys per simulator, so tokens cannot be guessed from a counter.
    randomness: RandomState,
}

impl IssuedTokens {
    /// A new opaque token that holds until `expires_at`.
    pub(crate) fn issue(&self, expires_at: f64) -> String {
        let mut expiries = self.lock();
        let serial = expiries.len() as u64;
        let token = format!(
            "sim-at-{:016x}{:016x}",
            self.randomness.hash_one(serial),
            self.randomness.hash_one(!serial)
        );
        expiries.insert(token.clone(), expires_at);
        token
    }

    pub(crate) fn check(&self, token: &str, simulated_seconds: f64) -> Result<(), TokenProblem> {
        match self.lock().get(token) {
            None => Err(TokenProblem::Unknown),
            Some(&expires_at) if simulated_seconds >= expires_at => Err(TokenProblem::Expired),
            Some(_) => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, f64>> {
        self.expiries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_hold_until_they_expire() {
        let issued = IssuedTokens::default();
        let first = issued.issue(100.0);
        let second = issued.issue(200.0);
        assert_ne!(first, second);
        assert_eq!(issued.check(&first, 99.9), Ok(()));
        assert_eq!(issued.check(&first, 100.0), Err(TokenProblem::Expired));
        assert_eq!(issued.check(&second, 150.0), Ok(()));
        assert_eq!(issued.check("made-up", 0.0), Err(TokenProblem::Unknown));
    }

    #[test]
    fn the_secret_stays_out_of_debug() {
        let client = OAuthClient {
            secret: "hunter2".into(),
            scopes: default_scopes(),
        };
        assert!(!format!("{client:?}").contains("hunter2"));
    }
}
