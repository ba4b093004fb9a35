//! `GET /v1/events`: and the `OrderCreated` terms in it parse to the terms the event hashes.

use cointent_domain::{B256, Page, events::Event, terms};

use crate::fixtures::round_trip;

#[test]
fn events_read_and_write_back_and_their_terms_hash_right() {
    let page: Page<Event> = round_trip("events_created");
    assert!(!page.items.is_empty());
    for e in &page.items {
        assert_eq!(e.event, "OrderCreated");
        assert_eq!(e.contract, "escrow");
        let parsed = terms::terms_from_event(&e.args["terms"]).unwrap();
        let hash: B256 = e.args["termsHash"].as_str().unwrap().parse().unwrap();
        assert_eq!(terms::terms_hash(&parsed), hash);
    }
}
