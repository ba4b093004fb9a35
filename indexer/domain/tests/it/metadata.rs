//! `POST /v1/metadata` (answers), `GET /v1/metadata/{hash}` (a document), and
//! `POST /v1/pictures` (answers).

use cointent_domain::{
    OrderKind,
    metadata::{MetadataArtisan, MetadataDocument, MetadataJson, MetadataStored},
};
use serde_json::json;

use crate::fixtures::round_trip;

#[test]
fn documents_and_answers_read_and_write_back() {
    let doc: MetadataDocument = round_trip("metadata_doc");
    assert_eq!(doc.kind, OrderKind::Collective);
    assert!(doc.artisan.as_ref().and_then(|a| a.address.as_ref()).is_some());
    let as_json: MetadataJson = round_trip("metadata_doc");
    assert_eq!(as_json.document().unwrap(), doc);
    let stored: MetadataStored = round_trip("metadata_stored");
    assert!(stored.linked_orders.is_empty());
    let linked: MetadataStored = round_trip("metadata_stored_linked");
    assert_eq!(linked.linked_orders[0].chain_id, 31337);
    // `GET /v1/metadata/{hash}` answers the bytes uploaded verbatim: the fixture is them.
    let bytes = crate::fixtures::text("metadata_doc");
    assert_eq!(linked.hash, alloy_primitives::keccak256(bytes.as_bytes()));
}

#[test]
fn a_new_document_leaves_absent_members_out() {
    let mut doc = MetadataDocument::new(OrderKind::Sale, "Raku tea bowl");
    doc.artisan = Some(MetadataArtisan {
        address: Some("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into()),
        name: Some("Kenji Sato".into()),
        ..Default::default()
    });
    assert_eq!(
        serde_json::to_value(&doc).unwrap(),
        json!({
            "schema": "cointent.metadata/1", "kind": "sale", "title": "Raku tea bowl",
            "artisan": {"address": "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "name": "Kenji Sato"}
        })
    );
    let other = json!({"schema": "cointent.metadata/2", "kind": "sale", "title": "x"});
    assert!(serde_json::from_value::<MetadataDocument>(other).is_err());
}

#[test]
fn picture_answers_read_and_write_back() {
    use cointent_domain::pictures::{PictureStored, picture_hash, thumbnail_url};
    let stored: PictureStored = round_trip("picture_stored");
    assert_eq!(stored.content_type, "image/png");
    // What the app derives from a document's image URL is the thumbnail the API names.
    assert_eq!(thumbnail_url(&stored.url).as_deref(), Some(stored.thumbnail_url.as_str()));
    assert_eq!(picture_hash(&stored.url), Some(format!("{:#x}", stored.hash).as_str()));
}
