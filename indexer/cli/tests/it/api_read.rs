//! The read side of the `/v1` API against a real deployment: orders of the three kinds with
//! their metadata, driven through the Escrow, mirrored live and read back through HTTP, and
//! checked against the contracts' own views.

use std::{collections::BTreeSet, time::Duration};

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    sol_types::SolCall,
};
use cointent_abi::{
    CointentGovernor, DemoStablecoin, Escrow, EscrowLens,
    IEscrow::{Split, Terms},
    ITreasury, Token, Treasury,
};
use cointent_domain::{MilestoneState, payout::OrderFigures, time::parse_unix};
use eyre::{ContextCompat, Result};
use serde_json::{Value, json};

use crate::{common::*, world::World};

const ZERO: Address = Address::ZERO;

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

fn terms(seller: usize, token: Address, deadline: u64) -> Terms {
    Terms {
        seller: dev(seller),
        token,
        unitPrice: alloy::primitives::Uint::from(10_000_000_u64),
        minUnits: 1,
        maxUnits: 10,
        fundingDeadline: alloy::primitives::Uint::from(deadline),
        reviewPeriod: DAY as u32,
        rulingPeriod: DAY as u32,
        promoterBps: 0,
        feeBps: 100,
        bondBps: 500,
        soleBuyer: ZERO,
        arbiter: dev(6),
        metadataHash: B256::ZERO,
        milestones: milestones(&[10_000]),
        splits: vec![],
    }
}

/// Creates an order from its seller and returns its id.
async fn create(w: &World, t: &Terms) -> Result<U256> {
    let seller = (0..10).find(|i| dev(*i) == t.seller).context("seller is a dev account")?;
    w.call(seller, "escrow", Escrow::createOrderCall { terms: pack(t) }).await?;
    w.view("escrow", Escrow::orderCountCall {}).await
}

async fn pledge(
    w: &World,
    backer: usize,
    id: U256,
    t: &Terms,
    units: u64,
    promoter: Address,
) -> Result<()> {
    let call =
        Escrow::pledgeCall { orderId: id, terms: pack(t), units: U256::from(units), promoter };
    w.call(backer, "escrow", call).await?;
    Ok(())
}

/// The Escrow's records of an order, through the lens, as the API's `figures`.
async fn figures(w: &World, id: U256) -> Result<OrderFigures> {
    let state = w.lens(EscrowLens::orderStateCall { orderId: id }).await?;
    let aux = w.lens(EscrowLens::orderAuxCall { orderId: id }).await?;
    let pool = w.lens(EscrowLens::promoterPoolOfCall { orderId: id }).await?;
    Ok(OrderFigures::try_from((&state, &aux, &pool))?)
}

/// Compares an order detail with the chain: the figures with the lens's records, the
/// released amount, each milestone's amount, each pledge's refundable amount and each
/// promotion's claimable commission with the lens's views.
async fn same_as_lens(w: &World, id: U256, t: &Terms, d: &Value) -> Result<()> {
    let p = pack(t);
    let api: OrderFigures = serde_json::from_value(d["figures"].clone())?;
    assert_eq!(api, figures(w, id).await?, "figures of order {id}");
    let released = w.lens(EscrowLens::releasedOfCall { orderId: id, terms: p.clone() }).await?;
    assert_eq!(U256::from(n(&d["released"])), released, "released of order {id}");
    for (i, m) in d["milestones"].as_array().context("milestones")?.iter().enumerate() {
        let call =
            EscrowLens::milestoneAmountCall { orderId: id, terms: p.clone(), index: U256::from(i) };
        assert_eq!(U256::from(n(&m["amount"])), w.lens(call).await?, "{i}");
    }
    for pledge in d["pledges"].as_array().context("pledges")? {
        let backer: Address = pledge["backer"].as_str().context("backer")?.parse()?;
        let call = EscrowLens::refundableCall { orderId: id, terms: p.clone(), backer };
        let refundable = w.lens(call).await?;
        assert_eq!(U256::from(n(&pledge["refundable"])), refundable, "refundable of {backer}");
        let weight = EscrowLens::weightOfCall { orderId: id, terms: p.clone(), account: backer };
        let weighs = !w.lens(weight).await?.is_zero();
        assert_eq!(pledge["weighted"].as_bool(), Some(weighs), "weight of {backer}");
    }
    // While the order runs: the current phase's deadline, and what a dispute would cost.
    if d["status"] == "Active" {
        let deadline = w.lens(EscrowLens::deadlineOfCall { orderId: id, terms: p.clone() }).await?;
        let phases: Vec<&str> = ["deliver_by", "review_ends_at", "ruling_ends_at"]
            .iter()
            .filter_map(|k| d[*k].as_str())
            .collect();
        assert_eq!(phases.len(), 1, "one deadline at a time: {d}");
        assert_eq!(U256::from(parse_unix(phases[0])?), deadline, "deadline of order {id}");
        let bond = w.lens(EscrowLens::disputeBondCall { orderId: id, terms: p.clone() }).await?;
        match api.milestone_state {
            MilestoneState::Disputed => assert_eq!(d["dispute_bond"], Value::Null),
            _ => assert_eq!(U256::from(n(&d["dispute_bond"])), bond, "bond of order {id}"),
        }
    }
    for promotion in d["promotions"].as_array().context("promotions")? {
        let promoter: Address = promotion["promoter"].as_str().context("promoter")?.parse()?;
        let call = EscrowLens::commissionClaimableCall { orderId: id, terms: p.clone(), promoter };
        let claimable = w.lens(call).await?;
        assert_eq!(U256::from(n(&promotion["commission_claimable"])), claimable, "{promoter}");
    }
    Ok(())
}

/// A decimal string field as u128.
fn n(v: &Value) -> u128 {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).parse().expect("decimal")
}

/// The ids of a page of order summaries.
fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["order_id"].as_str().expect("order_id").to_string())
        .collect()
}

/// Asserts a 400 naming `field`.
async fn bad(w: &World, path: &str, field: &str) -> Result<()> {
    let (status, body) = w.get(path).await?;
    assert_eq!(status, 400, "{path}: {body}");
    assert_eq!(body["error"]["field"], field, "{path}: {body}");
    Ok(())
}

/// Every page of a list, following `next_cursor`.
async fn all_pages(w: &World, path: &str, limit: u32) -> Result<Vec<Value>> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let (status, body) = w.get(&url).await?;
        assert_eq!(status, 200, "{url}: {body}");
        let items = body["items"].as_array().expect("items");
        assert!(items.len() <= limit as usize);
        out.extend(items.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return Ok(out),
        }
    }
    eyre::bail!("too many pages")
}

fn breakdown_sum(b: &Value) -> u128 {
    n(&b["platform_fee"])
        + n(&b["promoter_pool"])
        + b["splits"].as_array().unwrap().iter().map(|s| n(&s["amount"])).sum::<u128>()
        + n(&b["seller_amount"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_accounts_catalogue_treasury_and_proofs_read_back_from_the_chain() -> Result<()> {
    let w = World::start(42101).await?;
    let token = w.address("stablecoin");
    let chain = 42101;
    let (maker, backer, promoter, partner, client, arbiter, potter) = (4, 1, 8, 7, 3, 6, 5);
    let treasury = w.address("treasury");

    // Metadata: a woven collective order, a ceramic sale through a partner shop, a design job,
    // and a document no order links to.
    let doc_a = json!({
        "schema": "cointent.metadata/1", "kind": "collective", "title": "Zapotec wool rugs",
        "description": "Hand-woven rugs dyed with cochineal", "category": "textiles",
        "images": ["https://example.org/rug.jpg"],
        "product": {"name": "Rug", "sku": "RUG-1", "materials": ["wool"]},
        "artisan": {"address": hex(dev(maker)), "name": "Ana Ruiz", "region": "Oaxaca",
                    "craft": "weaving", "story": "Third generation of weavers"}
    });
    let doc_b = json!({
        "schema": "cointent.metadata/1", "kind": "sale", "title": "Raku tea bowl",
        "category": "pottery",
        "product": {"name": "Tea bowl", "sku": "BOWL-7", "materials": ["clay"]},
        "artisan": {"address": hex(dev(potter)), "name": "Kenji Sato", "region": "Kyoto",
                    "craft": "ceramics", "story": "Fires with pine"},
        "partner": {"address": hex(dev(partner)), "name": "Corner Shop", "city": "Lyon",
                    "url": "https://shop.example.org", "story": "Sells fair crafts"}
    });
    let doc_c = json!({
        "schema": "cointent.metadata/1", "kind": "freelance", "title": "Logo design",
        "category": "design", "description": "Three rounds of sketches"
    });
    let doc_orphan = json!({
        "schema": "cointent.metadata/1", "kind": "sale", "title": "Never sold",
        "artisan": {"address": hex(dev(9)), "name": "Nobody", "region": "Oaxaca", "craft": "weaving"}
    });
    let (ha, hb, hc) = (
        w.insert_metadata(maker, &doc_a).await?,
        w.insert_metadata(potter, &doc_b).await?,
        // The freelancer (the seller) writes the job up: a document describes only orders
        // its uploader or a maker it names is a party to.
        w.insert_metadata(maker, &doc_c).await?,
    );
    w.insert_metadata(9, &doc_orphan).await?;

    let deadline = w.now().await? + 1000;
    // A: collective, two milestones, a promoter share and a 10 % split.
    let mut ta = terms(maker, token, deadline);
    ta.minUnits = 3;
    ta.promoterBps = 500;
    ta.milestones = milestones(&[5000, 5000]);
    ta.splits = vec![Split { recipient: dev(partner), bps: 1000 }];
    ta.metadataHash = ha;
    let a = create(&w, &ta).await?;
    // B: a sale of one bowl to one buyer, 20 % to the partner shop.
    let mut tb = terms(potter, token, deadline);
    tb.maxUnits = 1;
    tb.unitPrice = alloy::primitives::Uint::from(3_333_333_u64);
    tb.soleBuyer = dev(2);
    tb.splits = vec![Split { recipient: dev(partner), bps: 2000 }];
    tb.metadataHash = hb;
    let b = create(&w, &tb).await?;
    // C: a freelance job in three milestones for one client.
    let mut tc = terms(maker, token, deadline);
    tc.maxUnits = 1;
    tc.soleBuyer = dev(client);
    tc.milestones = milestones(&[3000, 3000, 4000]);
    tc.metadataHash = hc;
    let c = create(&w, &tc).await?;
    // Four more collective orders without metadata, for pages.
    let mut extra = Vec::new();
    for i in 0..4 {
        let mut t = terms(maker, token, deadline);
        t.unitPrice = alloy::primitives::Uint::from(1_000_000_u64 + i);
        extra.push(create(&w, &t).await?);
    }

    w.fund(backer, 100_000_000).await?;
    w.fund(2, 10_000_000).await?;
    // The client's unit, and the bond of its dispute (5 % of the first milestone's 3 000 000).
    w.fund(client, 10_150_000).await?;
    pledge(&w, backer, a, &ta, 4, dev(promoter)).await?;
    w.fund(0, 20_000_000).await?;
    pledge(&w, 0, a, &ta, 2, ZERO).await?;
    pledge(&w, 2, b, &tb, 1, ZERO).await?;
    pledge(&w, client, c, &tc, 1, ZERO).await?;
    w.warp(1001).await?;
    for (id, t) in [(a, &ta), (b, &tb), (c, &tc)] {
        w.call(0, "escrow", Escrow::finalizeCall { orderId: id, terms: pack(t) }).await?;
    }
    // A: milestone 0 released after its review window.
    let deliver = |id: U256, t: &Terms, p: u8| Escrow::deliverMilestoneCall {
        orderId: id,
        terms: pack(t),
        proofHash: B256::repeat_byte(p),
    };
    w.call(maker, "escrow", deliver(a, &ta, 0xa0)).await?;
    w.warp(DAY + 1).await?;
    w.call(0, "escrow", Escrow::releaseCall { orderId: a, terms: pack(&ta) }).await?;
    // C: milestone 0 delivered and disputed by the client in its review window, with the bond.
    w.call(maker, "escrow", deliver(c, &tc, 0xc0)).await?;
    let bond = EscrowLens::disputeBondCall { orderId: c, terms: pack(&tc) };
    let bond = w.lens(bond).await?;
    w.call(
        client,
        "escrow",
        Escrow::disputeCall {
            orderId: c,
            terms: pack(&tc),
            reason: "The wool is thinner than promised.".into(),
        },
    )
    .await?;
    w.sync().await?;

    // Half of A released: the released breakdown is what the Escrow lets each party claim.
    let (status, detail) = w.get(&format!("/v1/orders/{chain}/{a}")).await?;
    assert_eq!(status, 200, "{detail}");
    let released = &detail["price_breakdown"]["released"];
    assert_eq!(n(&released["amount"]), 30_000_000);
    let claimable =
        |account: Address| EscrowLens::claimableCall { orderId: a, terms: pack(&ta), account };
    assert_eq!(w.lens(claimable(dev(maker))).await?, U256::from(n(&released["seller_amount"])));
    assert_eq!(
        w.lens(claimable(dev(partner))).await?,
        U256::from(n(&released["splits"][0]["amount"]))
    );
    assert_eq!(w.lens(claimable(treasury)).await?, U256::from(n(&released["platform_fee"])));
    let commission = EscrowLens::commissionClaimableCall {
        orderId: a,
        terms: pack(&ta),
        promoter: dev(promoter),
    };
    assert_eq!(w.lens(commission).await?, U256::from(n(&released["promoter_pool"])));
    same_as_lens(&w, a, &ta, &detail).await?;
    // Mid-order, every figure the detail shows of C (disputed) and B (a sale) is the chain's.
    let (_, dc) = w.get(&format!("/v1/orders/{chain}/{c}")).await?;
    same_as_lens(&w, c, &tc, &dc).await?;
    assert_eq!(n(&dc["disputes"][0]["bond"]), bond.to::<u128>());
    let (_, db) = w.get(&format!("/v1/orders/{chain}/{b}")).await?;
    same_as_lens(&w, b, &tb, &db).await?;

    // A: milestone 1 approved by every weighted backer (both backers: the promoter does not
    // back): released, completed.
    w.call(maker, "escrow", deliver(a, &ta, 0xa1)).await?;
    for approver in [backer, 0] {
        let approve = Escrow::approveMilestoneCall { orderId: a, terms: pack(&ta) };
        w.call(approver, "escrow", approve).await?;
    }
    let claim = |account: Address| Escrow::claimCall { orderId: a, terms: pack(&ta), account };
    for account in [dev(maker), dev(partner), treasury] {
        w.call(0, "escrow", claim(account)).await?;
    }
    let commission =
        Escrow::claimCommissionCall { orderId: a, terms: pack(&ta), promoter: dev(promoter) };
    // Anyone may claim for the promoter (dev 8 has no usable key in the harness).
    w.call(0, "escrow", commission).await?;
    for account in [dev(maker), treasury] {
        w.call(0, "escrow", Escrow::withdrawCall { token, account, to: account }).await?;
    }
    // Governance gives 60 % of the fees to operations; they are distributed and withdrawn.
    let allocations = vec![ITreasury::Allocation {
        label: B256::right_padding_from(b"operations"),
        recipient: dev(9),
        bps: 6000,
    }];
    as_timelock(&w, "treasury", Treasury::setAllocationsCall { newAllocations: allocations })
        .await?;
    w.call(0, "treasury", Treasury::distributeCall { token }).await?;
    w.call(9, "treasury", Treasury::withdrawCall { token, to: dev(9) }).await?;
    w.sync().await?;

    // ---------------------------------------------------------------- order detail
    let (status, d) = w.get(&format!("/v1/orders/{chain}/{a}")).await?;
    assert_eq!(status, 200, "{d}");
    let state = w.lens(EscrowLens::orderStateCall { orderId: a }).await?;
    assert_eq!(state.status, 4);
    assert_eq!(d["status"], "Completed");
    assert_eq!(d["kind"], "collective");
    assert_eq!(d["creator"], hex(dev(maker)), "the seller sent createOrder");
    assert_eq!(d["units_pledged"], u64::from(state.unitsPledged));
    assert_eq!(d["weighted_units"], u64::from(state.weightedUnits));
    assert_eq!(n(&d["funded"]), 60_000_000);
    same_as_lens(&w, a, &ta, &d).await?;
    let on_chain_hash = w.lens(EscrowLens::termsHashOfCall { orderId: a }).await?;
    assert_eq!(d["terms_hash"], on_chain_hash.to_string());
    assert_eq!(d["title"], "Zapotec wool rugs");
    assert_eq!(d["region"], "Oaxaca");
    assert_eq!(d["image"], "https://example.org/rug.jpg");
    assert_eq!(d["metadata"], doc_a);
    assert_eq!(d["terms"]["promoter_bps"], 500);
    assert_eq!(
        d["terms"]["milestones"],
        json!([{"bps": 5000, "delivery_period": 7 * DAY}, {"bps": 5000, "delivery_period": 7 * DAY}])
    );
    assert_eq!(d["terms"]["splits"], json!([{"recipient": hex(dev(partner)), "bps": 1000}]));
    assert_eq!(d["terms"]["sole_buyer"], hex(ZERO));
    let milestones = d["milestones"].as_array().unwrap();
    assert_eq!(milestones.len(), 2);
    assert_eq!(milestones[0]["bps"], 5000);
    assert_eq!(milestones[0]["state"], "Released");
    assert_eq!(milestones[1]["proof_hash"], B256::repeat_byte(0xa1).to_string());
    assert_eq!(n(&milestones[1]["released_amount"]), 30_000_000);
    let pledges = d["pledges"].as_array().unwrap();
    assert_eq!(pledges.len(), 2);
    assert_eq!(pledges[0]["backer"], hex(dev(backer)));
    assert_eq!(pledges[0]["promoter"], hex(dev(promoter)));
    assert_eq!(pledges[0]["units"], 4);
    assert_eq!(pledges[1]["promoter"], Value::Null);
    assert_eq!(d["disputes"], json!([]));
    // Price breakdown: per unit sums to the unit price, the total to what was funded; at full
    // release the parts are exactly what each party claimed on chain.
    let pb = &d["price_breakdown"];
    assert_eq!(pb["promoter_share_applies"], true);
    assert!(pb["note"].as_str().unwrap().contains("4 of 6"));
    assert_eq!(breakdown_sum(&pb["per_unit"]), 10_000_000);
    assert_eq!(n(&pb["per_unit"]["platform_fee"]), 100_000);
    assert_eq!(n(&pb["per_unit"]["promoter_pool"]), 495_000);
    assert_eq!(breakdown_sum(&pb["funded"]), 60_000_000);
    // The lens's `claimedOf` holds shares and commissions alike.
    let claimed = |account: Address| EscrowLens::claimedOfCall { orderId: a, account };
    let funded = &pb["funded"];
    assert_eq!(w.lens(claimed(dev(maker))).await?, U256::from(n(&funded["seller_amount"])));
    assert_eq!(w.lens(claimed(dev(partner))).await?, U256::from(n(&funded["splits"][0]["amount"])));
    assert_eq!(w.lens(claimed(treasury)).await?, U256::from(n(&funded["platform_fee"])));
    assert_eq!(w.lens(claimed(dev(promoter))).await?, U256::from(n(&funded["promoter_pool"])));
    let fee = n(&funded["platform_fee"]);

    // The freelance job: three milestones, the first disputed.
    let (_, dc) = w.get(&format!("/v1/orders/{chain}/{c}")).await?;
    assert_eq!(dc["kind"], "freelance");
    assert_eq!(dc["milestone_count"], 3);
    assert_eq!(dc["milestones"][2]["state"], "Pending");
    assert_eq!(dc["milestones"][2]["bps"], 4000);
    assert_eq!(dc["disputes"][0]["disputed_by"], hex(dev(client)));
    assert_eq!(dc["disputes"][0]["resolved"], false);
    let (_, db) = w.get(&format!("/v1/orders/{chain}/{b}")).await?;
    assert_eq!(db["kind"], "sale");
    assert_eq!(db["price_breakdown"]["promoter_share_applies"], false);
    assert_eq!(breakdown_sum(&db["price_breakdown"]["per_unit"]), 3_333_333);
    assert_eq!(n(&db["price_breakdown"]["per_unit"]["splits"][0]["amount"]), 660_000);

    // ---------------------------------------------------------------- the list
    let all = all_pages(&w, "/v1/orders", 200).await?;
    let mut expected: Vec<String> = [a, b, c].iter().chain(&extra).map(U256::to_string).collect();
    expected.reverse();
    let listed: Vec<String> =
        all.iter().map(|o| o["order_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed, expected, "newest first");
    // Pages of 2: the same orders, each once.
    let paged = all_pages(&w, "/v1/orders", 2).await?;
    let paged: Vec<String> =
        paged.iter().map(|o| o["order_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(paged, expected);
    let distinct: BTreeSet<_> = paged.iter().collect();
    assert_eq!(distinct.len(), paged.len());

    let only = |ids: &[U256]| ids.iter().rev().map(U256::to_string).collect::<Vec<_>>();
    for (query, want) in [
        ("kind=collective".to_string(), {
            let mut v = vec![a];
            v.extend(&extra);
            only(&v)
        }),
        ("kind=sale".into(), only(&[b])),
        ("kind=freelance".into(), only(&[c])),
        ("status=Completed".into(), only(&[a])),
        ("status=Funding".into(), only(&extra)),
        (format!("seller={}", hex(dev(potter))), only(&[b])),
        (format!("seller={}", hex(dev(maker)).to_uppercase().replace("0X", "0x")), {
            let mut v = vec![a, c];
            v.extend(&extra);
            only(&v)
        }),
        (format!("token={}", hex(dev(9))), vec![]),
        (format!("chain_id={chain}&kind=sale"), only(&[b])),
        ("chain_id=1".into(), vec![]),
        ("region=Oaxaca".into(), only(&[a])),
        ("region=oax".into(), only(&[a])),
        ("region=%25".into(), vec![]),
        ("craft=CERAMICS".into(), only(&[b])),
        ("craft=ceramics".into(), only(&[b])),
        ("category=design".into(), only(&[c])),
        ("q=cochineal".into(), only(&[a])),
        ("q=Kyoto%20bowl".into(), only(&[b])),
        ("q=sketches".into(), only(&[c])),
        ("q=%22Never%20sold%22".into(), vec![]),
    ] {
        let (status, body) = w.get(&format!("/v1/orders?{query}")).await?;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(ids(&body), want, "{query}");
    }
    let (_, listed_a) = w.get("/v1/orders?region=Oaxaca").await?;
    let summary = &listed_a["items"][0];
    assert_eq!(summary["title"], "Zapotec wool rugs");
    assert_eq!(summary["craft"], "weaving");
    assert_eq!(summary["fee_bps"], 100);
    assert_eq!(summary["metadata_hash"], ha.to_string());
    assert!(summary.get("pledges").is_none(), "summaries stay small");

    // Bad input: 400 naming the field; unknown orders: 404.
    bad(&w, "/v1/orders?kind=auction", "kind").await?;
    bad(&w, "/v1/orders?status=Open", "status").await?;
    bad(&w, "/v1/orders?seller=0x1234", "seller").await?;
    bad(&w, "/v1/orders?token=nope", "token").await?;
    bad(&w, "/v1/orders?limit=0", "limit").await?;
    bad(&w, "/v1/orders?limit=201", "limit").await?;
    bad(&w, "/v1/orders?limit=ten", "limit").await?;
    bad(&w, "/v1/orders?cursor=zz", "cursor").await?;
    let (status, first) = w.get("/v1/orders?cursor=&limit=1").await?;
    assert_eq!((status, ids(&first)), (200, vec![expected[0].clone()]), "empty cursor: first page");
    bad(&w, &format!("/v1/orders?cursor={}", alloy::hex::encode("a\u{1f}b\u{1f}c")), "cursor")
        .await?;
    bad(&w, "/v1/orders?chain_id=-1", "chain_id").await?;
    bad(&w, &format!("/v1/orders?region={}", "x".repeat(101)), "region").await?;
    bad(&w, &format!("/v1/orders?q={}", "x".repeat(201)), "q").await?;
    bad(&w, "/v1/orders/abc/1", "chain_id").await?;
    bad(&w, &format!("/v1/orders/{chain}/one"), "order_id").await?;
    bad(&w, &format!("/v1/orders/{chain}/{}", "9".repeat(78)), "order_id").await?;
    let (status, body) = w.get(&format!("/v1/orders/{chain}/999")).await?;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, _) = w.get("/v1/orders/1/1").await?;
    assert_eq!(status, 404);

    // ---------------------------------------------------------------- transparency proof
    let (status, t) = w.get(&format!("/v1/transparency/{chain}/{a}")).await?;
    assert_eq!(status, 200, "{t}");
    let proof = &t["proof"];
    let packed = alloy::hex::decode(proof["terms_packed"].as_str().unwrap())?;
    assert_eq!(packed, pack(&ta).to_vec(), "the packed terms OrderCreated emitted");
    assert_eq!(keccak256(&packed).to_string(), proof["terms_hash"]);
    assert_eq!(proof["terms_hash"], on_chain_hash.to_string());
    assert_eq!(proof["contract"], hex(w.address("escrow")));
    assert_eq!(proof["chain_id"], chain);
    assert_eq!(proof["rpc_url"], w.config.browser_rpc_url());
    assert_eq!(proof["terms"], d["terms"]);
    let receipt = w
        .chain
        .provider
        .get_transaction_receipt(proof["tx_hash"].as_str().unwrap().parse()?)
        .await?
        .context("creation receipt")?;
    assert_eq!(receipt.block_number, proof["block_number"].as_u64());
    assert_eq!(
        receipt.block_hash.map(|h| h.to_string()),
        proof["block_hash"].as_str().map(String::from)
    );
    let log = receipt
        .inner
        .logs()
        .iter()
        .find(|l| l.log_index == proof["log_index"].as_u64())
        .context("the proof's log")?;
    assert_eq!(log.address(), w.address("escrow"));
    assert_eq!(log.topics()[1], B256::from(a));
    assert_eq!(t["record"]["order_id"], a.to_string());
    assert_eq!(t["record"]["price_breakdown"], d["price_breakdown"]);
    assert_eq!(t["record"]["metadata"], doc_a);
    assert_eq!(d["proof"], t["proof"]);
    bad(&w, "/v1/transparency/x/1", "chain_id").await?;
    let (status, _) = w.get(&format!("/v1/transparency/{chain}/77")).await?;
    assert_eq!(status, 404);

    // ---------------------------------------------------------------- accounts
    let (status, acc) = w.get(&format!("/v1/accounts/{}", hex(dev(maker)))).await?;
    assert_eq!(status, 200, "{acc}");
    assert_eq!(acc["roles"]["seller"]["orders"], 6);
    assert_eq!(acc["roles"]["seller"]["by_status"]["Completed"], 1);
    assert_eq!(acc["roles"]["seller"]["by_status"]["Active"], 1);
    assert_eq!(acc["roles"]["seller"]["by_status"]["Funding"], 4);
    let tok = hex(token);
    assert_eq!(
        acc["earnings"],
        json!([{"chain_id": chain, "token": tok, "share": funded["seller_amount"], "commission": "0", "total": funded["seller_amount"]}])
    );
    assert_eq!(acc["claimable"][0]["amount"], "0", "the maker withdrew");
    assert_eq!(acc["reputation"][0]["completed_orders"], 1);
    let (_, acc) = w.get(&format!("/v1/accounts/{}", hex(dev(partner)))).await?;
    assert_eq!(acc["roles"]["recipient"]["orders"], 2);
    assert_eq!(acc["claimable"][0]["amount"], funded["splits"][0]["amount"], "not withdrawn");
    let (_, acc) = w.get(&format!("/v1/accounts/{}", hex(dev(promoter)))).await?;
    assert_eq!(acc["roles"]["promoter"]["orders"], 1);
    assert_eq!(
        acc["roles"]["promoter"]["promoted"][0]["commission_claimed"],
        funded["promoter_pool"]
    );
    assert_eq!(acc["earnings"][0]["commission"], funded["promoter_pool"]);
    let (_, acc) = w.get(&format!("/v1/accounts/{}", hex(dev(arbiter)))).await?;
    assert_eq!(acc["roles"]["arbiter"]["orders"], 7);
    assert_eq!(acc["roles"]["arbiter"]["open_disputes"], 1);
    // The arbiters a maker can pick from: the same counts, in one request.
    let (status, arbiters) = w.get(&format!("/v1/arbiters?chain_id={chain}")).await?;
    assert_eq!(status, 200, "{arbiters}");
    assert_eq!(
        arbiters["items"][0],
        json!({"chain_id": chain, "address": hex(dev(arbiter)), "orders": 7, "rulings": 0, "missed": 0, "open_disputes": 1})
    );
    assert_eq!(w.get("/v1/arbiters?chain_id=1").await?.1["items"], json!([]));
    bad(&w, "/v1/arbiters?chain=1", "chain").await?;
    let (_, acc) = w.get(&format!("/v1/accounts/{}", hex(dev(backer)))).await?;
    assert_eq!(acc["roles"]["backer"]["orders"], 1);
    assert_eq!(acc["roles"]["backer"]["units"], 4);
    assert_eq!(acc["roles"]["backer"]["paid"][0]["paid"], "40000000");
    let (_, acc) = w.get(&format!("/v1/accounts/{}", hex(dev(9)))).await?;
    assert_eq!(acc["roles"]["seller"]["orders"], 0);
    assert_eq!(acc["earnings"], json!([]));
    let (_, r) =
        w.get(&format!("/v1/accounts/{}/orders?role=recipient", hex(dev(partner)))).await?;
    assert_eq!(ids(&r), only(&[a, b]));
    let (_, r) = w.get(&format!("/v1/accounts/{}/orders?role=backer", hex(dev(client)))).await?;
    assert_eq!(ids(&r), only(&[c]));
    let (_, r) =
        w.get(&format!("/v1/accounts/{}/orders?role=promoter", hex(dev(promoter)))).await?;
    assert_eq!(ids(&r), only(&[a]));
    let seller_pages =
        all_pages(&w, &format!("/v1/accounts/{}/orders?role=seller", hex(dev(maker))), 4).await?;
    assert_eq!(seller_pages.len(), 6);
    bad(&w, &format!("/v1/accounts/{}/orders", hex(dev(1))), "role").await?;
    bad(&w, &format!("/v1/accounts/{}/orders?role=owner", hex(dev(1))), "role").await?;
    bad(&w, "/v1/accounts/0xnothex", "address").await?;

    // ---------------------------------------------------------------- dashboards
    // Every amount on every party's dashboard is what the Escrow's lens says on chain.
    let mut seen = (0, 0, 0, 0);
    for who in [maker, backer, promoter, partner, client, arbiter, potter] {
        let (status, dash) = w.get(&format!("/v1/accounts/{}/dashboard", hex(dev(who)))).await?;
        assert_eq!(status, 200, "{dash}");
        assert_eq!(dash["truncated"], false);
        for item in dash["orders"].as_array().context("orders")? {
            let id = U256::from(n(&item["summary"]["order_id"]));
            let terms: alloy::primitives::Bytes =
                item["terms_packed"].as_str().context("terms")?.parse()?;
            let account = dev(who);
            if !item["maker"].is_null() {
                seen.0 += 1;
                let call = EscrowLens::claimableCall { orderId: id, terms: terms.clone(), account };
                assert_eq!(
                    U256::from(n(&item["maker"]["claimable"])),
                    w.lens(call).await?,
                    "{item}"
                );
            }
            if !item["backer"].is_null() {
                seen.1 += 1;
                let call = EscrowLens::refundableCall {
                    orderId: id,
                    terms: terms.clone(),
                    backer: account,
                };
                assert_eq!(
                    U256::from(n(&item["backer"]["refundable"])),
                    w.lens(call).await?,
                    "{item}"
                );
            }
            if !item["promoter"].is_null() {
                seen.2 += 1;
                let call =
                    EscrowLens::commissionClaimableCall { orderId: id, terms, promoter: account };
                assert_eq!(
                    U256::from(n(&item["promoter"]["claimable"])),
                    w.lens(call).await?,
                    "{item}"
                );
            }
            if !item["arbiter"]["open_dispute"].is_null() {
                seen.3 += 1;
                assert_eq!(item["arbiter"]["open_dispute"]["disputed_by"], hex(dev(client)));
                assert_eq!(
                    item["arbiter"]["open_dispute"]["reason"],
                    "The wool is thinner than promised."
                );
                assert_eq!(item["summary"]["order_id"], c.to_string());
            }
        }
    }
    assert_eq!(seen.3, 1, "the arbiter's one open dispute");
    assert!(seen.0 >= 6 && seen.1 >= 2 && seen.2 >= 1, "{seen:?}");
    bad(&w, "/v1/accounts/0xnothex/dashboard", "address").await?;

    // ---------------------------------------------------------------- catalogue
    let (status, artisans) = w.get("/v1/artisans").await?;
    assert_eq!(status, 200, "{artisans}");
    let mut want = vec![hex(dev(maker)), hex(dev(potter))];
    want.sort();
    let got: Vec<&str> = artisans["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["address"].as_str().unwrap())
        .collect();
    assert_eq!(got, want, "linked documents only");
    let (status, ana) = w.get(&format!("/v1/artisans/{}", hex(dev(maker)))).await?;
    assert_eq!(status, 200, "{ana}");
    assert_eq!(ana["name"], "Ana Ruiz");
    assert_eq!(ana["craft"], "weaving");
    assert_eq!(ana["products"], 1);
    assert_eq!(ana["orders"], 1);
    assert_eq!(ana["items"][0]["order_id"], a.to_string());
    let (_, kyoto) = w.get("/v1/artisans?region=Kyoto").await?;
    assert_eq!(kyoto["items"].as_array().unwrap().len(), 1);
    assert_eq!(kyoto["items"][0]["name"], "Kenji Sato");
    let (status, _) = w.get(&format!("/v1/artisans/{}", hex(dev(9)))).await?;
    assert_eq!(status, 404, "an unlinked document is not a profile");
    let (_, partners) = w.get("/v1/partners").await?;
    assert_eq!(partners["items"][0]["address"], hex(dev(partner)));
    assert_eq!(partners["items"][0]["city"], "Lyon");
    let (status, shop) = w.get(&format!("/v1/partners/{}", hex(dev(partner)))).await?;
    assert_eq!(status, 200);
    assert_eq!(shop["items"][0]["order_id"], b.to_string());
    let (_, products) = w.get("/v1/products").await?;
    assert_eq!(ids(&products), only(&[a, b]));
    assert_eq!(products["items"][0]["product"]["sku"], "BOWL-7");
    assert_eq!(products["items"][0]["partner"]["name"], "Corner Shop");
    let (_, ceramics) = w.get("/v1/products?craft=ceramics").await?;
    assert_eq!(ids(&ceramics), only(&[b]));
    let (_, rugs) = w.get("/v1/products?q=rug").await?;
    assert_eq!(ids(&rugs), only(&[a]));
    bad(&w, "/v1/artisans?limit=0", "limit").await?;
    bad(&w, "/v1/partners/0x12", "address").await?;
    // The region explorer's and craft browser's lists: counts of linked documents only (the
    // orphan's Oaxaca weaver counts for nothing), ties by name.
    let (status, facets) = w.get(&format!("/v1/catalogue/facets?chain_id={chain}")).await?;
    assert_eq!(status, 200, "{facets}");
    let facet = |value: &str, artisans: u64, products: u64, orders: u64| {
        json!({"value": value, "artisans": artisans, "products": products, "listings": 0,
               "orders": orders})
    };
    assert_eq!(facets["regions"], json!([facet("Kyoto", 1, 1, 1), facet("Oaxaca", 1, 1, 1)]));
    assert_eq!(facets["crafts"], json!([facet("ceramics", 1, 1, 1), facet("weaving", 1, 1, 1)]));
    assert_eq!(
        facets["categories"],
        json!([facet("design", 0, 0, 1), facet("pottery", 1, 1, 1), facet("textiles", 1, 1, 1)])
    );
    let (_, elsewhere) = w.get("/v1/catalogue/facets?chain_id=1").await?;
    assert_eq!(elsewhere, json!({"regions": [], "crafts": [], "categories": []}));
    bad(&w, "/v1/catalogue/facets?chain=1", "chain").await?;

    // ---------------------------------------------------------------- treasury
    let (status, tr) = w.get(&format!("/v1/treasury?chain_id={chain}")).await?;
    assert_eq!(status, 200, "{tr}");
    let bal = &tr["balances"][0];
    assert_eq!(bal["token"], tok);
    let ops = fee * 6000 / 10_000;
    assert_eq!(n(&bal["fees_in"]), fee);
    assert_eq!(n(&bal["distributed"]), fee);
    assert_eq!(n(&bal["credited"]), ops);
    assert_eq!(n(&bal["withdrawn"]), ops);
    assert_eq!(n(&bal["reserved"]), 0);
    assert_eq!(n(&bal["balance"]), fee - ops);
    assert_eq!(n(&bal["available"]), fee - ops);
    assert_eq!(
        tr["allocations"],
        json!([{"chain_id": chain, "position": 0, "recipient": hex(dev(9)), "bps": 6000,
                "label": B256::right_padding_from(b"operations").to_string()}])
    );
    assert_eq!(tr["totals"]["allocated_bps"], 6000);
    let on_chain_balance = w
        .view("stablecoin", cointent_abi::DemoStablecoin::balanceOfCall { account: treasury })
        .await?;
    assert_eq!(on_chain_balance, U256::from(fee - ops));
    let (_, flows) = w.get(&format!("/v1/treasury/flows?chain_id={chain}&kind=fees_in")).await?;
    assert_eq!(flows["items"].as_array().unwrap().len(), 1);
    assert_eq!(flows["items"][0]["account"], hex(w.address("escrow")));
    let (_, flows) = w.get("/v1/treasury/flows").await?;
    let kinds: Vec<&str> =
        flows["items"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["withdrawn", "distributed", "credited", "fees_in"], "newest first");
    let (status, report) = w.get(&format!("/v1/treasury/report?chain_id={chain}&months=3")).await?;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["months"].as_array().unwrap().len(), 3);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "every month of the one token");
    assert_eq!(rows.iter().map(|r| n(&r["fees_in"])).sum::<u128>(), fee);
    assert_eq!(rows.iter().map(|r| n(&r["withdrawn"])).sum::<u128>(), ops);
    bad(&w, "/v1/treasury/report?months=0", "months").await?;
    bad(&w, "/v1/treasury/flows?kind=stolen", "kind").await?;

    // ---------------------------------------------------------------- chains and events
    let (status, chains) = w.get("/v1/chains").await?;
    assert_eq!(status, 200);
    let ch = &chains[0];
    assert_eq!(ch["chain_id"], chain);
    assert_eq!(ch["contracts"]["escrow"], hex(w.address("escrow")));
    assert_eq!(ch["rpc_url"], w.config.browser_rpc_url());
    assert_eq!(ch["finality_depth"], 2);
    let head = w.chain.provider.get_block_number().await?;
    assert_eq!(ch["indexed_block"], head);
    assert_eq!(ch["lag"], 0);
    assert_eq!(ch["live"], true);
    assert!(ch["events"].as_u64().unwrap() > 20);
    // A chain configured without a registry entry: Ether, no explorer, not a testnet.
    assert_eq!(ch["native_currency"], json!({"name": "Ether", "symbol": "ETH", "decimals": 18}));
    assert_eq!((&ch["explorer"], &ch["testnet"]), (&Value::Null, &json!(false)));
    // The payment tokens are the Escrow's allowlist, with what each token says of itself.
    let listed = ch["payment_tokens"].as_array().context("payment_tokens")?;
    let mut addresses: Vec<Address> =
        listed.iter().map(|t| t["address"].as_str().unwrap().parse()).collect::<Result<_, _>>()?;
    addresses.sort();
    let mut deployed = w.payment_tokens.clone();
    deployed.sort();
    assert_eq!(addresses, deployed, "{listed:?}");
    for (listed, address) in listed.iter().zip(&addresses) {
        let allowed = Escrow::isTokenAllowedCall { token: *address };
        assert!(w.view("escrow", allowed).await?, "{address} is allowlisted");
        if *address == token {
            let symbol = w.view("stablecoin", DemoStablecoin::symbolCall {}).await?;
            let decimals = w.view("stablecoin", DemoStablecoin::decimalsCall {}).await?;
            assert_eq!(
                (&listed["symbol"], &listed["decimals"]),
                (&json!(symbol), &json!(decimals))
            );
        }
    }
    assert!(addresses.contains(&token));

    let (status, ev) = w.get(&format!("/v1/events?order_id={a}&event=Pledged")).await?;
    assert_eq!(status, 200, "{ev}");
    let pledged = ev["items"].as_array().unwrap();
    assert_eq!(pledged.len(), 2);
    assert_eq!(pledged[0]["args"]["backer"], hex(dev(backer)));
    assert_eq!(pledged[0]["contract"], "escrow");
    let (_, ev) =
        w.get(&format!("/v1/events?account={}&contract=escrow", hex(dev(promoter)))).await?;
    let names: Vec<&str> =
        ev["items"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(names, ["Pledged", "CommissionClaimed"]);
    let every = all_pages(&w, &format!("/v1/events?chain_id={chain}"), 7).await?;
    let keys: Vec<(u64, u64)> = every
        .iter()
        .map(|e| (e["block_number"].as_u64().unwrap(), e["log_index"].as_u64().unwrap()))
        .collect();
    assert!(keys.windows(2).all(|k| k[0] < k[1]), "ascending without repeats");
    assert_eq!(every.len() as u64, ch["events"].as_u64().unwrap());
    let from = keys[keys.len() / 2].0;
    let (_, later) = w.get(&format!("/v1/events?from_block={from}&limit=200")).await?;
    assert!(
        later["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["block_number"].as_u64().unwrap() >= from)
    );
    bad(&w, "/v1/events?contract=Bank!", "contract").await?;
    bad(&w, "/v1/events?event=no%20such", "event").await?;
    bad(&w, "/v1/events?account=0x1", "account").await?;
    bad(&w, "/v1/events?order_id=x", "order_id").await?;
    w.hold_if_asked().await
}

/// Sends `call` to contract `name` as the timelock (impersonated on anvil): what an executed
/// proposal would do.
async fn as_timelock<C: SolCall>(w: &World, name: &str, call: C) -> Result<()> {
    let p = &w.chain.provider;
    let timelock = w.address("timelock");
    let _: Value = p.raw_request("anvil_impersonateAccount".into(), (timelock,)).await?;
    let _: Value =
        p.raw_request("anvil_setBalance".into(), (timelock, "0x56BC75E2D63100000")).await?;
    let tx = json!({"from": timelock, "to": w.address(name),
                    "data": format!("0x{}", alloy::hex::encode(call.abi_encode()))});
    let hash: B256 = p.raw_request("eth_sendTransaction".into(), (tx,)).await?;
    for _ in 0..500 {
        if let Some(receipt) = p.get_transaction_receipt(hash).await? {
            eyre::ensure!(receipt.status(), "timelock call reverted");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eyre::bail!("no receipt for {hash}")
}

/// Reads server-sent events from a streaming response until `want` messages arrived.
pub(crate) async fn sse(
    response: &mut reqwest::Response,
    want: usize,
) -> Result<Vec<(String, Value)>> {
    let mut buf = String::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while out.len() < want {
        let chunk =
            tokio::time::timeout_at(deadline, response.chunk()).await??.context("stream ended")?;
        buf.push_str(std::str::from_utf8(&chunk)?);
        while let Some(end) = buf.find("\n\n") {
            let message: String = buf.drain(..end + 2).collect();
            let (mut id, mut data) = (String::new(), String::new());
            for line in message.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !data.is_empty() {
                out.push((id, serde_json::from_str(&data)?));
            }
        }
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_delivers_new_events_live_and_resumes_after_the_last_id() -> Result<()> {
    let w = World::start(42102).await?;
    let token = w.address("stablecoin");
    let deadline = w.now().await? + 10_000;
    let url = w.url("/v1/events/stream?contract=escrow&event=OrderCreated");
    let mut stream = w.http.get(&url).send().await?;
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str()?.starts_with("text/event-stream"));

    let t1 = terms(4, token, deadline);
    let first = create(&w, &t1).await?;
    let got = sse(&mut stream, 1).await?;
    assert_eq!(got[0].1["event"], "OrderCreated");
    assert_eq!(got[0].1["args"]["orderId"], first.to_string());
    let last_id = got[0].0.clone();
    assert!(last_id.starts_with("42102:"), "{last_id}");
    drop(stream);

    // While disconnected: a pledge (filtered out) and two more orders.
    w.fund(1, 10_000_000).await?;
    pledge(&w, 1, first, &t1, 1, ZERO).await?;
    let mut t2 = terms(5, token, deadline);
    t2.maxUnits = 2;
    let second = create(&w, &t2).await?;
    let third = create(&w, &t2).await?;
    w.sync().await?;
    let mut resumed = w.http.get(&url).header("Last-Event-ID", &last_id).send().await?;
    assert_eq!(resumed.status(), 200);
    let got = sse(&mut resumed, 2).await?;
    let ids: Vec<&Value> = got.iter().map(|(_, e)| &e["args"]["orderId"]).collect();
    assert_eq!(ids, [&json!(second.to_string()), &json!(third.to_string())]);
    // And live again.
    let fourth = create(&w, &t2).await?;
    let got = sse(&mut resumed, 1).await?;
    assert_eq!(got[0].1["args"]["orderId"], fourth.to_string());

    let bad_id = w.http.get(&url).header("Last-Event-ID", "nonsense").send().await?;
    assert_eq!(bad_id.status(), 400);
    let body: Value = bad_id.json().await?;
    assert_eq!(body["error"]["field"], "Last-Event-ID");
    let bad_filter = w.http.get(w.url("/v1/events/stream?account=0x1")).send().await?;
    assert_eq!(bad_filter.status(), 400);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_lists_delegates_proposals_and_votes() -> Result<()> {
    let w = World::start(42103).await?;
    let chain = 42103;
    let cint = w.address("token");
    // The deployer holds the bootstrap supply: it delegates to itself; dev 1 gets tokens and
    // delegates to the deployer too; dev 2 delegates to itself.
    let amount = U256::from(1_000_000u64) * U256::from(10u64).pow(U256::from(18u64));
    w.call(0, "token", Token::transferCall { to: dev(1), value: amount }).await?;
    w.call(0, "token", Token::transferCall { to: dev(2), value: amount }).await?;
    w.call(0, "token", Token::delegateCall { delegatee: dev(0) }).await?;
    w.call(1, "token", Token::delegateCall { delegatee: dev(0) }).await?;
    w.call(2, "token", Token::delegateCall { delegatee: dev(2) }).await?;
    // The Governor's clock is the timestamp: votes count from the next second on.
    w.warp(1).await?;
    let description = "Fund the weavers' cooperative".to_string();
    let propose = CointentGovernor::proposeCall {
        targets: vec![w.address("treasury")],
        values: vec![U256::ZERO],
        calldatas: vec![Treasury::distributeCall { token: cint }.abi_encode().into()],
        description: description.clone(),
    };
    w.call(0, "governor", propose).await?;
    w.sync().await?;
    let (_, proposals) = w.get(&format!("/v1/governance/proposals?chain_id={chain}")).await?;
    assert_eq!(proposals["items"][0]["voting"], "pending", "{proposals}");
    // Voting opens after the voting delay (seconds).
    let delay = w.view("governor", CointentGovernor::votingDelayCall {}).await?;
    w.warp(delay.to::<u64>() + 1).await?;
    w.sync().await?;

    let (status, delegates) = w.get(&format!("/v1/governance/delegates?chain_id={chain}")).await?;
    assert_eq!(status, 200, "{delegates}");
    let items = delegates["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["delegate"], hex(dev(0)));
    assert_eq!(items[0]["delegators"], 2);
    let power0 = w.view("token", Token::getVotesCall { account: dev(0) }).await?;
    assert_eq!(items[0]["votes"], power0.to_string());
    assert_eq!(items[1]["votes"], amount.to_string());
    let paged = all_pages(&w, "/v1/governance/delegates", 1).await?;
    assert_eq!(paged.len(), 2);
    assert_eq!(paged[1]["delegate"], hex(dev(2)));

    let (status, proposals) = w.get(&format!("/v1/governance/proposals?chain_id={chain}")).await?;
    assert_eq!(status, 200, "{proposals}");
    let p = &proposals["items"][0];
    assert_eq!(p["description"], description);
    assert_eq!(p["state"], "Created");
    assert_eq!(p["voting"], "active");
    let id = p["proposal_id"].as_str().unwrap().to_string();
    let vote = CointentGovernor::castVoteWithReasonCall {
        proposalId: id.parse()?,
        support: 1,
        reason: "yes".into(),
    };
    w.call(2, "governor", vote).await?;
    w.sync().await?;
    let (status, detail) = w.get(&format!("/v1/governance/proposals/{chain}/{id}")).await?;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["for_votes"], amount.to_string());
    assert_eq!(
        detail["votes"],
        json!([{"voter": hex(dev(2)), "support": "for", "weight": amount.to_string(), "reason": "yes", "block_number": detail["votes"][0]["block_number"]}])
    );
    // Each voter's dashboard: its power and delegate as the token says, the open proposal
    // with its vote (or none yet); an account with no tokens has no voter section.
    let dash = |who: usize| {
        let w = &w;
        async move {
            let (status, d) = w.get(&format!("/v1/accounts/{}/dashboard", hex(dev(who)))).await?;
            assert_eq!(status, 200, "{d}");
            Ok::<_, eyre::Report>(d["voter"].clone())
        }
    };
    let voted = dash(2).await?;
    let power2 = w.view("token", Token::getVotesCall { account: dev(2) }).await?;
    assert_eq!(voted[0]["chain_id"], chain);
    assert_eq!(voted[0]["votes"], power2.to_string());
    assert_eq!(voted[0]["delegate"], hex(dev(2)));
    assert_eq!(voted[0]["open"][0]["proposal_id"], id.as_str());
    assert_eq!(voted[0]["open"][0]["description"], description);
    assert_eq!(
        voted[0]["open"][0]["vote"],
        json!({"support": "for", "weight": amount.to_string(), "reason": "yes"})
    );
    let delegating = dash(1).await?;
    assert_eq!(delegating[0]["votes"], "0");
    assert_eq!(delegating[0]["delegate"], hex(dev(0)));
    assert_eq!(delegating[0]["open"][0]["vote"], json!(null), "dev 1 has not voted");
    assert_eq!(dash(0).await?[0]["votes"], power0.to_string());
    assert_eq!(dash(5).await?, json!([]));
    // Once the vote closes, the vote moves to `voted`; the proposal leaves `open`.
    let period = w.view("governor", CointentGovernor::votingPeriodCall {}).await?;
    w.warp(period.to::<u64>() + 1).await?;
    w.sync().await?;
    let closed = dash(2).await?;
    assert_eq!(closed[0]["open"], json!([]));
    assert_eq!(closed[0]["voted"][0]["vote"]["support"], "for");
    assert_eq!(dash(1).await?[0]["voted"], json!([]), "dev 1 never voted");
    let (_, none) = w.get("/v1/governance/proposals?state=Executed").await?;
    assert_eq!(none["items"], json!([]));
    bad(&w, "/v1/governance/proposals?state=Won", "state").await?;
    let (status, _) = w.get(&format!("/v1/governance/proposals/{chain}/1")).await?;
    assert_eq!(status, 404);
    bad(&w, &format!("/v1/governance/proposals/{chain}/x"), "proposal_id").await?;
    Ok(())
}

/// A chain's native currency, explorer and testnet flag as configured (here as a registry
/// entry would set them) are in `/v1/chains`, and the native coin's payment token is named
/// after the chain's currency.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chains_show_their_native_currency_explorer_and_testnet_flag() -> Result<()> {
    let amoy = cointent_config::lookup("polygon-amoy").context("registry")?;
    let w = World::start_with(42104, |c| {
        let chain = &mut c.chains[0];
        chain.native_currency = Some(amoy.native_currency.clone());
        chain.explorer = amoy.explorer.clone();
        chain.testnet = true;
    })
    .await?;
    let (status, chains) = w.get("/v1/chains").await?;
    assert_eq!(status, 200, "{chains}");
    let ch = &chains[0];
    assert_eq!(ch["native_currency"], json!({"name": "POL", "symbol": "POL", "decimals": 18}));
    assert_eq!(
        (&ch["explorer"], &ch["testnet"]),
        (&json!("https://amoy.polygonscan.com"), &json!(true))
    );
    let native = ch["payment_tokens"]
        .as_array()
        .context("payment_tokens")?
        .iter()
        .find(|t| t["address"] == hex(Address::ZERO))
        .context("the native coin is allowed on local chains")?;
    assert_eq!((&native["symbol"], &native["decimals"]), (&json!("POL"), &json!(18)));
    Ok(())
}
