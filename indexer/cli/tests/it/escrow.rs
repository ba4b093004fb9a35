//! Escrow projections: real orders driven through the deployed Escrow, mirrored live in small
//! batches, checked row by row, and compared with a fresh re-index in one batch.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use cointent_abi::{
    DemoStablecoin, Escrow, EscrowLens,
    IEscrow::{Split, Terms},
};
use cointent_config::ChainConfig;
use eyre::{ContextCompat, Result};
use sqlx::PgPool;

use crate::common::*;

const CHAIN: u64 = 31337;
const ZERO: Address = Address::ZERO;
const TREASURY: usize = 8;

/// A chain with the stablecoin and the Escrow (with its lens) deployed, mirrored live into a
/// fresh database.
struct Env {
    chain: Chain,
    escrow: Address,
    lens: Address,
    config: ChainConfig,
    pool: PgPool,
    running: Running,
}

impl Env {
    async fn start() -> Result<Self> {
        let chain = Chain::start(CHAIN).await?;
        let StandaloneEscrow { escrow, lens } = deploy_escrow(&chain).await?;
        let mut config = chain.config("escrow-test");
        config.contracts.insert("escrow".to_string(), escrow);
        let pool = fresh_db().await?;
        let running = Running::start(&pool, config.clone());
        Ok(Self { chain, escrow, lens, config, pool, running })
    }

    /// Sends `input` to `to` from dev account `from` and waits for its receipt.
    async fn send_to(&self, from: usize, to: Address, input: Vec<u8>) -> Result<u64> {
        send_and_wait(&self.chain.provider, from, to, input).await
    }

    async fn escrow<C: SolCall>(&self, from: usize, call: C) -> Result<u64> {
        self.send_to(from, self.escrow, call.abi_encode()).await
    }

    async fn view_of<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        let out = self.chain.provider.call(tx).await?;
        Ok(C::abi_decode_returns(&out)?)
    }

    /// A view of the Escrow.
    async fn view<C: SolCall>(&self, call: C) -> Result<C::Return> {
        self.view_of(self.escrow, call).await
    }

    /// A view of the lens (every record and computed view of an order).
    async fn lens<C: SolCall>(&self, call: C) -> Result<C::Return> {
        self.view_of(self.lens, call).await
    }

    /// Mints `amount` to `backer` and lets the escrow pull it.
    async fn fund(&self, backer: usize, amount: u64) -> Result<()> {
        self.chain.mint(backer, amount).await?;
        self.approve(backer, amount).await
    }

    async fn approve(&self, backer: usize, amount: u64) -> Result<()> {
        let approve =
            DemoStablecoin::approveCall { spender: self.escrow, value: U256::from(amount) };
        self.chain.send(backer, approve.abi_encode()).await?;
        Ok(())
    }

    async fn now(&self) -> Result<u64> {
        let block = self
            .chain
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .context("latest block")?;
        Ok(block.header.timestamp)
    }

    /// Moves the chain's clock `secs` forward and mines a block.
    async fn warp(&self, secs: u64) -> Result<()> {
        let _: serde_json::Value =
            self.chain.provider.raw_request("evm_increaseTime".into(), (secs,)).await?;
        let _: serde_json::Value = self.chain.provider.raw_request("evm_mine".into(), ()).await?;
        Ok(())
    }

    /// Creates an order from its seller and checks that it got the expected id.
    async fn create(&self, seller: usize, terms: &Terms, id: u64) -> Result<U256> {
        self.escrow(seller, Escrow::createOrderCall { terms: pack(terms) }).await?;
        let count = self.view(Escrow::orderCountCall {}).await?;
        eyre::ensure!(count == U256::from(id), "order count {count}");
        Ok(U256::from(id))
    }

    async fn pledge(
        &self,
        backer: usize,
        id: U256,
        t: &Terms,
        units: u64,
        promoter: Address,
    ) -> Result<u64> {
        let call =
            Escrow::pledgeCall { orderId: id, terms: pack(t), units: U256::from(units), promoter };
        self.escrow(backer, call).await
    }

    /// What the lens says a dispute of the order's current milestone costs.
    async fn bond(&self, id: U256, t: &Terms) -> Result<U256> {
        self.lens(EscrowLens::disputeBondCall { orderId: id, terms: pack(t) }).await
    }

    /// The lens's released amount of an order.
    async fn released(&self, id: U256, t: &Terms) -> Result<U256> {
        self.lens(EscrowLens::releasedOfCall { orderId: id, terms: pack(t) }).await
    }

    /// Waits for the live mirror to reach the head.
    async fn sync(&self) -> Result<()> {
        let (n, hash) = self.chain.head().await?;
        wait_for(&self.pool, CHAIN, n, hash).await
    }

    /// Stops the live mirror and compares it with a fresh re-index of the whole chain.
    async fn finish(self) -> Result<()> {
        self.sync().await?;
        self.running.stop().await?;
        let fresh = fresh_index(&self.chain, self.config.clone()).await?;
        let (live, again) = (snapshot(&self.pool, CHAIN).await?, snapshot(&fresh, CHAIN).await?);
        assert!(!live["orders"].is_empty(), "the snapshot includes the orders");
        assert_eq!(live, again, "live mirror vs fresh re-index");
        Ok(())
    }

    async fn rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        rows(&self.pool, sql).await
    }
}

/// Every row of `sql` as text (columns cast with `::TEXT` by the caller where needed).
async fn rows(pool: &PgPool, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
    use sqlx::Row;
    let out = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(CHAIN as i64)
        .fetch_all(pool)
        .await?;
    out.iter()
        .map(|r| (0..r.len()).map(|i| Ok(r.try_get::<Option<String>, _>(i)?)).collect())
        .collect()
}

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

fn row(cols: &[&str]) -> Vec<Option<String>> {
    cols.iter().map(|c| if *c == "NULL" { None } else { Some((*c).to_string()) }).collect()
}

/// Terms with the defaults of these tests; each test adjusts what it needs.
fn terms(token: Address, deadline: u64) -> Terms {
    Terms {
        seller: dev(4),
        token,
        unitPrice: alloy::primitives::Uint::from(10_000_000_u64),
        minUnits: 3,
        maxUnits: 10,
        fundingDeadline: alloy::primitives::Uint::from(deadline),
        reviewPeriod: DAY as u32,
        rulingPeriod: 2 * DAY as u32,
        promoterBps: 0,
        feeBps: 100,
        bondBps: 500,
        soleBuyer: ZERO,
        arbiter: dev(6),
        metadataHash: B256::repeat_byte(0x42),
        milestones: milestones(&[5000, 5000]),
        splits: vec![],
    }
}

fn sorted(mut v: Vec<Vec<Option<String>>>) -> Vec<Vec<Option<String>>> {
    v.sort();
    v
}

/// The order columns the tests check, with the packed terms as `OrderCreated` emitted them.
const ORDERS: &str = "SELECT order_id::TEXT, kind, status, seller, creator, sole_buyer,
        milestone_count::TEXT, units_pledged::TEXT, funded::TEXT, released::TEXT,
        refunded::TEXT, terms_packed
    FROM orders WHERE chain_id = $1 ORDER BY order_id";
const PLEDGES: &str =
    "SELECT order_id::TEXT, backer, promoter, units::TEXT, paid::TEXT, refunded::TEXT
    FROM pledges WHERE chain_id = $1 ORDER BY 1, 2";
const PROMOTIONS: &str =
    "SELECT order_id::TEXT, promoter, units::TEXT, amount::TEXT, commission::TEXT, closed::TEXT
    FROM promotions WHERE chain_id = $1 ORDER BY 1, 2";
const MILESTONES: &str =
    "SELECT order_id::TEXT, milestone::TEXT, state, proof_hash, approval_units::TEXT,
        disputed_by, released_amount::TEXT, withheld_amount::TEXT,
        (review_ends_at - delivered_at = interval '86400 seconds')::TEXT
    FROM milestones WHERE chain_id = $1 ORDER BY 1, 2";
/// Disputes: the bond, who it went to and the ruling.
const RULINGS: &str = "SELECT milestone::TEXT, disputed_by, dispute_bond::TEXT, bond_to, ruling,
        released_amount::TEXT, withheld_amount::TEXT
    FROM milestones WHERE chain_id = $1 AND disputed_by IS NOT NULL ORDER BY 1";
const CLAIMS: &str = "SELECT order_id::TEXT, account, kind, token, amount::TEXT
    FROM claims WHERE chain_id = $1 ORDER BY 1, 2, 3";
const BALANCES: &str = "SELECT token, account, credited::TEXT, withdrawn::TEXT
    FROM escrow_balances WHERE chain_id = $1 ORDER BY 1, 2";
const REPUTATION: &str = "SELECT account, completed_orders::TEXT, on_time_milestones::TEXT,
        disputes_lost::TEXT, deliveries_missed::TEXT, score::TEXT
    FROM reputation WHERE chain_id = $1 ORDER BY 1";

/// The expected `ORDERS` row of an order created by its seller.
fn order_row(t: &Terms, kind: &str, status: &str, figures: [&str; 4]) -> Vec<Option<String>> {
    let count = t.milestones.len().to_string();
    let packed = pack(t).to_string();
    let [units, funded, released, refunded] = figures;
    row(&[
        "1",
        kind,
        status,
        &hex(t.seller),
        &hex(t.seller),
        &hex(t.soleBuyer),
        &count,
        units,
        funded,
        released,
        refunded,
        &packed,
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collective_order_is_projected_from_funding_to_withdrawals() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, a, b, promoter, split) = (4, 1, 2, 5, 7);
    let mut t = terms(token, env.now().await? + 1000);
    t.splits = vec![Split { recipient: dev(split), bps: 1000 }];
    t.promoterBps = 500;
    let id = env.create(seller, &t, 1).await?;
    let p = pack(&t);
    let hash = env.lens(EscrowLens::termsHashOfCall { orderId: id }).await?;
    assert_eq!(hash, keccak256(&p));

    // Funding: a pledges 5 through the promoter and takes 1 back, b pledges 2.
    env.fund(a, 50_000_000).await?;
    env.fund(b, 20_000_000).await?;
    env.pledge(a, id, &t, 5, dev(promoter)).await?;
    env.pledge(b, id, &t, 2, ZERO).await?;
    let unpledge = Escrow::unpledgeCall { orderId: id, terms: p.clone(), units: U256::from(1) };
    env.escrow(a, unpledge).await?;
    env.sync().await?;
    let status: Vec<Vec<Option<String>>> = env
        .rows(
            "SELECT status, units_pledged::TEXT, funded::TEXT, weighted_units::TEXT
             FROM orders WHERE chain_id = $1",
        )
        .await?;
    let state = env.lens(EscrowLens::orderStateCall { orderId: id }).await?;
    let weighted = state.weightedUnits.to_string();
    assert_eq!(status, [row(&["Funding", "6", "60000000", &weighted])]);
    assert_eq!(state.weightedUnits, 6, "both backers weigh");

    env.warp(1001).await?;
    env.escrow(0, Escrow::finalizeCall { orderId: id, terms: p.clone() }).await?;
    env.sync().await?;
    assert_eq!(
        env.rows("SELECT status FROM orders WHERE chain_id = $1").await?,
        [row(&["Active"])]
    );

    // Milestone 0: delivered, released by anyone after the review period.
    let proofs = [B256::repeat_byte(0xa0), B256::repeat_byte(0xa1)];
    let deliver = |i: usize| Escrow::deliverMilestoneCall {
        orderId: id,
        terms: p.clone(),
        proofHash: proofs[i],
    };
    env.escrow(seller, deliver(0)).await?;
    env.warp(DAY + 1).await?;
    env.escrow(0, Escrow::releaseCall { orderId: id, terms: p.clone() }).await?;
    // Claims at half the order released: they accumulate with the final ones.
    let claim =
        |account: usize| Escrow::claimCall { orderId: id, terms: p.clone(), account: dev(account) };
    let commission =
        Escrow::claimCommissionCall { orderId: id, terms: p.clone(), promoter: dev(promoter) };
    env.escrow(0, claim(seller)).await?;
    env.escrow(0, commission.clone()).await?;
    env.sync().await?;

    // Milestone 1: delivered, approved by every weighted unit (a's 4, b's 2): released at
    // once, order completed.
    env.escrow(seller, deliver(1)).await?;
    for backer in [a, b] {
        env.escrow(backer, Escrow::approveMilestoneCall { orderId: id, terms: p.clone() }).await?;
    }
    let state = env.lens(EscrowLens::orderStateCall { orderId: id }).await?;
    assert_eq!((state.status, env.released(id, &t).await?), (4, U256::from(60_000_000)));
    for account in [seller, split, TREASURY] {
        env.escrow(0, claim(account)).await?;
    }
    // The final claim after the order ended closes the promoter's position.
    env.escrow(promoter, commission).await?;
    for account in [seller, split, TREASURY, promoter] {
        let to = dev(account);
        env.escrow(0, Escrow::withdrawCall { token, account: to, to }).await?;
    }
    env.sync().await?;

    // R = 60 000 000: fee 1% = 600 000; promoter pool 5% of the rest for 4 of 6 units =
    // 1 980 000; split 10% of the net 57 420 000 = 5 742 000; the seller the remainder.
    assert_eq!(
        env.rows(ORDERS).await?,
        [order_row(&t, "collective", "Completed", ["6", "60000000", "60000000", "0"])]
    );
    assert_eq!(
        env.rows(PLEDGES).await?,
        sorted(vec![
            row(&["1", &hex(dev(a)), &hex(dev(promoter)), "4", "40000000", "0"]),
            row(&["1", &hex(dev(b)), &hex(ZERO), "2", "20000000", "0"]),
        ])
    );
    let position =
        env.lens(EscrowLens::participantOfCall { orderId: id, account: dev(promoter) }).await?;
    assert!(position.closed);
    assert_eq!(
        env.rows(PROMOTIONS).await?,
        [row(&["1", &hex(dev(promoter)), "4", "40000000", "1980000", "true"])]
    );
    assert_eq!(
        env.rows(MILESTONES).await?,
        [
            row(&[
                "1",
                "0",
                "Released",
                &proofs[0].to_string(),
                "0",
                "NULL",
                "30000000",
                "0",
                "true"
            ]),
            row(&[
                "1",
                "1",
                "Released",
                &proofs[1].to_string(),
                "6",
                "NULL",
                "30000000",
                "0",
                "true"
            ]),
        ]
    );
    let tok = hex(token);
    let expected = [
        (seller, "share", 51_678_000_u64),
        (split, "share", 5_742_000),
        (TREASURY, "share", 600_000),
        (promoter, "commission", 1_980_000),
    ];
    assert_eq!(
        env.rows(CLAIMS).await?,
        sorted(
            expected
                .iter()
                .map(|(acc, kind, amount)| row(&[
                    "1",
                    &hex(dev(*acc)),
                    kind,
                    &tok,
                    &amount.to_string()
                ]))
                .collect()
        )
    );
    // The contract agrees on every claim (shares and commissions alike), and every internal
    // balance was paid out.
    for (acc, kind, amount) in expected {
        let on_chain =
            env.lens(EscrowLens::claimedOfCall { orderId: id, account: dev(acc) }).await?;
        assert_eq!(on_chain, U256::from(amount), "{kind} of dev({acc})");
        let balance = env.view(Escrow::balanceOfCall { token, account: dev(acc) }).await?;
        assert_eq!(balance, U256::ZERO);
    }
    assert_eq!(
        env.rows(BALANCES).await?,
        sorted(
            expected
                .iter()
                .map(|(acc, _, amount)| row(&[
                    &tok,
                    &hex(dev(*acc)),
                    &amount.to_string(),
                    &amount.to_string()
                ]))
                .collect()
        )
    );
    assert_eq!(balances(&env.pool, CHAIN, token).await?[&env.escrow], 0);
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&hex(dev(seller)), "1", "2", "0", "0", "14"])]);
    env.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_order_refunds_every_backer_exactly() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, a, b, promoter, elsewhere) = (4, 1, 2, 5, 3);
    let mut t = terms(token, env.now().await? + 1000);
    t.promoterBps = 500;
    let id = env.create(seller, &t, 1).await?;
    let p = pack(&t);
    env.fund(a, 10_000_000).await?;
    env.fund(b, 10_000_000).await?;
    // a pledges without a promoter, withdraws everything, then pledges through the promoter:
    // holding no units again, its promoter is the new one.
    env.pledge(a, id, &t, 1, ZERO).await?;
    env.escrow(a, Escrow::unpledgeCall { orderId: id, terms: p.clone(), units: U256::from(1) })
        .await?;
    env.sync().await?;
    env.approve(a, 10_000_000).await?;
    env.pledge(a, id, &t, 1, dev(promoter)).await?;
    env.pledge(b, id, &t, 1, dev(promoter)).await?;
    let backer = env.lens(EscrowLens::participantOfCall { orderId: id, account: dev(a) }).await?;
    assert_eq!(backer.promoter, dev(promoter));
    env.warp(1001).await?;
    env.escrow(0, Escrow::finalizeCall { orderId: id, terms: p.clone() }).await?;
    env.sync().await?;
    assert_eq!(
        env.rows("SELECT status FROM orders WHERE chain_id = $1").await?,
        [row(&["Failed"])]
    );
    // Anyone may refund a backer to the backer; the backer may send it elsewhere.
    for backer in [a, b] {
        let due = EscrowLens::refundableCall { orderId: id, terms: p.clone(), backer: dev(backer) };
        assert_eq!(env.lens(due).await?, U256::from(10_000_000));
    }
    let refund = |backer: usize, to: usize| Escrow::refundCall {
        orderId: id,
        terms: p.clone(),
        backer: dev(backer),
        to: dev(to),
    };
    env.escrow(0, refund(a, a)).await?;
    env.escrow(b, refund(b, elsewhere)).await?;
    env.sync().await?;

    assert_eq!(
        env.rows(ORDERS).await?,
        [order_row(&t, "collective", "Failed", ["2", "20000000", "0", "20000000"])]
    );
    // A refund clears the backer's units (the Escrow deletes its record).
    assert_eq!(
        env.rows(PLEDGES).await?,
        sorted(vec![
            row(&["1", &hex(dev(a)), &hex(dev(promoter)), "0", "10000000", "10000000"]),
            row(&["1", &hex(dev(b)), &hex(dev(promoter)), "0", "10000000", "10000000"]),
        ])
    );
    for backer in [a, b] {
        let record =
            env.lens(EscrowLens::participantOfCall { orderId: id, account: dev(backer) }).await?;
        assert_eq!(record.units, 0);
    }
    assert_eq!(
        env.rows(PROMOTIONS).await?,
        [row(&["1", &hex(dev(promoter)), "2", "20000000", "0", "false"])]
    );
    assert_eq!(
        env.rows(
            "SELECT args->>'backer', args->>'to', args->>'amount' FROM events
             WHERE chain_id = $1 AND event = 'Refunded' ORDER BY block_number"
        )
        .await?,
        [
            row(&[&hex(dev(a)), &hex(dev(a)), "10000000"]),
            row(&[&hex(dev(b)), &hex(dev(elsewhere)), "10000000"])
        ]
    );
    assert!(env.rows(MILESTONES).await?.is_empty());
    assert!(env.rows(CLAIMS).await?.is_empty());
    let token_balances = balances(&env.pool, CHAIN, token).await?;
    assert_eq!(
        (
            token_balances[&dev(a)],
            token_balances[&dev(b)],
            token_balances[&dev(elsewhere)],
            token_balances[&env.escrow]
        ),
        (10_000_000, 0, 10_000_000, 0)
    );
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&hex(dev(seller)), "0", "0", "0", "0", "0"])]);

    // The allowlist is mirrored as the Escrow keeps it: the bootstrap takes the token off.
    const ALLOWLIST: &str = "SELECT token, allowed::TEXT FROM payment_tokens WHERE chain_id = $1";
    assert_eq!(env.rows(ALLOWLIST).await?, [row(&[&hex(token), "true"])]);
    env.escrow(0, Escrow::setTokenAllowedCall { token, allowed: false }).await?;
    env.sync().await?;
    assert!(!env.view(Escrow::isTokenAllowedCall { token }).await?);
    assert_eq!(env.rows(ALLOWLIST).await?, [row(&[&hex(token), "false"])]);
    env.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disputed_freelance_job_is_ruled_with_a_refund() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, client, arbiter) = (4, 3, 6);
    let mut t = terms(token, env.now().await? + 1000);
    t.unitPrice = alloy::primitives::Uint::from(1_000_000_000_u64);
    t.minUnits = 1;
    t.maxUnits = 1;
    t.milestones = milestones(&[4000, 6000]);
    t.soleBuyer = dev(client);
    let id = env.create(seller, &t, 1).await?;
    let p = pack(&t);
    // The price, and the bond of a dispute on the second milestone (5 % of 600 000 000).
    env.fund(client, 1_030_000_000).await?;
    env.pledge(client, id, &t, 1, ZERO).await?;
    // The cap is reached: finalized before the deadline.
    env.escrow(seller, Escrow::finalizeCall { orderId: id, terms: p.clone() }).await?;
    let proofs = [B256::repeat_byte(0xb0), B256::repeat_byte(0xb1)];
    let deliver = |i: usize| Escrow::deliverMilestoneCall {
        orderId: id,
        terms: p.clone(),
        proofHash: proofs[i],
    };
    // Milestone 0 approved by the client (released at once), milestone 1 disputed within its
    // review window, with the bond.
    env.escrow(seller, deliver(0)).await?;
    env.escrow(client, Escrow::approveMilestoneCall { orderId: id, terms: p.clone() }).await?;
    env.escrow(seller, deliver(1)).await?;
    let bond = env.bond(id, &t).await?;
    assert_eq!(bond, U256::from(30_000_000));
    env.escrow(
        client,
        Escrow::disputeCall {
            orderId: id,
            terms: p.clone(),
            reason: "The wool is thinner than promised.".into(),
        },
    )
    .await?;
    env.sync().await?;
    assert_eq!(
        env.rows("SELECT milestone::TEXT, state, disputed_by, dispute_reason FROM milestones WHERE chain_id = $1 ORDER BY 1")
            .await?,
        [
            row(&["0", "Released", "NULL", "NULL"]),
            row(&["1", "Disputed", &hex(dev(client)), "The wool is thinner than promised."])
        ]
    );
    // Held 600 000 000: 150 000 000 released, the order ended, 450 000 000 back to the client;
    // upheld, so the bond goes back to the client.
    let rule = Escrow::ruleCall {
        orderId: id,
        terms: p.clone(),
        releaseAmount: U256::from(150_000_000_u64),
        endOrder: true,
    };
    env.escrow(arbiter, rule).await?;
    let refundable =
        env.lens(EscrowLens::refundableCall { orderId: id, terms: p.clone(), backer: dev(client) });
    assert_eq!(refundable.await?, U256::from(450_000_000_u64));
    let refund =
        Escrow::refundCall { orderId: id, terms: p.clone(), backer: dev(client), to: dev(client) };
    env.escrow(0, refund).await?;
    for account in [seller, TREASURY] {
        let claim = Escrow::claimCall { orderId: id, terms: p.clone(), account: dev(account) };
        env.escrow(0, claim).await?;
    }
    env.sync().await?;

    let state = env.lens(EscrowLens::orderStateCall { orderId: id }).await?;
    assert_eq!(state.status, 5, "Resolved");
    assert_eq!(env.released(id, &t).await?, U256::from(550_000_000_u64));
    assert_eq!(
        env.rows(ORDERS).await?,
        [order_row(&t, "freelance", "Resolved", ["1", "1000000000", "550000000", "450000000"])]
    );
    assert_eq!(
        env.rows(MILESTONES).await?,
        [
            row(&[
                "1",
                "0",
                "Released",
                &proofs[0].to_string(),
                "1",
                "NULL",
                "400000000",
                "0",
                "true"
            ]),
            row(&[
                "1",
                "1",
                "Resolved",
                &proofs[1].to_string(),
                "0",
                &hex(dev(client)),
                "150000000",
                "450000000",
                "true",
            ]),
        ]
    );
    let c = hex(dev(client));
    assert_eq!(
        env.rows(RULINGS).await?,
        [row(&["1", &c, &bond.to_string(), &c, "Ended", "150000000", "450000000"])]
    );
    assert_eq!(
        env.rows(PLEDGES).await?,
        [row(&["1", &hex(dev(client)), &hex(ZERO), "0", "1000000000", "450000000"])]
    );
    // R = 550 000 000: fee 5 500 000, no promoters or splits, the seller the rest.
    let tok = hex(token);
    assert_eq!(
        env.rows(CLAIMS).await?,
        sorted(vec![
            row(&["1", &hex(dev(seller)), "share", &tok, "544500000"]),
            row(&["1", &hex(dev(TREASURY)), "share", &tok, "5500000"]),
        ])
    );
    for (acc, amount) in [(seller, 544_500_000_u64), (TREASURY, 5_500_000)] {
        let on_chain =
            env.lens(EscrowLens::claimedOfCall { orderId: id, account: dev(acc) }).await?;
        assert_eq!(on_chain, U256::from(amount));
    }
    // The bond was credited to the client's balance in the Escrow.
    let credited = env.view(Escrow::balanceOfCall { token, account: dev(client) }).await?;
    assert_eq!(credited, bond);
    assert_eq!(
        env.rows(BALANCES).await?,
        sorted(vec![
            row(&[&tok, &hex(dev(seller)), "544500000", "0"]),
            row(&[&tok, &hex(dev(TREASURY)), "5500000", "0"]),
            row(&[&tok, &c, &bond.to_string(), "0"]),
        ])
    );
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&hex(dev(seller)), "0", "1", "1", "0", "-13"])]);
    env.finish().await
}

/// A dispute the arbiter leaves unanswered: anyone applies the default ruling after the
/// ruling period, which ends the order and gives everything back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_left_unruled_is_ruled_by_default_and_projected() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, client) = (4, 3);
    let mut t = terms(token, env.now().await? + 1000);
    t.minUnits = 1;
    t.maxUnits = 1;
    t.milestones = milestones(&[10_000]);
    t.soleBuyer = dev(client);
    let id = env.create(seller, &t, 1).await?;
    let p = pack(&t);
    env.fund(client, 10_500_000).await?;
    env.pledge(client, id, &t, 1, ZERO).await?;
    env.escrow(client, Escrow::finalizeCall { orderId: id, terms: p.clone() }).await?;
    env.escrow(
        seller,
        Escrow::deliverMilestoneCall {
            orderId: id,
            terms: p.clone(),
            proofHash: B256::repeat_byte(0xd0),
        },
    )
    .await?;
    let bond = env.bond(id, &t).await?;
    env.escrow(
        client,
        Escrow::disputeCall {
            orderId: id,
            terms: p.clone(),
            reason: "The wool is thinner than promised.".into(),
        },
    )
    .await?;
    env.sync().await?;
    assert_eq!(
        env.rows("SELECT milestone::TEXT, state, disputed_by FROM milestones WHERE chain_id = $1")
            .await?,
        [row(&["0", "Disputed", &hex(dev(client))])]
    );
    // The ruling period passes: everything back to the client, the bond too.
    env.warp(2 * DAY).await?;
    env.escrow(0, Escrow::ruleByDefaultCall { orderId: id, terms: p.clone() }).await?;
    env.escrow(
        client,
        Escrow::refundCall { orderId: id, terms: p.clone(), backer: dev(client), to: dev(client) },
    )
    .await?;
    env.sync().await?;
    let state = env.lens(EscrowLens::orderStateCall { orderId: id }).await?;
    assert_eq!(state.status, 5, "Resolved");
    assert_eq!(env.released(id, &t).await?, U256::ZERO);
    assert_eq!(
        env.rows(
            "SELECT kind, status, released::TEXT, refunded::TEXT FROM orders WHERE chain_id = $1"
        )
        .await?,
        [row(&["sale", "Resolved", "0", "10000000"])]
    );
    let proof = B256::repeat_byte(0xd0).to_string();
    assert_eq!(
        env.rows(MILESTONES).await?,
        [row(&["1", "0", "Resolved", &proof, "0", &hex(dev(client)), "0", "10000000", "true"])]
    );
    let c = hex(dev(client));
    assert_eq!(
        env.rows(RULINGS).await?,
        [row(&["0", &c, &bond.to_string(), &c, "ByDefault", "0", "10000000"])]
    );
    assert_eq!(env.view(Escrow::balanceOfCall { token, account: dev(client) }).await?, bond);
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&hex(dev(seller)), "0", "0", "1", "0", "-15"])]);
    env.finish().await
}

/// Escrow v2's other endings, mirrored as the lens sees them: a dispute dismissed (the bond
/// to the seller), one upheld with part withheld (the bond back to the disputer), and a
/// milestone never delivered (the order expires); backers take back what was not released,
/// one of them to another address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissed_and_withheld_rulings_and_an_expiry_are_projected() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, a, b, arbiter, elsewhere) = (4, 1, 2, 6, 9);
    let mut t = terms(token, env.now().await? + 1000);
    t.milestones = milestones(&[2000, 3000, 5000]);
    let id = env.create(seller, &t, 1).await?;
    let p = pack(&t);
    env.fund(a, 100_000_000).await?;
    env.fund(b, 100_000_000).await?;
    env.pledge(a, id, &t, 3, ZERO).await?;
    env.pledge(b, id, &t, 1, ZERO).await?;
    env.warp(1001).await?;
    env.escrow(0, Escrow::finalizeCall { orderId: id, terms: p.clone() }).await?;
    let deliver = |i: u8| Escrow::deliverMilestoneCall {
        orderId: id,
        terms: p.clone(),
        proofHash: B256::repeat_byte(i),
    };
    let milestone = |i: usize| EscrowLens::milestoneAmountCall {
        orderId: id,
        terms: p.clone(),
        index: U256::from(i),
    };
    let rule = |release: U256| Escrow::ruleCall {
        orderId: id,
        terms: p.clone(),
        releaseAmount: release,
        endOrder: false,
    };
    // Milestone 0: disputed by a, dismissed: released in full, the bond to the seller.
    env.escrow(seller, deliver(0)).await?;
    let bonds = [env.bond(id, &t).await?, U256::ZERO];
    env.escrow(
        a,
        Escrow::disputeCall {
            orderId: id,
            terms: p.clone(),
            reason: "The wool is thinner than promised.".into(),
        },
    )
    .await?;
    env.escrow(arbiter, rule(env.lens(milestone(0)).await?)).await?;
    // Milestone 1: disputed by b, a third withheld: the bond back to b.
    env.escrow(seller, deliver(1)).await?;
    let bonds = [bonds[0], env.bond(id, &t).await?];
    env.escrow(
        b,
        Escrow::disputeCall {
            orderId: id,
            terms: p.clone(),
            reason: "The wool is thinner than promised.".into(),
        },
    )
    .await?;
    let amount = env.lens(milestone(1)).await?;
    let withheld = amount / U256::from(3);
    env.escrow(arbiter, rule(amount - withheld)).await?;
    // Milestone 2: never delivered; anyone ends the order once its delivery period passed.
    let deadline = env.lens(EscrowLens::deadlineOfCall { orderId: id, terms: p.clone() }).await?;
    env.warp(deadline.to::<u64>() - env.now().await?).await?;
    env.escrow(0, Escrow::expireCall { orderId: id, terms: p.clone() }).await?;
    let due: Vec<U256> = refundables(&env, id, &p, &[a, b]).await?;
    env.escrow(0, Escrow::refundCall { orderId: id, terms: p.clone(), backer: dev(a), to: dev(a) })
        .await?;
    let refund_b =
        Escrow::refundCall { orderId: id, terms: p.clone(), backer: dev(b), to: dev(elsewhere) };
    env.escrow(b, refund_b).await?;
    env.sync().await?;

    let state = env.lens(EscrowLens::orderStateCall { orderId: id }).await?;
    assert_eq!(state.status, 6, "Expired");
    let released = env.released(id, &t).await?;
    let refunded = due[0] + due[1];
    assert_eq!(released + refunded, U256::from(40_000_000), "F = R + refunds");
    assert_eq!(
        env.rows(ORDERS).await?,
        [order_row(
            &t,
            "collective",
            "Expired",
            ["4", "40000000", &released.to_string(), &refunded.to_string()]
        )]
    );
    let (sa, sb, s) = (hex(dev(a)), hex(dev(b)), hex(dev(seller)));
    assert_eq!(
        env.rows(RULINGS).await?,
        [
            row(&[
                "0",
                &sa,
                &bonds[0].to_string(),
                &s,
                "Dismissed",
                &env.lens(milestone(0)).await?.to_string(),
                "0"
            ]),
            row(&[
                "1",
                &sb,
                &bonds[1].to_string(),
                &sb,
                "Withheld",
                &(amount - withheld).to_string(),
                &withheld.to_string()
            ]),
        ]
    );
    assert_eq!(
        env.rows("SELECT milestone::TEXT, state FROM milestones WHERE chain_id = $1 ORDER BY 1")
            .await?,
        [row(&["0", "Released"]), row(&["1", "Resolved"]), row(&["2", "Expired"])]
    );
    assert_eq!(
        env.rows(PLEDGES).await?,
        sorted(vec![
            row(&["1", &sa, &hex(ZERO), "0", "30000000", &due[0].to_string()]),
            row(&["1", &sb, &hex(ZERO), "0", "10000000", &due[1].to_string()]),
        ])
    );
    // The bonds, credited in the Escrow: the mirror's balances are the contract's.
    let tok = hex(token);
    for (account, bond) in [(seller, bonds[0]), (b, bonds[1])] {
        let on_chain = env.view(Escrow::balanceOfCall { token, account: dev(account) }).await?;
        assert_eq!(on_chain, bond);
        let mirrored = env
            .rows(&format!(
                "SELECT credited::TEXT FROM escrow_balances
                 WHERE chain_id = $1 AND token = '{tok}' AND account = '{}'",
                hex(dev(account))
            ))
            .await?;
        assert_eq!(mirrored, [row(&[&bond.to_string()])]);
    }
    let token_balances = balances(&env.pool, CHAIN, token).await?;
    assert_eq!(U256::from(token_balances[&dev(elsewhere)]), due[1], "b's refund went elsewhere");
    // A dismissed dispute keeps the milestone clean of a loss; the withheld one counts, and
    // so does the milestone the seller let expire.
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&s, "0", "0", "1", "1", "-30"])]);
    env.finish().await
}

/// What the lens says each backer may take back now.
async fn refundables(
    env: &Env,
    id: U256,
    p: &alloy::primitives::Bytes,
    backers: &[usize],
) -> Result<Vec<U256>> {
    let mut out = Vec::new();
    for backer in backers {
        let call =
            EscrowLens::refundableCall { orderId: id, terms: p.clone(), backer: dev(*backer) };
        out.push(env.lens(call).await?);
    }
    Ok(out)
}

/// A seller signs terms (EIP-712) and anyone relays them: the order's creator is the
/// relayer. Terms a seller revokes before anyone used them are mirrored by their digest, and
/// can no longer create an order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayed_orders_and_revoked_terms_are_projected() -> Result<()> {
    let env = Env::start().await?;
    let (seller, relayer) = (4, 7);
    let t = terms(env.chain.token, env.now().await? + 1000);
    let mut revoked = t.clone();
    revoked.maxUnits = 20;
    let sign = |terms: &Terms| {
        let typed = cointent_domain::terms::typed_data(terms, CHAIN, env.escrow);
        env.chain.provider.raw_request::<_, alloy::primitives::Bytes>(
            "eth_signTypedData_v4".into(),
            (dev(seller), typed),
        )
    };
    let (signature, revoked_signature) = (sign(&t).await?, sign(&revoked).await?);
    let create = Escrow::createOrderForCall { terms: pack(&t), signature };
    env.escrow(relayer, create).await?;
    env.escrow(seller, Escrow::revokeTermsCall { terms: pack(&revoked) }).await?;
    // The revoked signature no longer creates an order.
    let relay = Escrow::createOrderForCall { terms: pack(&revoked), signature: revoked_signature };
    assert!(env.escrow(relayer, relay).await.is_err(), "revoked terms were used");
    assert_eq!(env.view(Escrow::orderCountCall {}).await?, U256::from(1));
    env.sync().await?;

    let mut created = order_row(&t, "collective", "Funding", ["0", "0", "0", "0"]);
    created[4] = Some(hex(dev(relayer)));
    assert_eq!(env.rows(ORDERS).await?, [created]);
    let digest = cointent_domain::terms::digest(&revoked, CHAIN, env.escrow);
    let lens_digest = env.lens(EscrowLens::termsDigestCall { terms: pack(&revoked) }).await?;
    assert_eq!(digest, lens_digest);
    assert!(env.lens(EscrowLens::signatureUsedCall { digest }).await?);
    assert_eq!(
        env.rows("SELECT seller, digest FROM terms_revocations WHERE chain_id = $1").await?,
        [row(&[&hex(dev(seller)), &digest.to_string()])]
    );
    env.finish().await
}
