//! The webhook signature: `X-Cointent-Signature: t=<unix seconds>,v1=<hex
//! hmac_sha256(secret, "<t>.<body>")>`, made by the worker and checked by receivers with the
//! scheme of [`verify_signature`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Cointent-Signature";
/// The event id header (`chain:block:log`), for receivers' de-duplication.
pub const EVENT_ID_HEADER: &str = "X-Cointent-Event-Id";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, t: u64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header's value for `body` signed at unix time `t`.
pub fn sign(secret: &str, t: u64, body: &[u8]) -> String {
    let tag = mac(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", alloy::hex::encode(tag))
}

/// Checks a signature header against `body`: its `t` within `tolerance` of now and one of
/// its `v1` tags equal (in constant time) to hmac_sha256(secret, "<t>.<body>").
pub fn verify_signature(secret: &str, header: &str, body: &[u8], tolerance: Duration) -> bool {
    let mut t = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<u64>().ok(),
            Some(("v1", v)) => tags.extend(alloy::hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if now.abs_diff(t) > tolerance.as_secs() {
        return false;
    }
    tags.iter().any(|tag| mac(secret, t, body).verify_slice(tag).is_ok())
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::*;

    #[test]
    fn signatures_verify_and_tampering_is_caught() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let header = sign("whsec_x", now, b"{\"a\":1}");
        let tolerance = Duration::from_secs(300);
        assert!(verify_signature("whsec_x", &header, b"{\"a\":1}", tolerance));
        assert!(!verify_signature("whsec_x", &header, b"{\"a\":2}", tolerance));
        assert!(!verify_signature("whsec_y", &header, b"{\"a\":1}", tolerance));
        let old = sign("whsec_x", now - 600, b"{}");
        assert!(!verify_signature("whsec_x", &old, b"{}", tolerance), "too old");
        assert!(!verify_signature("whsec_x", "v1=00", b"{}", tolerance), "no t");
        // A known vector: t=1, secret "k", body "b" -> hmac_sha256("k", "1.b").
        let expected = "t=1,v1=";
        assert!(sign("k", 1, b"b").starts_with(expected));
        assert_eq!(sign("k", 1, b"b").len(), expected.len() + 64);
    }
}
