//! Partner shops (issue 16). Price updates: `POST /v1/listings/{chain_id}/{listing_id}/updates`
//! checks the artisan's signature (a key's or a contract wallet's) over the Shop's
//! `updateDigest` and answers the `updateFor` transaction, which a partner shop's key then
//! sends on anvil; the partner's own signature changes nothing. Webhooks: a partner's
//! `partners` hook hears the disputes, rulings and refunds of its listings' purchases (the
//! Shop test covers purchases and confirmations), and nothing of other listings.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolCall,
};
use cointent_abi::{EscrowLens, shop::Shop};
use cointent_harness::DEV_KEYS;
use eyre::{ContextCompat, Result, ensure};
use serde_json::{Value, json};

use crate::{
    api_auth::{deploy_wallet, erc6492},
    common::*,
    shop::{buy, fund_shop, listing},
    world::World,
};

const CHAIN: u64 = 42292;
/// The artisan.
const ARTISAN: usize = 1;
/// The partner shop that sells the artisan's listing and sends the updates.
const PARTNER: usize = 5;
const BUYER: usize = 3;

/// The artisan's (or whoever's) EIP-712 signature of `listing`'s update, as the Shop's
/// `updateDigest` view computes the digest.
async fn sign_update(
    w: &World,
    key: usize,
    listing: u64,
    price: u64,
    stock: u32,
    deadline: u64,
) -> Result<String> {
    let call = Shop::updateDigestCall {
        listingId: U256::from(listing),
        unitPrice: alloy::primitives::Uint::from(price),
        stock,
        deadline: U256::from(deadline),
    };
    let digest: B256 = w.view("shop", call).await?;
    let signer: PrivateKeySigner = DEV_KEYS[key].parse()?;
    Ok(alloy::hex::encode_prefixed(signer.sign_hash_sync(&digest)?.as_bytes()))
}

async fn post_update(w: &World, listing: u64, body: &Value) -> Result<(u16, Value)> {
    w.post_json(&format!("/v1/listings/{CHAIN}/{listing}/updates"), body, &[]).await
}

/// The listing's unit price and stock on chain.
async fn on_chain(w: &World, listing: u64) -> Result<(String, u64)> {
    let l = w.view("shop", Shop::listingOfCall { listingId: U256::from(listing) }).await?;
    Ok((l.unitPrice.to_string(), l.stock.to::<u64>()))
}

/// Sends the answered transaction from the partner's key.
async fn send_answer(w: &World, answer: &Value) -> Result<u64> {
    ensure!(answer["to"] == format!("{:#x}", w.address("shop")), "{answer}");
    let data: Bytes = answer["data"].as_str().context("data")?.parse()?;
    w.send_to(PARTNER, w.address("shop"), data.to_vec()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partners_price_update_needs_the_artisans_signature() -> Result<()> {
    let w = World::start(CHAIN).await?;
    let metadata = B256::repeat_byte(0x16);
    // The artisan lists 5 at 2 dUSD, sold by the partner shop; a buyer buys one.
    let l = listing(&w, ARTISAN, dev(PARTNER), 2_000_000, 5, metadata, vec![]);
    w.call(ARTISAN, "shop", Shop::listCall { listing: l }).await?;
    fund_shop(&w, BUYER, 100_000_000).await?;
    w.call(BUYER, "shop", buy(1, 1, 2_000_000)).await?;
    let order = w.view("escrow", cointent_abi::Escrow::orderCountCall {}).await?;
    let terms_hash = w.lens(EscrowLens::termsHashOfCall { orderId: order }).await?;
    w.sync().await?;
    assert_eq!(on_chain(&w, 1).await?, ("2000000".into(), 4));
    let deadline = w.now().await? + 3_600;

    // The partner's own signature: 403 naming the artisan, and nothing changes.
    let forged = sign_update(&w, PARTNER, 1, 1, 1_000, deadline).await?;
    let body = json!({"unit_price": "1", "stock": 1000, "deadline": deadline, "signature": forged});
    let (status, err) = post_update(&w, 1, &body).await?;
    assert_eq!(status, 403, "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("artisan") && message.contains(&format!("{:#x}", dev(ARTISAN))));
    // Sent anyway (built by hand), the Shop refuses it too.
    let by_hand = Shop::updateForCall {
        listingId: U256::from(1),
        unitPrice: alloy::primitives::Uint::from(1),
        stock: 1000,
        deadline: U256::from(deadline),
        signature: alloy::hex::decode(&forged)?.into(),
    };
    assert!(w.send_to(PARTNER, w.address("shop"), by_hand.abi_encode()).await.is_err());
    assert_eq!(on_chain(&w, 1).await?, ("2000000".into(), 4), "nothing changed");

    // Bad fields: 400 naming them; an unknown listing: 404.
    let good = sign_update(&w, ARTISAN, 1, 2_500_000, 9, deadline).await?;
    let now = w.now().await?;
    let expired = sign_update(&w, ARTISAN, 1, 2_500_000, 9, now - 1).await?;
    for (body, field) in [
        (
            json!({"unit_price": "2500000", "stock": 9, "deadline": now - 1, "signature": expired}),
            "deadline",
        ),
        (
            json!({"unit_price": "0", "stock": 9, "deadline": deadline, "signature": good}),
            "unit_price",
        ),
        (
            json!({"unit_price": "79228162514264337593543950336", "stock": 9, "deadline": deadline, "signature": good}),
            "unit_price",
        ),
        (
            json!({"unit_price": "0x10", "stock": 9, "deadline": deadline, "signature": good}),
            "unit_price",
        ),
        (
            json!({"unit_price": "2500000", "stock": 9, "deadline": deadline, "signature": "0xzz"}),
            "signature",
        ),
    ] {
        let (status, err) = post_update(&w, 1, &body).await?;
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some(field)), "{body}: {err}");
    }
    let body =
        json!({"unit_price": "2500000", "stock": 9, "deadline": deadline, "signature": good});
    assert_eq!(post_update(&w, 99, &body).await?.0, 404);
    // A signature of another price than the one asked: not the artisan's for this update.
    let other =
        json!({"unit_price": "2600000", "stock": 9, "deadline": deadline, "signature": good});
    assert_eq!(post_update(&w, 1, &other).await?.0, 403);

    // The artisan's signature: the answer, sent by the partner's key, changes price and stock.
    let (status, answer) = post_update(&w, 1, &body).await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["chain_id"], CHAIN);
    assert_eq!(answer["nonce"], "0");
    assert_eq!(on_chain(&w, 1).await?, ("2000000".into(), 4), "the API itself sends nothing");
    send_answer(&w, &answer).await?;
    assert_eq!(on_chain(&w, 1).await?, ("2500000".into(), 9));
    w.sync().await?;
    let (_, detail) = w.get(&format!("/v1/listings/{CHAIN}/1")).await?;
    assert_eq!((&detail["unit_price"], &detail["stock"]), (&json!("2500000"), &json!(9)));
    // The used signature is void now (the artisan's nonce moved on): the Shop would refuse.
    let (status, err) = post_update(&w, 1, &body).await?;
    assert_eq!(status, 403, "a replay: {err}");

    // The purchase made before keeps its price: its order's terms on chain are unchanged.
    assert_eq!(w.lens(EscrowLens::termsHashOfCall { orderId: order }).await?, terms_hash);
    let (_, o) = w.get(&format!("/v1/orders/{CHAIN}/{order}")).await?;
    assert_eq!(o["unit_price"], "2000000", "{o}");
    // A purchase now pays the new price.
    w.call(BUYER, "shop", buy(1, 1, 2_500_000)).await?;
    w.sync().await?;
    let (_, detail) = w.get(&format!("/v1/listings/{CHAIN}/1")).await?;
    let prices: Vec<&str> = detail["recent_purchases"]
        .as_array()
        .context("purchases")?
        .iter()
        .filter_map(|p| p["unit_price"].as_str())
        .collect();
    assert_eq!(prices, ["2500000", "2000000"], "{detail}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_wallet_artisans_update_is_accepted() -> Result<()> {
    let w = World::start(CHAIN + 1).await?;
    // The artisan is a contract wallet owned by dev 1; it lists through its own call.
    let wallet = deploy_wallet(&w, ARTISAN).await?;
    let mut l = listing(&w, ARTISAN, dev(PARTNER), 2_000_000, 5, B256::repeat_byte(1), vec![]);
    l.seller = wallet;
    let list = Shop::listCall { listing: l }.abi_encode();
    let execute = wallet::executeCall { to: w.address("shop"), data: list.into() };
    w.send_to(ARTISAN, wallet, execute.abi_encode()).await?;
    w.sync().await?;
    let (_, detail) = w.get(&format!("/v1/listings/{}/1", CHAIN + 1)).await?;
    assert_eq!(detail["seller"], format!("{wallet:#x}"));
    let deadline = w.now().await? + 3_600;
    // The owner key signs the digest; the wallet vouches for it (EIP-1271).
    let signature = sign_update(&w, ARTISAN, 1, 3_000_000, 2, deadline).await?;
    let body =
        json!({"unit_price": "3000000", "stock": 2, "deadline": deadline, "signature": signature});
    let path = format!("/v1/listings/{}/1/updates", CHAIN + 1);
    let (status, answer) = w.post_json(&path, &body, &[]).await?;
    assert_eq!(status, 200, "{answer}");
    send_answer(&w, &answer).await?;
    assert_eq!(on_chain(&w, 1).await?, ("3000000".into(), 2));
    // ERC-6492 wrapped (a wallet that signed before it was deployed): checked unwrapped, and
    // the calldata carries the inner signature, which the Shop's EIP-1271 check takes.
    let deadline = deadline + 1;
    let inner = sign_update(&w, ARTISAN, 1, 3_100_000, 3, deadline).await?;
    let wrapped = erc6492(Address::repeat_byte(0xfa), vec![1], &inner)?;
    let body =
        json!({"unit_price": "3100000", "stock": 3, "deadline": deadline, "signature": wrapped});
    let (status, answer) = w.post_json(&path, &body, &[]).await?;
    assert_eq!(status, 200, "{answer}");
    send_answer(&w, &answer).await?;
    assert_eq!(on_chain(&w, 1).await?, ("3100000".into(), 3));
    // Another key's signature for the wallet: 403.
    let deadline = deadline + 1;
    let signature = sign_update(&w, 2, 1, 4_000_000, 2, deadline).await?;
    let body =
        json!({"unit_price": "4000000", "stock": 2, "deadline": deadline, "signature": signature});
    assert_eq!(w.post_json(&path, &body, &[]).await?.0, 403);
    assert_eq!(on_chain(&w, 1).await?, ("3100000".into(), 3));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_checks_are_limited_per_client() -> Result<()> {
    let w = World::start_with(CHAIN + 3, |c| c.http.nonce_rate_limit_per_min = 2).await?;
    crate::api_auth::avoid_minute_boundary().await?;
    let deadline = w.now().await? + 3_600;
    let body = json!({"unit_price": "1", "stock": 1, "deadline": deadline, "signature": "0x01"});
    let path = format!("/v1/listings/{}/7/updates", CHAIN + 3);
    for _ in 0..2 {
        assert_eq!(w.post_json(&path, &body, &[]).await?.0, 404);
    }
    let response = w.http.post(w.url(&path)).json(&body).send().await?;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    // Sign-in nonces are counted apart.
    assert_eq!(w.post_json("/v1/auth/nonce", &json!({}), &[]).await?.0, 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partners_webhook_hears_disputes_rulings_and_refunds_of_its_listings() -> Result<()> {
    use cointent_abi::Escrow;

    use crate::api_webhooks::{Receiver, key, local, local_world, register, scanned, worker};
    const ARBITER: usize = 9;
    let chain = CHAIN + 2;
    let w = local_world(chain, |_| {}).await?;
    let key = key(&w).await?;
    let events = [
        "listing.purchased",
        "milestone.approved",
        "order.disputed",
        "dispute.ruled",
        "order.refunded",
    ];
    let (receiver, url) = Receiver::start().await?;
    register(
        &w,
        &key,
        json!({"url": url, "events": events, "partners": [format!("{:#x}", dev(PARTNER))]}),
    )
    .await?;
    let (other, other_url) = Receiver::start().await?;
    register(
        &w,
        &key,
        json!({"url": other_url, "events": events, "partners": [format!("{:#x}", dev(4))]}),
    )
    .await?;
    let _worker = worker(&w, local());

    // Listing 1 is sold by the partner shop, listing 2 by the artisan alone; one purchase each.
    let sold_by_partner =
        listing(&w, ARTISAN, dev(PARTNER), 2_000_000, 5, B256::repeat_byte(1), vec![]);
    let own = listing(
        &w,
        ARTISAN,
        alloy::primitives::Address::ZERO,
        2_000_000,
        5,
        B256::repeat_byte(2),
        vec![],
    );
    w.call(ARTISAN, "shop", Shop::listCall { listing: sold_by_partner }).await?;
    w.call(ARTISAN, "shop", Shop::listCall { listing: own }).await?;
    fund_shop(&w, BUYER, 100_000_000).await?;
    // The dispute bond is taken by the Escrow.
    w.fund(BUYER, 100_000_000).await?;
    let mut orders = vec![];
    for id in [1, 2] {
        w.call(BUYER, "shop", buy(id, 1, 2_000_000)).await?;
        orders.push(w.view("escrow", Escrow::orderCountCall {}).await?);
    }
    w.sync().await?;
    // Each is delivered, disputed by the buyer, ended by the arbiter's ruling (nothing
    // released) and refunded to the buyer.
    for order in &orders {
        let (_, o) = w.get(&format!("/v1/orders/{chain}/{order}")).await?;
        let terms: Bytes = o["proof"]["terms_packed"].as_str().context("terms")?.parse()?;
        let (id, t) = (*order, terms.clone());
        let deliver = Escrow::deliverMilestoneCall {
            orderId: id,
            terms: t.clone(),
            proofHash: B256::repeat_byte(9),
        };
        w.call(ARTISAN, "escrow", deliver).await?;
        let dispute =
            Escrow::disputeCall { orderId: id, terms: t.clone(), reason: "Colours run.".into() };
        w.call(BUYER, "escrow", dispute).await?;
        let rule = Escrow::ruleCall {
            orderId: id,
            terms: t.clone(),
            releaseAmount: U256::ZERO,
            endOrder: true,
        };
        w.call(ARBITER, "escrow", rule).await?;
        let refund =
            Escrow::refundCall { orderId: id, terms: t, backer: dev(BUYER), to: dev(BUYER) };
        w.call(BUYER, "escrow", refund).await?;
    }
    w.mine(3).await?;
    scanned(&w).await?;
    let got = receiver.wait_for(4).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut seen: Vec<(String, String)> = receiver
        .got()
        .iter()
        .map(|r| {
            let b = r.json();
            (b["type"].as_str().unwrap_or("").into(), b["order_id"].as_str().unwrap_or("").into())
        })
        .collect();
    seen.sort();
    let mine = orders[0].to_string();
    let want: Vec<(String, String)> =
        ["dispute.ruled", "listing.purchased", "order.disputed", "order.refunded"]
            .iter()
            .map(|t| (t.to_string(), mine.clone()))
            .collect();
    assert_eq!(seen, want, "the partner's webhook, and nothing of the artisan's own listing");
    let refunded = got.iter().map(|r| r.json()).find(|b| b["type"] == "order.refunded");
    let refunded = refunded.context("refunded")?;
    assert_eq!(refunded["data"]["backer"], format!("{:#x}", dev(BUYER)), "{refunded}");
    assert_eq!(refunded["data"]["amount"], "2000000", "the whole price back: {refunded}");
    assert!(other.got().is_empty(), "another shop's webhook: {:?}", other.got());
    Ok(())
}

/// `ContractWallet` (contracts/test/utils): its owner makes it call the Shop.
mod wallet {
    alloy::sol! {
        function execute(address to, bytes data) external returns (bytes);
    }
}
