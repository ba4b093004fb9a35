//! `GET /v1/events`: and the packed terms `OrderCreated` carries unpack to the order's terms
//! and hash to its terms hash.

use cointent_domain::{Bytes, Page, Terms, events::Event, orders::OrderDetail, terms};

use crate::fixtures::round_trip;

#[test]
fn events_read_and_write_back_and_their_terms_unpack() {
    let page: Page<Event> = round_trip("events_created");
    assert!(!page.items.is_empty());
    for e in &page.items {
        assert_eq!(e.event, "OrderCreated");
        assert_eq!(e.contract, "escrow");
        let packed: Bytes = serde_json::from_value(e.args["terms"].clone()).unwrap();
        let parsed = Terms::unpack(&packed).unwrap();
        let order: OrderDetail =
            round_trip(&format!("order_{}", e.args["orderId"].as_str().unwrap()));
        assert_eq!(parsed, order.terms);
        assert_eq!(terms::terms_hash(&packed), order.summary.terms_hash);
        assert_eq!(e.args["creator"], serde_json::json!(order.summary.creator));
        assert!(e.args.get("termsHash").is_none(), "v2 emits no terms hash");
    }
}
