//! The Shop (issue 16) end to end, on a real deployment (anvil, the real deploy script, the
//! mirror filled live, the router served): two artisans list products (one through a partner
//! shop, with the artisan's EIP-712 signature), buyers buy one listing, then a cart of two in
//! one transaction, two buyers race for the last unit, and the seller changes a price. After
//! each step every figure the API shows (price, stock, sold, purchases) is checked against
//! the Shop's own `listingOf`; each purchase's order against the listing's template; the
//! partner shop's webhook receives its listings' purchases and their confirmations and
//! nothing else; and the mirror equals a fresh re-index. A second test takes a purchase
//! back with a reorg.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, Uint},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolCall,
};
use cointent_abi::{
    DemoStablecoin, Escrow,
    shop::{
        IEscrow::{Milestone, Split},
        IShop::{Item, Listing},
        Shop,
    },
};
use cointent_domain::{Amount, Terms, listings::purchase_terms};
use cointent_harness::DEV_KEYS;
use eyre::{ContextCompat, Result, ensure};
use serde_json::{Value, json};

use crate::{
    api_webhooks::{Receiver, key, local, local_world, register, scanned, worker},
    common::*,
    world::World,
};

const CHAIN: u64 = 42561;
/// Rehana (Ajrakh, Kutch) sells directly.
const REHANA: usize = 1;
/// Shivanna (Channapatna toys) sells directly and through Haat & Loom.
const SHIVANNA: usize = 2;
/// Haat & Loom, the partner shop.
const HAAT: usize = 5;
/// Arbitrates every purchase.
const ARBITER: usize = 9;

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

/// A listing of `seller`'s paid in the demo stablecoin, one milestone to deliver within a
/// week, a day to review and to rule.
pub(crate) fn listing(
    w: &World,
    seller: usize,
    partner: Address,
    price: u64,
    stock: u32,
    metadata: B256,
    splits: Vec<Split>,
) -> Listing {
    Listing {
        seller: dev(seller),
        partner,
        token: w.address("stablecoin"),
        unitPrice: Uint::from(price),
        stock,
        reviewPeriod: DAY as u32,
        rulingPeriod: DAY as u32,
        promoterBps: 500,
        bondBps: 500,
        arbiter: dev(ARBITER),
        metadataHash: metadata,
        milestones: vec![Milestone { bps: 10_000, deliveryPeriod: 7 * DAY as u32 }],
        splits,
    }
}

/// Mints `amount` to `buyer` and lets the shop take it.
pub(crate) async fn fund_shop(w: &World, buyer: usize, amount: u64) -> Result<()> {
    w.chain.mint(buyer, amount).await?;
    let approve = DemoStablecoin::approveCall { spender: w.address("shop"), value: U256::MAX };
    w.chain.send(buyer, approve.abi_encode()).await?;
    Ok(())
}

pub(crate) fn buy(listing: u64, units: u32, max_price: u64) -> Shop::buyCall {
    Shop::buyCall {
        listingId: U256::from(listing),
        units,
        promoter: Address::ZERO,
        maxUnitPrice: U256::from(max_price),
    }
}

/// The Escrow's newest order id.
async fn last_order(w: &World) -> Result<u64> {
    Ok(w.view("escrow", Escrow::orderCountCall {}).await?.to::<u64>())
}

/// What the API says of listing `id`, checked against the Shop's `listingOf` and against
/// what the test counted (`sold` units in `purchases` purchases); the detail.
async fn agrees_with_chain(w: &World, id: u64, sold: u64, purchases: u64) -> Result<Value> {
    let on_chain = w.view("shop", Shop::listingOfCall { listingId: U256::from(id) }).await?;
    let (status, d) = w.get(&format!("/v1/listings/{CHAIN}/{id}")).await?;
    ensure!(status == 200, "listing {id}: {status} {d}");
    let partner = (!on_chain.partner.is_zero()).then(|| hex(on_chain.partner));
    let stock = on_chain.stock.to::<u64>();
    let want = json!({
        "chain_id": CHAIN, "listing_id": id.to_string(), "seller": hex(on_chain.seller),
        "partner": partner, "token": hex(on_chain.token), "token_symbol": "dUSD",
        "token_decimals": 6, "unit_price": on_chain.unitPrice.to_string(), "stock": stock,
        "sold_out": stock == 0, "sold": sold, "purchases": purchases,
    });
    for (field, value) in want.as_object().context("object")? {
        ensure!(
            &d[field] == value,
            "listing {id}: {field} is {} on the API, {value} on chain",
            d[field]
        );
    }
    let recent = d["recent_purchases"].as_array().context("recent_purchases")?;
    let units: u64 = recent.iter().map(|p| p["units"].as_u64().unwrap_or(0)).sum();
    ensure!(recent.len() as u64 == purchases && units == sold, "listing {id}: {recent:?}");
    // The list shows the same figures as the detail.
    let (_, page) = w.get(&format!("/v1/listings?chain_id={CHAIN}")).await?;
    let item = page["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["listing_id"].as_str() == Some(&id.to_string())))
        .context("listed")?;
    for field in ["unit_price", "stock", "sold", "purchases", "sold_out", "title"] {
        ensure!(item[field] == d[field], "listing {id}: {field} in the list {}", item[field]);
    }
    Ok(d)
}

/// Order `order` as the API shows it: a sale of `units` to `buyer` at `price`, whose terms are
/// listing `listing`'s template filled in as the Shop does.
async fn is_purchase(
    w: &World,
    order: u64,
    listing: &Value,
    buyer: usize,
    units: u32,
    price: u64,
) -> Result<Value> {
    let (status, o) = w.get(&format!("/v1/orders/{CHAIN}/{order}")).await?;
    ensure!(status == 200, "order {order}: {status} {o}");
    let want = json!({
        "kind": "sale", "status": "Active", "units_pledged": units,
        "unit_price": price.to_string(), "funded": (price * u64::from(units)).to_string(),
        "creator": hex(w.address("shop")), "seller": listing["seller"],
    });
    for (field, value) in want.as_object().context("object")? {
        ensure!(&o[field] == value, "order {order}: {field} is {}, not {value}", o[field]);
    }
    let packed: Bytes =
        listing["terms"]["template_packed"].as_str().context("template")?.parse()?;
    let template = Terms::unpack(&packed)?;
    let terms: Terms = serde_json::from_value(o["terms"].clone())?;
    ensure!(Some(u64::from(terms.fee_bps)) == listing["terms"]["fee_bps"].as_u64());
    let expected = purchase_terms(
        &template,
        Amount::from(price),
        dev(buyer),
        units,
        terms.funding_deadline_unix,
        terms.fee_bps,
    );
    ensure!(terms == expected, "order {order}: terms {terms:?}\nnot the template's {expected:?}");
    Ok(o)
}

/// The listing ids of a list answer, in order.
async fn ids(w: &World, query: &str) -> Result<Vec<String>> {
    let (status, page) = w.get(&format!("/v1/listings?chain_id={CHAIN}&{query}")).await?;
    ensure!(status == 200, "{query}: {status} {page}");
    Ok(page["items"]
        .as_array()
        .context("items")?
        .iter()
        .filter_map(|i| i["listing_id"].as_str().map(str::to_string))
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_carts_and_the_last_unit_agree_with_the_chain() -> Result<()> {
    let w = local_world(CHAIN, |_| {}).await?;
    let shop = w.address("shop");

    // The partner shop's webhook, and another shop's: only the first hears of its listings.
    let key = key(&w).await?;
    let events = ["listing.purchased", "milestone.approved", "milestone.released"];
    let zero =
        json!({"url": "http://127.0.0.1:9/x", "events": events, "partners": [hex(Address::ZERO)]});
    let (status, err) = w.post_json("/v1/webhooks", &zero, &[("x-api-key", &key)]).await?;
    ensure!((status, err["error"]["field"].as_str()) == (400, Some("partners")), "{err}");
    let (receiver, url) = Receiver::start().await?;
    let mixed_case = dev(HAAT).to_checksum(None);
    let hook =
        register(&w, &key, json!({"url": url, "events": events, "partners": [mixed_case]})).await?;
    ensure!(hook["partners"] == json!([hex(dev(HAAT))]), "{hook}");
    let (other, other_url) = Receiver::start().await?;
    register(&w, &key, json!({"url": other_url, "events": events, "partners": [hex(dev(4))]}))
        .await?;
    let _worker = worker(&w, local());
    scanned(&w).await?;

    // Two artisans' documents: Rehana's stole, Shivanna's top sold with Haat & Loom.
    let stole = w
        .insert_metadata(
            REHANA,
            &json!({
                "schema": "cointent.metadata/1", "kind": "sale", "title": "Ajrakh stole",
                "category": "textiles", "images": ["https://img.example/stole.jpg"],
                "product": {"name": "Ajrakh stole"},
                "artisan": {"address": hex(dev(REHANA)), "name": "Rehana Khatri",
                            "region": "Kutch, Gujarat", "craft": "Ajrakh block printing"}
            }),
        )
        .await?;
    let top = w
        .insert_metadata(SHIVANNA, &json!({
            "schema": "cointent.metadata/1", "kind": "sale", "title": "Spinning top",
            "category": "toys", "product": {"name": "Spinning top"},
            "artisan": {"address": hex(dev(SHIVANNA)), "name": "Shivanna Gowda",
                        "region": "Channapatna, Karnataka", "craft": "Channapatna lacquer toys"},
            "partner": {"address": hex(dev(HAAT)), "name": "Haat & Loom", "city": "New Delhi"}
        }))
        .await?;

    // 1. Listings: Rehana lists her stole (1); Haat & Loom submits Shivanna's top with her
    // signature (2), 10 % of each sale to the shop; Shivanna lists the top herself too (3).
    let a = listing(&w, REHANA, Address::ZERO, 2_000_000, 5, stole, vec![]);
    w.call(REHANA, "shop", Shop::listCall { listing: a }).await?;
    let to_haat = vec![Split { recipient: dev(HAAT), bps: 1_000 }];
    let b = listing(&w, SHIVANNA, dev(HAAT), 3_000_000, 3, top, to_haat);
    let deadline = U256::from(w.now().await? + 3_600);
    let digest = w.view("shop", Shop::listingDigestCall { listing: b.clone(), deadline }).await?;
    let signer: PrivateKeySigner = DEV_KEYS[SHIVANNA].parse()?;
    let signature = Bytes::from(signer.sign_hash_sync(&digest)?.as_bytes().to_vec());
    // Haat & Loom's own key changes nothing without hers: a forged signature is refused.
    let forged: PrivateKeySigner = DEV_KEYS[HAAT].parse()?;
    let forged = Bytes::from(forged.sign_hash_sync(&digest)?.as_bytes().to_vec());
    let refused =
        Shop::listForCall { listing: b.clone(), deadline, signature: forged }.abi_encode();
    ensure!(w.send_to(HAAT, shop, refused).await.is_err(), "a partner alone cannot list");
    w.call(HAAT, "shop", Shop::listForCall { listing: b, deadline, signature }).await?;
    let c = listing(&w, SHIVANNA, Address::ZERO, 3_200_000, 1, top, vec![]);
    w.call(SHIVANNA, "shop", Shop::listCall { listing: c }).await?;
    w.sync().await?;
    ensure!(w.view("shop", Shop::listingCountCall {}).await? == U256::from(3));
    let one = agrees_with_chain(&w, 1, 0, 0).await?;
    ensure!(one["title"] == "Ajrakh stole" && one["image"] == "https://img.example/stole.jpg");
    ensure!(one["region"] == "Kutch, Gujarat" && one["terms"]["promoter_bps"] == 500, "{one}");
    // No order yet on this chain and no FeeBpsSet since deployment: the fee a purchase would
    // pay is not known to the mirror yet, and said so.
    ensure!(one["terms"]["fee_bps"].is_null() && one["price_breakdown"].is_null(), "{one}");
    let two = agrees_with_chain(&w, 2, 0, 0).await?;
    ensure!(two["terms"]["splits"] == json!([{"bps": 1000, "recipient": hex(dev(HAAT))}]));
    ensure!(two["terms"]["review_period"] == DAY && two["listed_tx"].is_string(), "{two}");
    // The partners offering the top: Haat & Loom (named by Shivanna's document) and her own.
    let offers = json!([
        {"listing_id": "2", "partner": hex(dev(HAAT)), "partner_name": "Haat & Loom",
         "unit_price": "3000000", "stock": 3},
        {"listing_id": "3", "partner": null, "partner_name": null, "unit_price": "3200000",
         "stock": 1},
    ]);
    ensure!(two["offers"] == offers, "{}", two["offers"]);
    agrees_with_chain(&w, 3, 0, 0).await?;

    // Products by artisan, partner, category, region and craft; search; pages.
    ensure!(ids(&w, "").await? == ["3", "2", "1"], "newest first");
    ensure!(ids(&w, &format!("seller={}", hex(dev(REHANA)))).await? == ["1"]);
    ensure!(ids(&w, &format!("partner={}", hex(dev(HAAT)))).await? == ["2"]);
    ensure!(ids(&w, &format!("token={}", hex(w.address("stablecoin")))).await?.len() == 3);
    ensure!(ids(&w, "category=toys").await? == ["3", "2"]);
    ensure!(ids(&w, "region=Kutch%2C%20Gujarat").await? == ["1"]);
    ensure!(ids(&w, "craft=Channapatna%20lacquer%20toys").await? == ["3", "2"]);
    ensure!(ids(&w, "q=ajrakh").await? == ["1"] && ids(&w, "q=spinning").await? == ["3", "2"]);
    let (_, first) = w.get(&format!("/v1/listings?chain_id={CHAIN}&limit=2")).await?;
    let cursor = first["next_cursor"].as_str().context("a second page")?;
    ensure!(ids(&w, &format!("limit=2&cursor={cursor}")).await? == ["1"]);
    let (status, bad) = w.get("/v1/listings?in_stock=maybe").await?;
    ensure!(status == 400, "{bad}");
    // The catalogue knows the artisans and the shop by their listings alone (Shivanna's own
    // listing of the top does not name Haat & Loom: not on its profile).
    let (_, artisans) = w.get("/v1/artisans?region=Kutch%2C%20Gujarat").await?;
    ensure!(artisans["items"][0]["address"] == hex(dev(REHANA)), "{artisans}");
    ensure!(
        (artisans["items"][0]["orders"].as_u64(), artisans["items"][0]["listings"].as_u64())
            == (Some(0), Some(1))
    );
    let (status, haat) = w.get(&format!("/v1/partners/{}", hex(dev(HAAT)))).await?;
    ensure!(status == 200 && haat["name"] == "Haat & Loom" && haat["listings"] == 1, "{haat}");
    // The craft browser counts listings; a product's QR code opens its page, where a phone
    // that scanned it can buy.
    let (_, facets) = w.get(&format!("/v1/catalogue/facets?chain_id={CHAIN}")).await?;
    let toys = facets["crafts"]
        .as_array()
        .and_then(|c| c.iter().find(|f| f["value"] == "Channapatna lacquer toys"))
        .context("the toys' craft")?;
    ensure!(toys["listings"] == 2 && toys["orders"] == 0, "{facets}");
    let qr = w.http.get(w.url(&format!("/v1/qr/listings/{CHAIN}/1"))).send().await?;
    ensure!(qr.status() == 200 && qr.headers()["content-type"] == "image/svg+xml");
    let svg = qr.text().await?;
    ensure!(svg.contains(&format!("<title>{}/products/{CHAIN}/1</title>", w.base)), "{svg}");
    let png = w.http.get(w.url(&format!("/v1/qr/listings/{CHAIN}/1?format=png"))).send().await?;
    ensure!(png.bytes().await?.starts_with(b"\x89PNG"));
    for (path, status) in [("99", 404), ("1x", 400), ("1?ref=0x00", 400)] {
        let r = w.http.get(w.url(&format!("/v1/qr/listings/{CHAIN}/{path}"))).send().await?;
        ensure!(r.status() == status, "{path}: {}", r.status());
    }

    // 2. Priya buys two stoles.
    let priya = 6;
    fund_shop(&w, priya, 100_000_000).await?;
    w.call(priya, "shop", buy(1, 2, 2_000_000)).await?;
    w.sync().await?;
    let first_order = last_order(&w).await?;
    let one = agrees_with_chain(&w, 1, 2, 1).await?;
    ensure!(one["recent_purchases"][0]["order_id"].as_str() == Some(&first_order.to_string()));
    ensure!(one["recent_purchases"][0]["amount"] == "4000000");
    let before = is_purchase(&w, first_order, &one, priya, 2, 2_000_000).await?;
    // One unit's price: 1 % fee, 5 % of the rest to a promoter when there is one.
    let unit = &one["price_breakdown"];
    ensure!(unit["per_unit_direct"]["platform_fee"] == "20000", "{unit}");
    ensure!(unit["per_unit_direct"]["seller_amount"] == "1980000", "{unit}");
    ensure!(unit["per_unit"]["promoter_pool"] == "99000", "{unit}");
    let (_, mine) = w.get(&format!("/v1/accounts/{}/orders?role=buyer", hex(dev(priya)))).await?;
    ensure!(mine["items"][0]["order_id"].as_str() == Some(&first_order.to_string()), "{mine}");

    // 3. Daniel buys a cart: a stole and two tops through Haat & Loom, in one transaction.
    let daniel = 7;
    fund_shop(&w, daniel, 100_000_000).await?;
    let item = |listing: u64, units: u32, max: u64| Item {
        listingId: U256::from(listing),
        units,
        promoter: Address::ZERO,
        maxUnitPrice: U256::from(max),
    };
    let cart = Shop::buyCartCall { items: vec![item(1, 1, 2_000_000), item(2, 2, 3_000_000)] };
    w.call(daniel, "shop", cart).await?;
    w.sync().await?;
    let top_order = last_order(&w).await?;
    let one = agrees_with_chain(&w, 1, 3, 2).await?;
    let two = agrees_with_chain(&w, 2, 2, 1).await?;
    ensure!(one["recent_purchases"][0]["tx_hash"] == two["recent_purchases"][0]["tx_hash"]);
    is_purchase(&w, top_order - 1, &one, daniel, 1, 2_000_000).await?;
    let o = is_purchase(&w, top_order, &two, daniel, 2, 3_000_000).await?;
    ensure!(o["terms"]["splits"] == two["terms"]["splits"]);

    // 4. Two buyers race for the last top of Haat & Loom's listing, in one block: one gets
    // it, the other's purchase reverts.
    for racer in [3, 8] {
        fund_shop(&w, racer, 10_000_000).await?;
    }
    let p = &w.chain.provider;
    let _: Value = p.raw_request("evm_setAutomine".into(), (false,)).await?;
    let mut sent = Vec::new();
    for racer in [3, 8] {
        let tx = TransactionRequest::default()
            .with_from(dev(racer))
            .with_to(shop)
            .with_input(buy(2, 1, 3_000_000).abi_encode())
            .with_gas_limit(2_000_000);
        sent.push((racer, *p.send_transaction(tx).await?.tx_hash()));
    }
    let _: Value = p.raw_request("evm_mine".into(), ()).await?;
    let _: Value = p.raw_request("evm_setAutomine".into(), (true,)).await?;
    let mut winners = Vec::new();
    for (racer, hash) in &sent {
        let receipt = p.get_transaction_receipt(*hash).await?.context("mined")?;
        if receipt.status() {
            winners.push(*racer);
        }
    }
    ensure!(winners.len() == 1, "exactly one buyer gets the last unit: {winners:?}");
    w.sync().await?;
    let race_order = last_order(&w).await?;
    let two = agrees_with_chain(&w, 2, 3, 2).await?;
    ensure!(two["stock"] == 0 && two["sold_out"] == true, "{two}");
    ensure!(two["recent_purchases"][0]["buyer"] == hex(dev(winners[0])));
    is_purchase(&w, race_order, &two, winners[0], 1, 3_000_000).await?;
    ensure!(ids(&w, "in_stock=true").await? == ["3", "1"], "sold out: not in stock");
    let loser = if winners[0] == 3 { 8 } else { 3 };
    ensure!(w.send_to(loser, shop, buy(2, 1, 3_000_000).abi_encode()).await.is_err());

    // 5. Rehana raises the stole's price and restocks: the earlier purchases keep theirs.
    w.call(
        REHANA,
        "shop",
        Shop::updateCall {
            listingId: U256::from(1),
            unitPrice: Uint::from(2_500_000_u64),
            stock: 10,
        },
    )
    .await?;
    w.sync().await?;
    let one = agrees_with_chain(&w, 1, 3, 2).await?;
    ensure!(one["unit_price"] == "2500000" && one["stock"] == 10, "{one}");
    let (_, after) = w.get(&format!("/v1/orders/{CHAIN}/{first_order}")).await?;
    for field in ["unit_price", "funded", "terms", "terms_hash", "units_pledged"] {
        ensure!(after[field] == before[field], "order {first_order}: {field} changed");
    }
    ensure!(w.send_to(priya, shop, buy(1, 1, 2_000_000).abi_encode()).await.is_err());

    // 6. The race winner's top is delivered and confirmed: its order's events reach the
    // partner shop too.
    let winner = winners[0];
    let (_, o) = w.get(&format!("/v1/orders/{CHAIN}/{race_order}")).await?;
    let terms: Bytes = o["proof"]["terms_packed"].as_str().context("terms")?.parse()?;
    let id = U256::from(race_order);
    let deliver = Escrow::deliverMilestoneCall {
        orderId: id,
        terms: terms.clone(),
        proofHash: B256::repeat_byte(1),
    };
    w.call(SHIVANNA, "escrow", deliver).await?;
    w.call(winner, "escrow", Escrow::approveMilestoneCall { orderId: id, terms }).await?;
    w.mine(3).await?;
    scanned(&w).await?;
    let got = receiver.wait_for(4).await?;
    // Each delivery is posted on its own: they may arrive in any order.
    let mut seen: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            let b = r.json();
            (b["type"].as_str().unwrap_or("").into(), b["order_id"].as_str().unwrap_or("").into())
        })
        .collect();
    seen.sort();
    let (cart_top, race) = (top_order.to_string(), race_order.to_string());
    let mut want = [
        ("listing.purchased", &cart_top),
        ("listing.purchased", &race),
        ("milestone.approved", &race),
        ("milestone.released", &race),
    ]
    .map(|(t, o)| (t.to_string(), o.clone()));
    want.sort();
    ensure!(seen == want, "the partner's webhook got {seen:?}");
    let cart = got.iter().map(|r| r.json()).find(|b| b["order_id"] == cart_top.as_str());
    let cart = cart.context("the cart's purchase")?;
    ensure!(cart["data"]["listingId"] == "2" && cart["data"]["units"] == "2", "{cart}");
    ensure!(cart["data"]["buyer"] == hex(dev(daniel)), "{cart}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    ensure!(receiver.got().len() == 4, "nothing else: {:?}", receiver.got());
    ensure!(other.got().is_empty(), "another shop's webhook: {:?}", other.got());

    // The live mirror, listings and purchases included, equals a fresh re-index.
    let fresh = fresh_index(&w.chain, w.config.clone()).await?;
    let (live, again) = (snapshot(&w.pool, CHAIN).await?, snapshot(&fresh, CHAIN).await?);
    // Priya's stoles, the cart's two items and the race's winner.
    let counts = (live["listings"].len(), live["purchases"].len());
    ensure!(counts == (3, 4), "listings and purchases mirrored: {counts:?}");
    ensure!(live == again, "live mirror vs fresh re-index");

    // Listings without a document describe no product: none is offered as another's.
    for price in [1_000_000, 1_100_000] {
        let bare = listing(&w, REHANA, Address::ZERO, price, 1, B256::ZERO, vec![]);
        w.call(REHANA, "shop", Shop::listCall { listing: bare }).await?;
    }
    w.sync().await?;
    let (_, bare) = w.get(&format!("/v1/listings/{CHAIN}/5")).await?;
    ensure!(bare["offers"].as_array().map(Vec::len) == Some(1), "{}", bare["offers"]);
    ensure!(bare["offers"][0]["listing_id"] == "5", "{}", bare["offers"]);
    Ok(())
}

/// A purchase taken back by a reorg: the listing's stock comes back, the purchase and its
/// order go, in the API (its cache included) and in the mirror, which equals a fresh
/// re-index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorged_purchase_gives_the_stock_back() -> Result<()> {
    const REORG_CHAIN: u64 = 42562;
    let w = World::start(REORG_CHAIN).await?;
    let a = listing(&w, REHANA, Address::ZERO, 2_000_000, 5, B256::repeat_byte(3), vec![]);
    w.call(REHANA, "shop", Shop::listCall { listing: a }).await?;
    fund_shop(&w, 6, 10_000_000).await?;
    w.call(6, "shop", buy(1, 2, 2_000_000)).await?;
    w.sync().await?;
    let path = format!("/v1/listings/{REORG_CHAIN}/1");
    let (_, d) = w.get(&path).await?;
    ensure!((d["stock"].as_u64(), d["sold"].as_u64()) == (Some(3), Some(2)), "{d}");
    ensure!(w.get(&format!("/v1/orders/{REORG_CHAIN}/1")).await?.0 == 200);

    // The purchase's block is replaced by an empty one.
    reorg(&w.chain.provider, 1, &[]).await?;
    w.mine(1).await?;
    w.sync().await?;
    let (_, d) = w.get(&path).await?;
    let figures = (d["stock"].as_u64(), d["sold"].as_u64(), d["purchases"].as_u64());
    ensure!(figures == (Some(5), Some(0), Some(0)), "{d}");
    ensure!(d["recent_purchases"] == json!([]) && d["sold_out"] == false, "{d}");
    ensure!(w.get(&format!("/v1/orders/{REORG_CHAIN}/1")).await?.0 == 404, "the order went too");
    let on_chain = w.view("shop", Shop::listingOfCall { listingId: U256::ONE }).await?;
    ensure!(on_chain.stock == U256::from(5));

    let fresh = fresh_index(&w.chain, w.config.clone()).await?;
    let (live, again) =
        (snapshot(&w.pool, REORG_CHAIN).await?, snapshot(&fresh, REORG_CHAIN).await?);
    let counts = (live["listings"].len(), live["purchases"].len());
    ensure!(counts == (1, 0), "listings and purchases mirrored: {counts:?}");
    ensure!(live == again, "live mirror vs fresh re-index");
    Ok(())
}
