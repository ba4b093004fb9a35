//! `/v1/webhooks*`, and the body POSTed to a webhook.

use cointent_domain::{
    Page,
    webhooks::{
        DeliveryStatus, Webhook, WebhookCreate, WebhookCreated, WebhookDelivery, WebhookEvent,
        WebhookEventType, WebhookList,
    },
};

use crate::fixtures::{round_trip, text};

#[test]
fn webhooks_read_and_write_back() {
    let created: WebhookCreated = round_trip("webhook_created");
    assert_eq!(created.webhook.events, WebhookEventType::ALL);
    assert!(created.secret.starts_with("whsec_"));
    let filtered: WebhookCreated = round_trip("webhook_created_filtered");
    assert_eq!(filtered.webhook.chain_id, Some(31337));
    assert_eq!(filtered.webhook.order_ids.as_ref().map(Vec::len), Some(2));
    let list: WebhookList = round_trip("webhooks_list");
    let ids: Vec<u64> = list.items.iter().map(|w: &Webhook| w.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    let failing: Page<WebhookDelivery> = round_trip("webhook_deliveries");
    assert!(failing.items.iter().all(|d| d.last_error.is_some()));
    let page: Page<WebhookDelivery> = round_trip("webhook_deliveries_page");
    assert!(page.next_cursor.is_some());
    let delivered: Page<WebhookDelivery> = round_trip("webhook_deliveries_3");
    assert_eq!(delivered.items[0].status, DeliveryStatus::Delivered);
    assert_eq!(delivered.items[0].last_status_code, Some(200));
    let replayed: WebhookDelivery = round_trip("webhook_replay");
    assert_eq!((replayed.status, replayed.attempts), (DeliveryStatus::Pending, 0));
}

#[test]
fn the_webhook_body_serializes_to_the_bytes_the_worker_signed() {
    let body = text("webhook_event");
    let event: WebhookEvent = round_trip("webhook_event");
    assert_eq!(event.event_type, WebhookEventType::OrderCreated);
    assert_eq!(event.id, format!("{}:{}:0", event.chain_id, event.block_number));
    // The worker's `json!` wrote the keys sorted; the type's fields are in that order.
    assert_eq!(serde_json::to_string(&event).unwrap(), body);
}

#[test]
fn create_requests_take_members_as_sent() {
    let request: WebhookCreate = serde_json::from_str(
        r#"{"url": "http://x/y", "events": ["order.pledged", "nope"], "order_ids": ["0009"]}"#,
    )
    .unwrap();
    assert_eq!(request.events, ["order.pledged", "nope"]);
    assert_eq!(request.chain_id, None);
    assert!(
        serde_json::from_str::<WebhookCreate>(r#"{"url": "u", "events": [], "x": 1}"#).is_err()
    );
    assert_eq!("order.funded".parse(), Ok(WebhookEventType::OrderFunded));
    assert!("order.shipped".parse::<WebhookEventType>().is_err());
}
