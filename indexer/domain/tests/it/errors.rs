//! The one error shape.

use cointent_domain::error::{ErrorBody, ErrorCode};

use crate::fixtures::round_trip;

#[test]
fn errors_read_and_write_back() {
    for (name, code, field) in [
        ("err_limit", ErrorCode::BadRequest, Some("limit")),
        ("err_status", ErrorCode::BadRequest, Some("status")),
        ("err_webhook_url", ErrorCode::BadRequest, Some("url")),
        ("err_webhook_events", ErrorCode::BadRequest, Some("events")),
        ("err_notfound", ErrorCode::NotFound, None),
        ("err_unauth", ErrorCode::Unauthorized, None),
        ("err_badkey", ErrorCode::Unauthorized, None),
    ] {
        let e: ErrorBody = round_trip(name);
        assert_eq!(e.error.code, code, "{name}");
        assert_eq!(e.error.field.as_deref(), field, "{name}");
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
    }
    assert_eq!(ErrorCode::RateLimited.http_status(), 429);
    let e = ErrorBody::new(ErrorCode::Internal, "internal error");
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"error":{"code":"internal","message":"internal error"}}"#
    );
}
