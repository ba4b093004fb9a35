//! The auth and write side of the API against a real deployment: sign-in with Ethereum,
//! sessions, metadata uploads linked to real orders, QR codes and labels, partner API keys.

use std::time::Duration;

use alloy::{
    primitives::{Address, Bytes, keccak256},
    sol_types::{SolCall, SolValue},
};
use eyre::Result;
use serde_json::{Value, json};

use crate::{common::dev, world::*};

/// Rate limits count in fixed one-minute windows: start a burst early in one.
pub(crate) async fn avoid_minute_boundary() -> Result<()> {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    if secs % 60 > 50 {
        tokio::time::sleep(Duration::from_secs(61 - secs % 60)).await;
    }
    Ok(())
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_ethereum_opens_a_session_once_per_nonce() -> Result<()> {
    let world = World::start(42200).await?;
    let message = world.siwe(3).await?.text();
    let (status, body) = world.verify(3, &message).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["address"], format!("{:#x}", dev(3)));
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    // The token is stored hashed only.
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM auth_sessions WHERE token_hash = $1")
            .bind(&token)
            .fetch_one(&world.pool)
            .await?;
    assert_eq!(stored, 0);

    // The same nonce cannot serve twice.
    let (status, body) = world.verify(3, &message).await?;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Nonce"), "{body}");

    let auth = bearer(&token);
    let (status, list) = world.get_with("/v1/auth/sessions", &[("authorization", &auth)]).await?;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["current"], true);
    assert!(items[0]["last_used_at"].is_string());

    let (status, _) = world.get("/v1/auth/sessions").await?;
    assert_eq!(status, 401);
    let (status, _) =
        world.get_with("/v1/auth/sessions", &[("authorization", "Bearer nope")]).await?;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_refuses_wrong_domain_chain_uri_signer_and_expiry() -> Result<()> {
    let world = World::start(42201).await?;
    type Change = Box<dyn Fn(&mut Siwe)>;
    let cases: Vec<(&str, Change, u16)> = vec![
        ("domain", Box::new(|m| m.domain = "evil.example".into()), 401),
        ("chain", Box::new(|m| m.chain_id = 1), 401),
        ("uri", Box::new(|m| m.uri = "https://evil.example/".into()), 401),
        ("future", Box::new(|m| m.issued_at = "2099-01-01T00:00:00Z".into()), 401),
        ("expired", Box::new(|m| m.expiration_time = Some("2020-01-01T00:00:00Z".into())), 401),
        ("nonce", Box::new(|m| m.nonce = "0000000000000000".into()), 401),
    ];
    for (what, change, want) in cases {
        let mut m = world.siwe(3).await?;
        change(&mut m);
        let (status, body) = world.verify(3, &m.text()).await?;
        assert_eq!(status, want, "{what}: {body}");
        assert_eq!(body["error"]["code"], "unauthorized");
        let why = body["error"]["message"].as_str().unwrap();
        assert!(why.starts_with("message: "), "{what}: {why}");
    }
    // Signed by another key than the message's address.
    let message = world.siwe(3).await?.text();
    let (status, body) = world.verify(4, &message).await?;
    assert_eq!(status, 401, "{body}");
    // A signature that is not hex names the field.
    let body = json!({ "message": message, "signature": "0x12zz" });
    let (status, body) = world.post_json("/v1/auth/verify", &body, &[]).await?;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "signature");
    // Hex of another length than a key's: only a contract wallet could have made it.
    let body = json!({ "message": message, "signature": "0x1234" });
    let (status, body) = world.post_json("/v1/auth/verify", &body, &[]).await?;
    assert_eq!(status, 401, "{body}");
    // The refused attempts did not burn the nonce: the right signer still signs in.
    let (status, body) = world.verify(3, &message).await?;
    assert_eq!(status, 200, "{body}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_verifications_of_one_message_open_one_session() -> Result<()> {
    let world = World::start(42212).await?;
    for round in 0..3 {
        let message = world.siwe(3).await?.text();
        let signature = personal_sign(3, &message)?;
        let body = json!({ "message": message, "signature": signature });
        let mut racers = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let request = world.http.post(world.url("/v1/auth/verify")).json(&body);
            racers.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
        }
        let statuses: Vec<u16> = racers.join_all().await.into_iter().collect::<Result<_, _>>()?;
        let won = statuses.iter().filter(|s| **s == 200).count();
        assert_eq!(won, 1, "round {round}: {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 200 || *s == 401), "{statuses:?}");
    }
    let sessions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM auth_sessions").fetch_one(&world.pool).await?;
    assert_eq!(sessions, 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_uri_must_be_the_servers_origin() -> Result<()> {
    let world = World::start(42213).await?;
    let base = world.base.clone();
    let host = base.trim_start_matches("http://").to_string();
    for uri in [
        format!("{base}.evil.example/"),
        format!("{base}0/"),
        format!("{base}@evil.example/"),
        format!("http://{host}.evil.example/create"),
        format!("https://{host}/"),
        format!("{base}:81/"),
        "http://127.0.0.1/".to_string(),
        "urn:x".to_string(),
    ] {
        let mut m = world.siwe(3).await?;
        m.uri = uri.clone();
        let (status, body) = world.verify(3, &m.text()).await?;
        assert_eq!(status, 401, "{uri}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("URI"), "{uri}: {body}");
    }
    // The origin itself, with or without a path, is the server's.
    for uri in [base.clone(), format!("{base}/"), format!("{base}/create?x=1")] {
        let mut m = world.siwe(3).await?;
        m.uri = uri.clone();
        let (status, body) = world.verify(3, &m.text()).await?;
        assert_eq!(status, 200, "{uri}: {body}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_secrets_are_answered_not_to_be_stored() -> Result<()> {
    let world = local_world(42214).await?;
    let no_store = |r: &reqwest::Response| {
        r.headers().get("cache-control").and_then(|v| v.to_str().ok()) == Some("no-store")
    };
    let nonce = world.http.post(world.url("/v1/auth/nonce")).send().await?;
    assert!(no_store(&nonce), "nonce: {:?}", nonce.headers());
    let message = world.siwe(3).await?.text();
    let body = json!({ "message": message, "signature": personal_sign(3, &message)? });
    let verified = world.http.post(world.url("/v1/auth/verify")).json(&body).send().await?;
    assert!(no_store(&verified), "verify: {:?}", verified.headers());
    let token = verified.json::<Value>().await?["token"].as_str().unwrap().to_string();
    let refused = world.http.post(world.url("/v1/auth/verify")).json(&body).send().await?;
    assert_eq!(refused.status(), 401);
    assert!(no_store(&refused), "a refusal too: {:?}", refused.headers());
    let sessions = world
        .http
        .get(world.url("/v1/auth/sessions"))
        .header("authorization", bearer(&token))
        .send()
        .await?;
    assert!(no_store(&sessions), "sessions: {:?}", sessions.headers());
    let scopes = ["read".to_string(), "webhooks".to_string()];
    let (_, key) = cointent_api::keys::create_key(&world.pool, "k", &scopes, 100).await?;
    let me = world.http.get(world.url("/v1/keys/me")).header("x-api-key", &key).send().await?;
    assert!(no_store(&me), "keys/me: {:?}", me.headers());
    let created = world
        .http
        .post(world.url("/v1/webhooks"))
        .header("x-api-key", &key)
        .json(&json!({"url": "http://127.0.0.1:9/hook", "events": ["order.created"]}))
        .send()
        .await?;
    assert_eq!(created.status(), 201);
    assert!(no_store(&created), "the webhook secret: {:?}", created.headers());
    Ok(())
}

async fn local_world(chain_id: u64) -> Result<World> {
    World::start_with(chain_id, |c| c.webhooks.allow_private_targets = true).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_nonce_creation_is_limited_per_ip() -> Result<()> {
    let world = World::start_with(42215, |c| c.http.nonce_rate_limit_per_min = 5).await?;
    avoid_minute_boundary().await?;
    for _ in 0..5 {
        let (status, body) = world.post_json("/v1/auth/nonce", &json!({}), &[]).await?;
        assert_eq!(status, 200, "{body}");
    }
    for _ in 0..20 {
        let response = world.http.post(world.url("/v1/auth/nonce")).send().await?;
        assert_eq!(response.status(), 429);
        assert!(response.headers().contains_key("retry-after"));
    }
    let nonces: i64 =
        sqlx::query_scalar("SELECT count(*) FROM auth_nonces").fetch_one(&world.pool).await?;
    assert_eq!(nonces, 5, "refused requests made no nonce");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_a_keys_limit_do_not_write() -> Result<()> {
    use cointent_api::keys;
    let world = World::start(42216).await?;
    let (info, key) = keys::create_key(&world.pool, "shop", &["read".into()], 3).await?;
    avoid_minute_boundary().await?;
    for _ in 0..3 {
        assert_eq!(world.get_with("/v1/keys/me", &[("x-api-key", &key)]).await?.0, 200);
    }
    // The row's version (xmin) changes with every UPDATE.
    let version = || {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT xmin::TEXT, usage_count FROM api_keys WHERE id = $1",
        )
        .bind(info.id as i64)
        .fetch_one(&world.pool)
    };
    let before = version().await?;
    assert_eq!(before.1, 3);
    for _ in 0..20 {
        assert_eq!(world.get_with("/v1/orders", &[("x-api-key", &key)]).await?.0, 429);
    }
    assert_eq!(version().await?, before, "refused requests wrote to the key's row");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_and_can_be_revoked() -> Result<()> {
    let world = World::start_with(42202, |c| c.http.session_ttl_secs = 2).await?;
    let short = world.sign_in(3).await?;
    let auth = bearer(&short);
    let (status, _) = world.get_with("/v1/auth/sessions", &[("authorization", &auth)]).await?;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (status, body) = world.get_with("/v1/auth/sessions", &[("authorization", &auth)]).await?;
    assert_eq!(status, 401, "expired: {body}");

    // Two sessions of dev 3 and one of dev 5; revoke one of dev 3's from the other.
    let (a, b, other) = (world.sign_in(3).await?, world.sign_in(3).await?, world.sign_in(5).await?);
    let (_, list) = world.get_with("/v1/auth/sessions", &[("authorization", &bearer(&b))]).await?;
    let ids: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().into())
        .collect();
    assert_eq!(ids.len(), 2, "{list}");
    let a_id =
        list["items"].as_array().unwrap().iter().find(|i| i["current"] == false).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
    // Another address cannot revoke it.
    let response = world
        .http
        .delete(world.url(&format!("/v1/auth/sessions/{a_id}")))
        .header("authorization", bearer(&other))
        .send()
        .await?;
    assert_eq!(response.status(), 404);
    let response = world
        .http
        .delete(world.url(&format!("/v1/auth/sessions/{a_id}")))
        .header("authorization", bearer(&b))
        .send()
        .await?;
    assert_eq!(response.status(), 204);
    let (status, _) =
        world.get_with("/v1/auth/sessions", &[("authorization", &bearer(&a))]).await?;
    assert_eq!(status, 401, "revoked");
    let (status, _) =
        world.get_with("/v1/auth/sessions", &[("authorization", &bearer(&b))]).await?;
    assert_eq!(status, 200);
    Ok(())
}

fn document(title: &str, artisan: usize) -> Value {
    json!({
        "schema": "cointent.metadata/1",
        "kind": "sale",
        "title": title,
        "description": "Hand-thrown stoneware.",
        "category": "ceramics",
        "images": ["https://img.example/bowl.jpg"],
        "product": { "name": "Bowl", "materials": ["clay", "glaze"] },
        "artisan": { "address": format!("{:#x}", dev(artisan)), "name": "Aiko", "region": "Kyoto", "craft": "pottery" },
        "splits": [{ "recipient": format!("{:#x}", dev(7)), "label": "shop" }]
    })
}

async fn upload(
    world: &World,
    token: &str,
    bytes: Vec<u8>,
    content_type: &str,
) -> Result<(u16, Value)> {
    let response = world
        .http
        .post(world.url("/v1/metadata"))
        .header("authorization", bearer(token))
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_uploads_are_content_addressed_and_link_to_orders() -> Result<()> {
    let world = World::start(42203).await?;
    let seller = 4;
    // Pretty-printed on purpose: the hash covers the exact bytes, whitespace included.
    let bytes = serde_json::to_vec_pretty(&document("Blue bowl", seller))?;
    let hash = keccak256(&bytes);
    let terms = world.sale_terms(seller, hash).await?;
    let id = world.create_order(seller, &terms).await?;
    world.sync().await?;

    // The order's detail is kept ready (without a document) before the upload.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while sqlx::query_scalar::<_, i64>("SELECT count(*) FROM order_details")
        .fetch_one(&world.pool)
        .await?
        == 0
    {
        assert!(tokio::time::Instant::now() < deadline, "the detail was never kept");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let token = world.sign_in(seller).await?;
    let (status, body) = upload(&world, &token, bytes.clone(), "application/json").await?;
    assert_eq!(status, 201, "{body}");
    // The detail shows the document at once (the kept one was forgotten).
    let (status, detail) = world.get(&format!("/v1/orders/42203/{id}")).await?;
    assert_eq!(status, 200);
    assert_eq!(detail["metadata"]["title"], "Blue bowl", "{detail}");
    assert_eq!(body["hash"], format!("{hash:#x}"));
    assert_eq!(body["linked_orders"], json!([{ "chain_id": 42203, "order_id": id.to_string() }]));
    // Again: already stored.
    let (status, body) =
        upload(&world, &token, bytes.clone(), "application/json; charset=utf-8").await?;
    assert_eq!(status, 200, "{body}");
    // The exact bytes come back.
    let got = world.http.get(world.url(&format!("/v1/metadata/{hash:#x}"))).send().await?;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "application/json");
    assert_eq!(got.bytes().await?.to_vec(), bytes);
    let uploader: String = sqlx::query_scalar("SELECT uploaded_by FROM metadata_documents")
        .fetch_one(&world.pool)
        .await?;
    assert_eq!(uploader, format!("{:#x}", dev(seller)));

    // A document no order names stays unlinked.
    let other = serde_json::to_vec(&document("Green bowl", seller))?;
    let (status, body) = upload(&world, &token, other.clone(), "application/json").await?;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["linked_orders"], json!([]));
    assert_eq!(body["hash"], format!("{:#x}", keccak256(&other)));
    let (status, _) = world.get(&format!("/v1/metadata/0x{}", "ab".repeat(32))).await?;
    assert_eq!(status, 404);
    let (status, body) = world.get("/v1/metadata/0x12").await?;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "hash");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_uploads_are_checked() -> Result<()> {
    let world = World::start(42204).await?;
    let token = world.sign_in(4).await?;
    let good = document("Bowl", 4);

    // No session.
    let response = world.http.post(world.url("/v1/metadata")).json(&good).send().await?;
    assert_eq!(response.status(), 401);
    // Not JSON.
    let (status, body) = upload(&world, &token, b"title=x".to_vec(), "text/plain").await?;
    assert_eq!((status, body["error"]["code"].as_str()), (415, Some("unsupported_media_type")));
    // Too large (but under the server's general body limit).
    let mut big = good.clone();
    big["description"] = json!("x".repeat(70_000));
    let (status, body) =
        upload(&world, &token, serde_json::to_vec(&big)?, "application/json").await?;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("payload_too_large")));
    // Schema errors name the field.
    for (change, field) in [
        (json!({"colour": "red"}), "colour"),
        (json!({"kind": "gift"}), "kind"),
        (json!({"title": ""}), "title"),
        (json!({"artisan": {"address": "0x12"}}), "artisan.address"),
        (json!({"images": ["https://a", 3]}), "images[1]"),
        (json!({"milestones": [{"title": "a", "due": "soon"}]}), "milestones[0].due"),
    ] {
        let mut doc = good.clone();
        for (k, v) in change.as_object().unwrap() {
            doc[k] = v.clone();
        }
        let (status, body) =
            upload(&world, &token, serde_json::to_vec(&doc)?, "application/json").await?;
        assert_eq!(status, 400, "{change}: {body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    let (status, body) = upload(&world, &token, b"{not json".to_vec(), "application/json").await?;
    assert_eq!(status, 400, "{body}");
    // A document naming another artisan is refused; the named artisan may upload it.
    let (status, body) =
        upload(&world, &token, serde_json::to_vec(&document("Bowl", 2))?, "application/json")
            .await?;
    assert_eq!(status, 403, "{body}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM metadata_documents")
        .fetch_one(&world.pool)
        .await?;
    assert_eq!(stored, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_describes_only_orders_its_uploader_or_named_maker_is_party_to() -> Result<()> {
    use cointent_abi::IEscrow::Split;
    let world = World::start(42210).await?;
    let chain = 42210;
    let (maker_a, maker_b) = (2, 4);
    let bytes = serde_json::to_vec(&document("Aiko's bowl", maker_a))?;
    let hash = keccak256(&bytes);
    let token_a = world.sign_in(maker_a).await?;
    assert_eq!(upload(&world, &token_a, bytes.clone(), "application/json").await?.0, 201);
    // A's own order; B's order reusing A's hash; B's order paying A a split.
    let own = world.create_order(maker_a, &world.sale_terms(maker_a, hash).await?).await?;
    let copy = world.create_order(maker_b, &world.sale_terms(maker_b, hash).await?).await?;
    let mut pays_a = world.sale_terms(maker_b, hash).await?;
    pays_a.splits = vec![Split { recipient: dev(maker_a), bps: 1000 }];
    let shared = world.create_order(maker_b, &pays_a).await?;
    world.sync().await?;

    for (id, linked) in [(own, true), (copy, false), (shared, true)] {
        let (status, detail) = world.get(&format!("/v1/orders/{chain}/{id}")).await?;
        assert_eq!(status, 200, "{detail}");
        let title = detail["metadata"]["title"].as_str();
        assert_eq!(title, linked.then_some("Aiko's bowl"), "order {id}: {}", detail["metadata"]);
        let path = format!("/v1/accounts/{:#x}/orders?role=seller", dev(maker_b));
        let (_, page) = world.get(&path).await?;
        for item in page["items"].as_array().unwrap() {
            if item["order_id"] == id.to_string() {
                assert_eq!(item["title"].as_str(), linked.then_some("Aiko's bowl"), "{item}");
            }
        }
    }
    let ids = |page: &Value| -> Vec<String> {
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let mut ids: Vec<String> =
            items.iter().map(|i| i["order_id"].as_str().unwrap_or("").to_string()).collect();
        ids.sort();
        ids
    };
    let expected = {
        let mut v = vec![own.to_string(), shared.to_string()];
        v.sort();
        v
    };
    // Full text over the metadata finds only the linked orders.
    let (_, found) = world.get("/v1/orders?q=Aiko").await?;
    assert_eq!(ids(&found), expected, "{found}");
    // A's profile lists neither B's copy nor counts it.
    let (status, profile) = world.get(&format!("/v1/artisans/{:#x}", dev(maker_a))).await?;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(ids(&profile), expected, "{profile}");
    assert_eq!(profile["orders"], 2, "{profile}");
    // The label of B's copy does not borrow A's title or name.
    let label = world.http.get(world.url(&format!("/v1/qr/{chain}/{copy}/label"))).send().await?;
    let html = label.text().await?;
    assert!(!html.contains("Aiko") && html.contains(&format!("Order #{copy}")), "{html}");
    // The upload says which orders it describes.
    let (status, body) = upload(&world, &token_a, bytes, "application/json").await?;
    assert_eq!(status, 200);
    let linked: Vec<String> = body["linked_orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap().to_string())
        .collect();
    let mut linked = linked;
    linked.sort();
    assert_eq!(linked, expected, "{body}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_with_duplicate_keys_or_bidi_controls_are_refused() -> Result<()> {
    let world = World::start(42211).await?;
    let token = world.sign_in(4).await?;
    let me = format!("{:#x}", dev(4));
    let head = r#"{"schema":"cointent.metadata/1","kind":"sale""#;
    for (text, field) in [
        // serde_json keeps the last value while the hash covers bytes holding the first.
        (format!(r#"{head},"title":"Real bowl","title":"Fake bowl"}}"#), "title"),
        (
            format!(
                r#"{head},"title":"Bowl","artisan":{{"address":"{me}","name":"A","name":"B"}}}}"#
            ),
            "artisan.name",
        ),
        (
            format!(r#"{head},"title":"Bowl","milestones":[{{"title":"a","title":"b"}}]}}"#),
            "milestones[0].title",
        ),
        (format!(r#"{head},"title":"Bowl","kind":"collective"}}"#), "kind"),
    ] {
        serde_json::from_str::<Value>(&text).expect("JSON that serde_json takes");
        let (status, body) =
            upload(&world, &token, text.clone().into_bytes(), "application/json").await?;
        assert_eq!(status, 400, "{text}: {body}");
        assert_eq!(body["error"]["field"], field, "{text}: {body}");
    }
    // Bidirectional overrides and isolates make a name read as another.
    let bowl = |change: Value| {
        let mut doc = json!({"schema": "cointent.metadata/1", "kind": "sale", "title": "Bowl"});
        for (k, v) in change.as_object().unwrap() {
            doc[k] = v.clone();
        }
        doc
    };
    for (doc, field) in [
        (bowl(json!({"title": "Bowl \u{202E}lwob"})), "title"),
        (
            bowl(json!({"artisan": {"address": me, "name": "Aiko\u{2066}x\u{2069}"}})),
            "artisan.name",
        ),
        (bowl(json!({"product": {"name": "\u{202A}Bowl"}})), "product.name"),
        (bowl(json!({"partner": {"address": me, "name": "Shop\u{202D}"}})), "partner.name"),
    ] {
        let (status, body) =
            upload(&world, &token, serde_json::to_vec(&doc)?, "application/json").await?;
        assert_eq!(status, 400, "{doc}: {body}");
        assert_eq!(body["error"]["field"], field, "{doc}: {body}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM metadata_documents")
        .fetch_one(&world.pool)
        .await?;
    assert_eq!(stored, 0);
    // Right-to-left text as such is welcome.
    let arabic = format!(r#"{head},"title":"وعاء خزفي"}}"#);
    assert_eq!(upload(&world, &token, arabic.into_bytes(), "application/json").await?.0, 201);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_codes_and_labels_point_at_the_transparency_page() -> Result<()> {
    let world = World::start(42205).await?;
    let seller = 4;
    let bytes = serde_json::to_vec(&document("Indigo <scarf>", seller))?;
    let terms = world.sale_terms(seller, keccak256(&bytes)).await?;
    let id = world.create_order(seller, &terms).await?;
    world.sync().await?;
    let token = world.sign_in(seller).await?;
    assert_eq!(upload(&world, &token, bytes, "application/json").await?.0, 201);
    let url = format!("{}/t/42205/{id}", world.base);

    let svg = world.http.get(world.url(&format!("/v1/qr/42205/{id}?size=300"))).send().await?;
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.headers()["cache-control"].to_str()?.contains("max-age"));
    let svg = svg.text().await?;
    assert!(svg.starts_with("<svg") && svg.contains("width=\"300\""), "{svg}");
    assert!(svg.contains(&format!("<title>{url}</title>")), "{svg}");

    // The PNG: signature, exact size, and its modules are the code of the URL.
    let (size, margin) = (333_u32, 2_u32);
    let png = world
        .http
        .get(world.url(&format!("/v1/qr/42205/{id}?format=png&size={size}&margin={margin}")))
        .send()
        .await?;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await?.to_vec();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info()?;
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels)?;
    assert_eq!((frame.width, frame.height), (size, size));
    let code = qrcode::QrCode::new(url.as_bytes())?;
    let width = code.width() as u32;
    let total = width + 2 * margin;
    let scale = size / total;
    let offset = (size - scale * total) / 2 + margin * scale;
    let decoded: Vec<qrcode::Color> = (0..width * width)
        .map(|i| {
            let (x, y) = (i % width, i / width);
            let (px, py) = (offset + x * scale + scale / 2, offset + y * scale + scale / 2);
            if pixels[(py * size + px) as usize] < 128 {
                qrcode::Color::Dark
            } else {
                qrcode::Color::Light
            }
        })
        .collect();
    assert_eq!(decoded, code.to_colors(), "the PNG's modules encode {url}");
    assert!(pixels[..offset as usize].iter().all(|&p| p == 255), "quiet zone");

    let label = world.http.get(world.url(&format!("/v1/qr/42205/{id}/label"))).send().await?;
    assert_eq!(label.status(), 200);
    assert!(label.headers()["content-type"].to_str()?.starts_with("text/html"));
    let html = label.text().await?;
    assert!(html.contains("<h1>Indigo &lt;scarf&gt;</h1>"), "title from the metadata: {html}");
    assert!(html.contains("Aiko · pottery · Kyoto"), "{html}");
    // Amounts in the token's units, with the breakdown of one unit as the order's record has it.
    let (_, detail) = world.get(&format!("/v1/orders/42205/{id}")).await?;
    let per_unit = &detail["price_breakdown"]["per_unit"];
    let units = |v: &serde_json::Value| {
        cointent_domain::amount::format_amount(
            v.as_str().unwrap().parse().unwrap(),
            6,
            "dUSD",
            cointent_domain::amount::Grouping::None,
        )
    };
    assert!(
        html.contains(&format!("Unit price: <strong>{}</strong>", units(&per_unit["amount"]))),
        "{html}"
    );
    assert!(
        html.contains(&format!("<th>Maker</th><td>{}</td>", units(&per_unit["seller_amount"]))),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<th>Platform fee</th><td>{}</td>",
            units(&per_unit["platform_fee"])
        )),
        "{html}"
    );
    assert!(!html.contains("base units"), "{html}");
    assert!(html.contains(&format!("{:#x}", dev(seller))), "seller");
    assert!(html.contains(&url) && html.contains("<svg") && html.contains("@media print"));

    for (path, status, field) in [
        ("/v1/qr/42205/999", 404, None),
        ("/v1/qr/42205/999/label", 404, None),
        ("/v1/qr/1/1", 404, None),
        (&*format!("/v1/qr/42205/{id}?size=10"), 400, Some("size")),
        (&*format!("/v1/qr/42205/{id}?margin=17"), 400, Some("margin")),
        (&*format!("/v1/qr/42205/{id}?format=gif"), 400, Some("format")),
        ("/v1/qr/42205/abc", 400, Some("order_id")),
        (&*format!("/v1/qr/42205/{id}?ref=0x12"), 400, Some("ref")),
    ] {
        let (got, body) = world.get(path).await?;
        assert_eq!(got, status, "{path}: {body}");
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "{path}");
        }
    }

    // A promoter's code is its referral link to the order's page.
    let promoter = format!("{:#x}", dev(9));
    let svg =
        world
            .http
            .get(world.url(&format!(
                "/v1/qr/42205/{id}?ref={}",
                promoter.to_uppercase().replace("0X", "0x")
            )))
            .send()
            .await?;
    let svg = svg.text().await?;
    assert!(
        svg.contains(&format!("<title>{}/orders/42205/{id}?ref={promoter}</title>", world.base)),
        "{svg}"
    );

    // A product with a GTIN: its code is the GS1 Digital Link, which leads to the same page.
    let mut doc = document("Celadon bowl", seller);
    doc["product"]["gtin"] = json!("4006381333931");
    let bytes = serde_json::to_vec(&doc)?;
    let terms = world.sale_terms(seller, keccak256(&bytes)).await?;
    let gs1 = world.create_order(seller, &terms).await?;
    assert_eq!(upload(&world, &token, bytes, "application/json").await?.0, 201);
    world.sync().await?;
    let link = format!("/01/04006381333931/21/42205-{gs1}");
    let svg = world.http.get(world.url(&format!("/v1/qr/42205/{gs1}"))).send().await?;
    let svg = svg.text().await?;
    assert!(svg.contains(&format!("<title>{}{link}</title>", world.base)), "{svg}");
    let label = world.http.get(world.url(&format!("/v1/qr/42205/{gs1}/label"))).send().await?;
    assert!(label.text().await?.contains(&format!("{}{link}", world.base)));
    let no_follow =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let to = no_follow.get(world.url(&link)).send().await?;
    assert_eq!(to.status(), 308);
    assert_eq!(to.headers()["location"], format!("/t/42205/{gs1}"));
    // Another GTIN, the plain order, a wrong check digit, a serial that is no order: 404.
    for wrong in [
        format!("/01/00036000291452/21/42205-{gs1}"),
        format!("/01/04006381333931/21/42205-{id}"),
        format!("/01/4006381333932/21/42205-{gs1}"),
        "/01/04006381333931/21/42205".to_string(),
    ] {
        assert_eq!(no_follow.get(world.url(&wrong)).send().await?.status(), 404, "{wrong}");
    }
    // A GTIN without its check digit is refused at the upload, naming the field.
    let mut bad_doc = document("Celadon cup", seller);
    bad_doc["product"]["gtin"] = json!("4006381333932");
    let (status, body) =
        upload(&world, &token, serde_json::to_vec(&bad_doc)?, "application/json").await?;
    assert_eq!((status, &body["error"]["field"]), (400, &json!("product.gtin")), "{body}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_checked_counted_limited_and_revocable() -> Result<()> {
    use cointent_api::keys;
    let world = World::start(42206).await?;
    let (info, key) = keys::create_key(&world.pool, "shop", &["read".into()], 5).await?;
    avoid_minute_boundary().await?;
    assert_eq!(key.split('_').nth(1), Some(&*info.id.to_string()));
    assert!(keys::create_key(&world.pool, "x", &["admin".into()], 5).await.is_err());

    let (status, me) = world.get_with("/v1/keys/me", &[("x-api-key", &key)]).await?;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "shop");
    assert_eq!(me["scopes"], json!(["read"]));
    assert_eq!(me["rate_limit_per_min"], 5);
    assert_eq!(me["usage_count"], 1);
    // Public reads work without a key, and are refused with a bad one.
    assert_eq!(world.get("/v1/openapi.json").await?.0, 200);
    // The last hex digit changed (to 0, or to 1 when it already is 0).
    let last = if key.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &key[..key.len() - 1]);
    for bad in [wrong.as_str(), "nonsense", "ck_999_abc"] {
        let (status, body) = world.get_with("/v1/openapi.json", &[("x-api-key", bad)]).await?;
        assert_eq!(status, 401, "{bad}: {body}");
    }
    assert_eq!(world.get("/v1/keys/me").await?.0, 401, "no key");
    // Missing scope.
    let (status, body) = world.get_with("/v1/webhooks", &[("x-api-key", &key)]).await?;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("webhooks"));
    // Requests 3..5 of the minute pass, the 6th is limited.
    for _ in 0..3 {
        assert_eq!(world.get_with("/v1/openapi.json", &[("x-api-key", &key)]).await?.0, 200);
    }
    let response =
        world.http.get(world.url("/v1/openapi.json")).header("x-api-key", &key).send().await?;
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"].to_str()?.parse()?;
    assert!((1..=60).contains(&retry), "{retry}");
    let listed = keys::list_keys(&world.pool).await?;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].usage_count, 5, "every request answered counted, the refused one not");
    assert!(listed[0].last_used_at.is_some());

    // Revoked: refused at once. Revoking twice says so.
    let (_, other) = keys::create_key(&world.pool, "other", &["read".into()], 100).await?;
    assert_eq!(world.get_with("/v1/keys/me", &[("x-api-key", &other)]).await?.0, 200);
    let other_id: i64 = other.split('_').nth(1).unwrap().parse()?;
    assert!(keys::revoke_key(&world.pool, other_id).await?);
    assert!(!keys::revoke_key(&world.pool, other_id).await?);
    assert_eq!(world.get_with("/v1/keys/me", &[("x-api-key", &other)]).await?.0, 401);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keys_command_creates_lists_and_revokes() -> Result<()> {
    let world = World::start(42207).await?;
    let db: String = sqlx::query_scalar("SELECT current_database()").fetch_one(&world.pool).await?;
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("cointent.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n\n[[chains]]\nname = \"w\"\nchain_id = 42207\nrpc_urls = [\"{}\"]\ncontracts = {{ escrow = \"{:#x}\" }}\n",
            cointent_harness::shared_postgres()?.url(&db),
            world.chain.anvil.endpoint(),
            world.address("escrow"),
        ),
    )?;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cointent"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
    };
    let out = run(&[
        "keys",
        "create",
        "--name",
        "Shop A",
        "--scopes",
        "read,webhooks",
        "--rate-limit",
        "42",
    ])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout)?.trim().to_string();
    assert!(key.starts_with("ck_"), "{key}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown only once"));
    let (status, me) = world.get_with("/v1/keys/me", &[("x-api-key", &key)]).await?;
    assert_eq!(status, 200);
    assert_eq!(
        (me["name"].as_str(), me["rate_limit_per_min"].as_i64()),
        (Some("Shop A"), Some(42))
    );
    assert_eq!(me["scopes"], json!(["read", "webhooks"]));

    let out = run(&["keys", "list"])?;
    let list = String::from_utf8(out.stdout)?;
    assert!(list.contains("Shop A") && list.contains("read,webhooks"), "{list}");
    let secret = key.rsplit('_').next().unwrap();
    assert!(!list.contains(secret), "the list never shows the secret");

    let out = run(&["keys", "create", "--name", "x", "--scopes", "read,admin"])?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scope \"admin\""));

    let id = key.split('_').nth(1).unwrap();
    let out = run(&["keys", "revoke", id])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(world.get_with("/v1/keys/me", &[("x-api-key", &key)]).await?.0, 401);
    let out = run(&["keys", "revoke", id])?;
    assert!(!out.status.success(), "revoking twice fails");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_are_limited_per_ip_only_when_configured() -> Result<()> {
    use std::{net::SocketAddr, sync::Arc};

    use cointent_api::{AppState, router};
    use cointent_config::Config;
    use cointent_ingest::Metrics;
    let world = World::start(42208).await?;
    // Served as `cointent serve` does: with the client's address.
    let serve = |per_min: Option<u32>| {
        let pool = world.pool.clone();
        let chain = world.config.clone();
        async move {
            let mut config = Config {
                database: Default::default(),
                http: Default::default(),
                webhooks: Default::default(),
                telemetry: Default::default(),
                walletconnect: Default::default(),
                tls: Default::default(),
                chains: vec![chain],
            };
            config.http.anon_rate_limit_per_min = per_min;
            let state = AppState::new(pool, Arc::new(Metrics::default()), Arc::new(config));
            let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let base = format!("http://{}", listener.local_addr()?);
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            eyre::Ok(base)
        }
    };
    let limited = serve(Some(3)).await?;
    avoid_minute_boundary().await?;
    let http = reqwest::Client::new();
    for _ in 0..3 {
        assert_eq!(http.get(format!("{limited}/v1/openapi.json")).send().await?.status(), 200);
    }
    let response = http.get(format!("{limited}/v1/openapi.json")).send().await?;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    // The GS1 Digital Link of a product's QR code reads the mirror too: the same window.
    let gs1 = http.get(format!("{limited}/01/04006381333931/21/42208-1")).send().await?;
    assert_eq!(gs1.status(), 429);
    // A key is counted against its own limit, not the IP's.
    let (_, key) = cointent_api::keys::create_key(&world.pool, "k", &["read".into()], 100).await?;
    let keyed = http.get(format!("{limited}/v1/openapi.json")).header("x-api-key", &key);
    assert_eq!(keyed.send().await?.status(), 200);
    // Off by default.
    let open = serve(None).await?;
    for _ in 0..10 {
        assert_eq!(http.get(format!("{open}/v1/openapi.json")).send().await?.status(), 200);
    }
    Ok(())
}

/// Deploys `ContractWallet` (contracts/test/utils) owned by dev account `owner`.
pub(crate) async fn deploy_wallet(world: &World, owner: usize) -> Result<Address> {
    let code = cointent_harness::artifact_bytecode("ContractWallet", None)?;
    deploy_code(world, [code, dev(owner).abi_encode()].concat()).await
}

/// Deploys `code` from dev account 8; the new contract's address.
pub(crate) async fn deploy_code(world: &World, code: Vec<u8>) -> Result<Address> {
    use alloy::{network::TransactionBuilder, providers::Provider};
    // Not dev 0, which the deploy script used behind the provider's back (stale nonces).
    let nonce = world.chain.provider.get_transaction_count(dev(8)).pending().await?;
    let tx = alloy::rpc::types::TransactionRequest::default()
        .with_from(dev(8))
        .with_nonce(nonce)
        .with_deploy_code(code);
    let receipt = world.chain.provider.send_transaction(tx).await?.get_receipt().await?;
    eyre::ensure!(receipt.status(), "deployment reverted");
    receipt.contract_address.ok_or_else(|| eyre::eyre!("no contract address"))
}

async fn code_len(world: &World, address: Address) -> Result<usize> {
    use alloy::providers::Provider;
    Ok(world.chain.provider.get_code_at(address).await?.len())
}

/// `signature` wrapped for ERC-6492: `abi.encode(factory, calldata, signature) ++ 0x6492…`.
pub(crate) fn erc6492(factory: Address, calldata: Vec<u8>, signature: &str) -> Result<String> {
    let inner = Bytes::from(alloy::hex::decode(signature)?);
    let mut wrapped = (factory, Bytes::from(calldata), inner).abi_encode_params();
    wrapped.extend([0x64, 0x92].repeat(16));
    Ok(alloy::hex::encode_prefixed(wrapped))
}

alloy::sol! {
    function deploy(address owner, bytes32 salt) external returns (address);
    function addressOf(address owner, bytes32 salt) external view returns (address);
}

/// A message signed in the name of `account` (a wallet) by dev key `signer`: status, body.
async fn verify_as(
    world: &World,
    account: Address,
    sign: impl Fn(&str) -> Result<String>,
) -> Result<(u16, Value)> {
    let mut m = world.siwe(3).await?;
    m.address = account.to_checksum(None);
    let message = m.text();
    let body = json!({ "message": message, "signature": sign(&message)? });
    world.post_json("/v1/auth/verify", &body, &[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_wallets_sign_in_through_eip1271_and_erc6492() -> Result<()> {
    let world = World::start(42290).await?;
    // A deployed wallet of dev 3: its owner's signature signs the wallet in.
    let wallet = deploy_wallet(&world, 3).await?;
    let (status, body) = verify_as(&world, wallet, |m| personal_sign(3, m)).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["address"], format!("{wallet:#x}"));
    let token = body["token"].as_str().unwrap().to_string();
    let (_, list) =
        world.get_with("/v1/auth/sessions", &[("authorization", &bearer(&token))]).await?;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    let stored: String =
        sqlx::query_scalar("SELECT address FROM auth_sessions").fetch_one(&world.pool).await?;
    assert_eq!(stored, format!("{wallet:#x}"));
    // Another key's signature: the wallet says no.
    let (status, body) = verify_as(&world, wallet, |m| personal_sign(4, m)).await?;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("signature: "), "{body}");
    // Longer than 65 bytes is no key's signature: a codeless address is refused.
    let (status, body) =
        verify_as(&world, dev(3), |m| Ok(format!("{}00", personal_sign(3, m)?))).await?;
    assert_eq!(status, 401, "{body}");

    // A counterfactual wallet of dev 5 (CREATE2): signs in before it exists, ERC-6492 wrapped.
    let factory =
        deploy_code(&world, cointent_harness::artifact_bytecode("ContractWalletFactory", None)?)
            .await?;
    let salt = alloy::primitives::B256::repeat_byte(7);
    let counterfactual = world.view_at(factory, addressOfCall { owner: dev(5), salt }).await?;
    assert_eq!(code_len(&world, counterfactual).await?, 0);
    let create = deployCall { owner: dev(5), salt }.abi_encode();
    let (status, body) = verify_as(&world, counterfactual, |m| {
        erc6492(factory, create.clone(), &personal_sign(5, m)?)
    })
    .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["address"], format!("{counterfactual:#x}"));
    assert_eq!(code_len(&world, counterfactual).await?, 0, "the check deployed nothing");
    // The wrapper's calldata deploys dev 4's wallet (another address): refused, even with
    // dev 4's signature.
    let other = deployCall { owner: dev(4), salt }.abi_encode();
    for key in [4, 5] {
        let (status, body) = verify_as(&world, counterfactual, |m| {
            erc6492(factory, other.clone(), &personal_sign(key, m)?)
        })
        .await?;
        assert_eq!(status, 401, "dev {key}: {body}");
    }
    // The right calldata with another key's signature.
    let (status, body) = verify_as(&world, counterfactual, |m| {
        erc6492(factory, create.clone(), &personal_sign(4, m)?)
    })
    .await?;
    assert_eq!(status, 401, "{body}");
    // Once deployed, the same kind of wrapped signature is unwrapped and asked by EIP-1271.
    world.send_to(0, factory, create.clone()).await?;
    assert!(code_len(&world, counterfactual).await? > 0);
    let (status, body) = verify_as(&world, counterfactual, |m| {
        erc6492(factory, create.clone(), &personal_sign(5, m)?)
    })
    .await?;
    assert_eq!(status, 200, "{body}");
    let (status, _) = verify_as(&world, counterfactual, |m| personal_sign(5, m)).await?;
    assert_eq!(status, 200, "plain EIP-1271 too");

    // Bounded: over 8 KiB is a 400 naming the field, before any chain call.
    let (status, body) =
        verify_as(&world, wallet, |_| Ok(format!("0x{}", "ab".repeat(8 * 1024 + 1)))).await?;
    assert_eq!((status, &body["error"]["field"]), (400, &json!("signature")), "{body}");
    // A plain key still signs in as before.
    let (status, body) = world.verify(6, &world.siwe(6).await?.text()).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["address"], format!("{:#x}", dev(6)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_that_cannot_be_asked_is_a_503_never_an_acceptance() -> Result<()> {
    // The API's RPC points at a closed port (the ingester keeps the real one): a contract
    // wallet cannot be judged, a key still can.
    let world = World::start(42291).await?;
    let wallet = deploy_wallet(&world, 3).await?;
    let (status, body) = verify_as(&world, wallet, |m| personal_sign(3, m)).await?;
    assert_eq!(status, 200, "reachable: {body}");
    let dead = serve_with_rpc(&world, "http://127.0.0.1:9").await?;
    let mut m = world.siwe(3).await?;
    m.address = wallet.to_checksum(None);
    m.domain = dead.trim_start_matches("http://").into();
    m.uri = dead.clone();
    let message = m.text();
    let body = json!({ "message": message, "signature": personal_sign(3, &message)? });
    let response = world.http.post(format!("{dead}/v1/auth/verify")).json(&body).send().await?;
    assert_eq!(response.status(), 503);
    let sessions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM auth_sessions").fetch_one(&world.pool).await?;
    assert_eq!(sessions, 1, "no session for the unjudged wallet");
    // The nonce was not burnt by the outage, and a key needs no chain.
    let mut m = world.siwe(3).await?;
    m.domain = dead.trim_start_matches("http://").into();
    m.uri = dead.clone();
    let message = m.text();
    let body = json!({ "message": message, "signature": personal_sign(3, &message)? });
    let response = world.http.post(format!("{dead}/v1/auth/verify")).json(&body).send().await?;
    assert_eq!(response.status(), 200);
    Ok(())
}

/// Serves the world's mirror with the API's RPC for its chain at `rpc`; the base URL.
async fn serve_with_rpc(world: &World, rpc: &str) -> Result<String> {
    use std::sync::Arc;

    use cointent_api::{AppState, router};
    use cointent_config::Config;
    let mut chain = world.config.clone();
    chain.rpc_urls = vec![rpc.to_string()];
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut config = Config {
        database: Default::default(),
        http: Default::default(),
        webhooks: Default::default(),
        telemetry: Default::default(),
        tls: Default::default(),
        walletconnect: Default::default(),
        chains: vec![chain],
    };
    config.http.public_url = base.clone();
    let metrics = Arc::new(cointent_ingest::Metrics::default());
    let state = AppState::new(world.pool.clone(), metrics, Arc::new(config));
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base)
}
