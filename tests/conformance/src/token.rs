//! The `{"refreshing": [...]}` token of a vector, shared by every adapter.

use std::sync::Mutex;

use progress_model::{AccessToken, TokenError, TokenProvider};

/// Gives the first token until asked to refresh, then the next one, and so on;
/// past the end of the list it keeps giving the last. Vectors can then tell
/// from the `Authorization` header which requests went out after a refresh.
#[derive(Debug)]
pub struct RefreshingToken {
    tokens: Vec<String>,
    current: Mutex<usize>,
}

impl RefreshingToken {
    /// A provider over `tokens` (at least one; vectors are checked for that).
    pub fn new(tokens: Vec<String>) -> Self {
        Self {
            tokens,
            current: Mutex::new(0),
        }
    }

    fn at(&self, index: usize) -> Result<AccessToken, TokenError> {
        let last = self
            .tokens
            .len()
            .checked_sub(1)
            .ok_or("the token list is empty")?;
        Ok(AccessToken::new(self.tokens[index.min(last)].as_str()))
    }

    fn index(&self) -> std::sync::MutexGuard<'_, usize> {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TokenProvider for RefreshingToken {
    fn token(&self) -> Result<AccessToken, TokenError> {
        let index = *self.index();
        self.at(index)
    }

    fn refresh(&self) -> Result<AccessToken, TokenError> {
        let mut index = self.index();
        *index += 1;
        self.at(*index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_to_the_next_token_on_refresh_and_stays_on_the_last() {
        let provider = RefreshingToken::new(vec!["a".into(), "b".into()]);
        assert_eq!(provider.token().unwrap().secret(), "a");
        assert_eq!(provider.token().unwrap().secret(), "a");
        assert_eq!(provider.refresh().unwrap().secret(), "b");
        assert_eq!(provider.token().unwrap().secret(), "b");
        assert_eq!(provider.refresh().unwrap().secret(), "b");
        assert!(provider.can_refresh());
    }
}
