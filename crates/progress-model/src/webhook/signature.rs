//! The `Signature` header: HMAC-SHA256 over the raw body, checked before the
//! body is read as anything.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::WebhookSecret;

type HmacSha256 = Hmac<Sha256>;

/// The header's value starts with this (compared without regard to case).
const PREFIX: &str = "sha256=";

/// The `Signature` header value the platform sends with `body`:
/// `sha256=` and the HMAC-SHA256 in lowercase hex. For a receiver's own tests.
///
/// ```
/// # use progress_model::webhook::{signature_for, Secrets, WebhookSecret};
/// let secret = WebhookSecret::new("0123456789abcdef0123456789abcdef")?;
/// let header = signature_for(&secret, b"{}");
/// assert!(Secrets::new(secret).verify(Some(header.as_bytes()), b"{}"));
/// # Ok::<(), progress_model::webhook::SecretError>(())
/// ```
pub fn signature_for(secret: &WebhookSecret, body: &[u8]) -> String {
    let tag = keyed(secret).chain_update(body).finalize().into_bytes();
    let mut hex = [0u8; 64];
    let hex = base16ct::lower::encode_str(&tag, &mut hex).unwrap_or_default();
    format!("{PREFIX}{hex}")
}

/// The secrets a delivery may be signed with: the current one and, while a
/// secret is being rotated, the previous one.
#[derive(Debug, Clone)]
pub struct Secrets {
    current: WebhookSecret,
    previous: Option<WebhookSecret>,
}

impl Secrets {
    /// Only `current`.
    pub fn new(current: WebhookSecret) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    /// Also accepts deliveries signed with `previous`, until the platform has
    /// switched to the current one.
    pub fn with_previous(mut self, previous: WebhookSecret) -> Self {
        self.previous = Some(previous);
        self
    }

    /// Whether `header` (the `Signature` header's raw value, if any) is a
    /// valid signature of `body` under one of the secrets.
    ///
    /// The hex may be in either case; the comparison is in constant time
    /// (`hmac`'s `verify_slice`), and every secret is tried whichever matches,
    /// so the time taken tells nothing about the tag or which secret it is.
    pub fn verify(&self, header: Option<&[u8]>, body: &[u8]) -> bool {
        let Some(tag) = header.and_then(parse_tag) else {
            return false;
        };
        let current = verifies(&self.current, &tag, body);
        let previous = self
            .previous
            .as_ref()
            .is_some_and(|previous| verifies(previous, &tag, body));
        current | previous
    }
}

fn keyed(secret: &WebhookSecret) -> HmacSha256 {
    // HMAC takes a key of any length: this never fails.
    HmacSha256::new_from_slice(secret.key()).expect("HMAC accepts keys of any length")
}

fn verifies(secret: &WebhookSecret, tag: &[u8; 32], body: &[u8]) -> bool {
    keyed(secret).chain_update(body).verify_slice(tag).is_ok()
}

/// The 32 bytes of `sha256=<64 hex digits>`, surrounding whitespace allowed.
fn parse_tag(header: &[u8]) -> Option<[u8; 32]> {
    let value = header.trim_ascii();
    let (prefix, hex) = value.split_at_checked(PREFIX.len())?;
    if !prefix.eq_ignore_ascii_case(PREFIX.as_bytes()) || hex.len() != 64 {
        return None;
    }
    let mut tag = [0u8; 32];
    base16ct::mixed::decode(hex, &mut tag).ok()?;
    Some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";
    const OTHER: &str = "fedcba9876543210fedcba9876543210";
    // HMAC-SHA256(KEY, "hello"), from an independent implementation (Python's hmac).
    const HELLO: &str = "sha256=db68b47b63c2397eac785025b1c9c2103ae06c28998234a783b3eb6453d1ad70";

    fn secret(key: &str) -> WebhookSecret {
        WebhookSecret::new(key).unwrap()
    }

    #[test]
    fn signs_as_the_platform_does() {
        assert_eq!(signature_for(&secret(KEY), b"hello"), HELLO);
    }

    #[test]
    fn verification_table() {
        let body = b"{\"a\":1}";
        let good = signature_for(&secret(KEY), body);
        let upper = format!("SHA256={}", good[7..].to_ascii_uppercase());
        let by_other = signature_for(&secret(OTHER), body);
        let cases: Vec<(&str, Option<String>, bool)> = vec![
            ("lowercase hex", Some(good.clone()), true),
            ("uppercase hex and prefix", Some(upper), true),
            ("surrounding spaces", Some(format!("  {good}\t")), true),
            ("no header", None, false),
            ("empty", Some(String::new()), false),
            ("no prefix", Some(good[7..].to_owned()), false),
            (
                "other algorithm",
                Some(good.replace("sha256", "sha1")),
                false,
            ),
            (
                "one digit short",
                Some(good[..good.len() - 1].to_owned()),
                false,
            ),
            ("one digit more", Some(format!("{good}0")), false),
            (
                "not hex",
                Some(format!("{}zz", &good[..good.len() - 2])),
                false,
            ),
            ("other secret", Some(by_other), false),
            ("prefix only", Some(PREFIX.to_owned()), false),
        ];
        let secrets = Secrets::new(secret(KEY));
        for (name, header, expected) in cases {
            let header = header.as_deref().map(str::as_bytes);
            assert_eq!(secrets.verify(header, body), expected, "{name}");
        }
    }

    #[test]
    fn a_changed_body_fails() {
        let header = signature_for(&secret(KEY), b"{\"a\":1}");
        let secrets = Secrets::new(secret(KEY));
        assert!(!secrets.verify(Some(header.as_bytes()), b"{\"a\":2}"));
        assert!(!secrets.verify(Some(header.as_bytes()), b"{\"a\":1} "));
    }

    #[test]
    fn either_secret_of_a_rotation_verifies() {
        let body = b"x";
        let secrets = Secrets::new(secret(KEY)).with_previous(secret(OTHER));
        for key in [KEY, OTHER] {
            let header = signature_for(&secret(key), body);
            assert!(secrets.verify(Some(header.as_bytes()), body), "{key}");
        }
        let third = signature_for(&secret(&"z".repeat(32)), body);
        assert!(!secrets.verify(Some(third.as_bytes()), body));
        assert!(
            !Secrets::new(secret(KEY))
                .verify(Some(signature_for(&secret(OTHER), body).as_bytes()), body)
        );
    }
}
