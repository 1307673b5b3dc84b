//! Applies a vector's settings to a client builder.

/// Calls the builder methods for every setting a vector gives, and sets its
/// token; evaluates to the builder, or the error of building the token's
/// provider.
///
/// A macro rather than a function because each client has its own builder type;
/// the builders share these method names (`progress_model::settings_builder_methods!`
/// plus `token` and `token_provider`), so every adapter configures its client the
/// same way from this one place. Sleeper and clock are left to the adapter: their
/// types differ between blocking and async clients.
///
/// A `client_credentials` token is the client's own `ClientCredentials`,
/// given with the method that takes it (`token_provider` for the blocking
/// client, `async_token_provider` for the async one). It asks the mock
/// server (`server`: its `http://host:port`) at `/connect/token` and measures
/// token lifetimes on `clock`, the vector's manual clock, so that expiry
/// follows the recorded waits.
///
/// ```no_run
/// use progress_conformance::{configure_builder, vector::Vector};
/// use progress_model::ManualClock;
///
/// fn build(vector: &Vector, server: &str, clock: &ManualClock) -> Result<progress_ureq::Client, progress_model::Error> {
///     configure_builder!(
///         progress_ureq::Client::builder().base_url(server),
///         &vector.settings,
///         client_credentials: progress_ureq::ClientCredentials => token_provider,
///         server: server,
///         clock: clock,
///     )?
///     .build()
/// }
/// ```
#[macro_export]
macro_rules! configure_builder {
    (
        $builder:expr,
        $settings:expr,
        client_credentials: $provider:ty => $method:ident,
        server: $server:expr,
        clock: $clock:expr $(,)?
    ) => {{
        let settings: &$crate::vector::Settings = $settings;
        let mut builder = $builder;
        if let Some(intervals) = &settings.intervals {
            builder = builder.intervals(intervals.iter().map(|seconds| seconds.0));
        }
        if let Some(retries) = settings.max_retries {
            builder = builder.max_retries(retries);
        }
        if let Some(deadline) = settings.deadline {
            builder = builder.deadline(deadline.0);
        }
        if let Some(net) = settings.safety_net {
            builder = builder.safety_net(net.0);
        }
        if let Some(cap) = settings.body_cap {
            builder = builder.body_cap(cap);
        }
        if let Some(version) = &settings.api_version {
            builder = builder.api_version(version.0.clone());
        }
        if let Some(service) = &settings.service {
            builder = builder.service(service.as_str());
        }
        if let Some(suffix) = &settings.user_agent_suffix {
            builder = builder.user_agent_suffix(suffix.as_str());
        }
        if let Some(timeout) = settings.request_timeout {
            builder = builder.request_timeout(timeout.0);
        }
        if let Some(timeout) = settings.connect_timeout {
            builder = builder.connect_timeout(timeout.0);
        }
        if let Some(slots) = settings.max_in_flight {
            builder = builder.max_in_flight(slots);
        }
        if let Some(rate) = settings.max_requests_per_second {
            builder = builder.max_requests_per_second(rate);
        }
        for budget in settings.max_requests_per.iter().flatten() {
            builder = builder.max_requests_per(budget.count, budget.window.0);
        }
        // Exact waits unless a vector asks for jitter.
        builder = builder.jitter(settings.jitter.unwrap_or(0.0));
        let configured: ::std::result::Result<_, ::progress_model::Error> = match &settings.token {
            $crate::vector::Token::Static(token) => Ok(builder.token(token.as_str())),
            $crate::vector::Token::Refreshing(tokens) => {
                Ok(builder.token_provider($crate::token::RefreshingToken::new(tokens.clone())))
            }
            $crate::vector::Token::Closure(token) => {
                let token = token.clone();
                Ok(builder
                    .token_provider(move || Ok::<_, ::progress_model::TokenError>(token.clone())))
            }
            $crate::vector::Token::Failing(message) => {
                let message = message.clone();
                Ok(builder.token_provider(move || {
                    Err::<String, ::progress_model::TokenError>(message.clone().into())
                }))
            }
            $crate::vector::Token::ClientCredentials(credentials) => {
                let clock: &::progress_model::ManualClock = $clock;
                <$provider>::builder(credentials.client_id.as_str(), credentials.secret.clone())
                    .token_url(::std::format!("{}/connect/token", $server))
                    .clock(clock.clone())
                    .build()
                    .map(|provider| builder.$method(provider))
            }
        };
        configured
    }};
}
