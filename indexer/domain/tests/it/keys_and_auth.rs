//! `/v1/auth/*` and `/v1/keys/me`.

use cointent_domain::{
    auth::{AuthNonce, AuthSession, AuthSessionList, AuthVerifyRequest},
    keys::{ApiKeyInfo, ApiKeyScope},
};

use crate::fixtures::round_trip;

#[test]
fn auth_and_keys_read_and_write_back() {
    let nonce: AuthNonce = round_trip("auth_nonce");
    assert_eq!(nonce.nonce.len(), 32);
    let request: AuthVerifyRequest = round_trip("auth_verify_request");
    assert!(request.message.contains(&format!("Nonce: {}", nonce.nonce)));
    let session: AuthSession = round_trip("auth_session");
    let sessions: AuthSessionList = round_trip("auth_sessions");
    assert!(sessions.items.iter().any(|s| s.current));
    assert_eq!(sessions.items[0].expires_at, session.expires_at);
    let key: ApiKeyInfo = round_trip("keys_me");
    assert_eq!(key.scopes, [ApiKeyScope::Read, ApiKeyScope::Webhooks]);
    assert!(key.revoked_at.is_none() && key.last_used_at.is_some());
    // The handler refuses unknown members; so does the type.
    let extra = r#"{"message": "m", "signature": "0x", "chain": 1}"#;
    assert!(serde_json::from_str::<AuthVerifyRequest>(extra).is_err());
}
