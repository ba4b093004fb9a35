//! Escrow projections: real orders driven through the deployed Escrow, mirrored live in small
//! batches, checked row by row, and compared with a fresh re-index in one batch.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};
use cointent_abi::{
    DemoStablecoin, Escrow,
    IEscrow::{Split, Terms},
};
use cointent_config::ChainConfig;
use eyre::{ContextCompat, Result};
use sqlx::PgPool;

use crate::common::*;

const CHAIN: u64 = 31337;
const ZERO: Address = Address::ZERO;
const TREASURY: usize = 8;
const GOVERNANCE: usize = 9;

/// A chain with the stablecoin and the Escrow deployed, mirrored live into a fresh database.
struct Env {
    chain: Chain,
    escrow: Address,
    config: ChainConfig,
    pool: PgPool,
    running: Running,
}

impl Env {
    async fn start() -> Result<Self> {
        let chain = Chain::start(CHAIN).await?;
        let args = (dev(GOVERNANCE), dev(TREASURY), 100_u16).abi_encode_params();
        let code: Bytes = [artifact_bytecode("Escrow")?.to_vec(), args].concat().into();
        let nonce = chain.provider.get_transaction_count(dev(0)).latest().await?;
        let deploy = TransactionRequest::default()
            .with_from(dev(0))
            .with_deploy_code(code)
            .with_nonce(nonce);
        let receipt = chain.provider.send_transaction(deploy).await?.get_receipt().await?;
        eyre::ensure!(receipt.status(), "escrow deployment reverted");
        let escrow = receipt.contract_address.context("escrow deployed")?;
        let mut config = chain.config("escrow-test");
        config.contracts.insert("escrow".to_string(), escrow);
        let pool = fresh_db().await?;
        let running = Running::start(&pool, config.clone());
        Ok(Self { chain, escrow, config, pool, running })
    }

    /// Sends `input` to `to` from dev account `from` and waits for its receipt.
    async fn send_to(&self, from: usize, to: Address, input: Vec<u8>) -> Result<u64> {
        send_and_wait(&self.chain.provider, from, to, input).await
    }

    async fn escrow<C: SolCall>(&self, from: usize, call: C) -> Result<u64> {
        self.send_to(from, self.escrow, call.abi_encode()).await
    }

    async fn view<C: SolCall>(&self, call: C) -> Result<C::Return> {
        let tx = TransactionRequest::default().with_to(self.escrow).with_input(call.abi_encode());
        let out = self.chain.provider.call(tx).await?;
        Ok(C::abi_decode_returns(&out)?)
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

    /// Creates an order and checks that it got the expected id.
    async fn create(&self, seller: usize, terms: &Terms, id: u64) -> Result<U256> {
        self.escrow(seller, Escrow::createOrderCall { terms: terms.clone() }).await?;
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
        let call = Escrow::pledgeCall {
            orderId: id,
            terms: t.clone(),
            units: U256::from(units),
            promoter,
        };
        self.escrow(backer, call).await
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
        reviewPeriod: 3600,
        promoterBps: 0,
        feeBps: 100,
        soleBuyer: ZERO,
        arbiter: dev(6),
        metadataHash: B256::repeat_byte(0x42),
        milestoneBps: vec![5000, 5000],
        splits: vec![],
    }
}

fn sorted(mut v: Vec<Vec<Option<String>>>) -> Vec<Vec<Option<String>>> {
    v.sort();
    v
}

const ORDERS: &str =
    "SELECT order_id::TEXT, kind, status, seller, sole_buyer, milestone_count::TEXT,
        units_pledged::TEXT, funded::TEXT, released::TEXT, refunded::TEXT, terms_hash
    FROM orders WHERE chain_id = $1 ORDER BY order_id";
const PLEDGES: &str =
    "SELECT order_id::TEXT, backer, promoter, units::TEXT, paid::TEXT, refunded::TEXT
    FROM pledges WHERE chain_id = $1 ORDER BY 1, 2";
const PROMOTIONS: &str =
    "SELECT order_id::TEXT, promoter, units::TEXT, amount::TEXT, commission::TEXT
    FROM promotions WHERE chain_id = $1 ORDER BY 1, 2";
const MILESTONES: &str =
    "SELECT order_id::TEXT, milestone::TEXT, state, proof_hash, approval_units::TEXT,
        disputed_by, released_amount::TEXT, refund_amount::TEXT,
        (review_ends_at - delivered_at = interval '3600 seconds')::TEXT
    FROM milestones WHERE chain_id = $1 ORDER BY 1, 2";
const CLAIMS: &str = "SELECT order_id::TEXT, account, kind, token, amount::TEXT
    FROM claims WHERE chain_id = $1 ORDER BY 1, 2, 3";
const BALANCES: &str = "SELECT token, account, credited::TEXT, withdrawn::TEXT
    FROM escrow_balances WHERE chain_id = $1 ORDER BY 1, 2";
const REPUTATION: &str = "SELECT account, completed_orders::TEXT, on_time_milestones::TEXT,
        disputes_lost::TEXT, score::TEXT
    FROM reputation WHERE chain_id = $1 ORDER BY 1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collective_order_is_projected_from_funding_to_withdrawals() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, a, b, promoter, split) = (4, 1, 2, 5, 7);
    let mut t = terms(token, env.now().await? + 1000);
    t.splits = vec![Split { recipient: dev(split), bps: 1000 }];
    t.promoterBps = 500;
    let id = env.create(seller, &t, 1).await?;
    let hash = env.view(Escrow::hashTermsCall { terms: t.clone() }).await?;
    assert_eq!(env.view(Escrow::termsHashOfCall { orderId: id }).await?, hash);

    // Funding: a pledges 5 through the promoter and takes 1 back, b pledges 2.
    env.fund(a, 50_000_000).await?;
    env.fund(b, 20_000_000).await?;
    env.pledge(a, id, &t, 5, dev(promoter)).await?;
    env.pledge(b, id, &t, 2, ZERO).await?;
    let unpledge = Escrow::unpledgeCall { orderId: id, terms: t.clone(), units: U256::from(1) };
    env.escrow(a, unpledge).await?;
    env.sync().await?;
    let status: Vec<Vec<Option<String>>> = env
        .rows("SELECT status, units_pledged::TEXT, funded::TEXT FROM orders WHERE chain_id = $1")
        .await?;
    assert_eq!(status, [row(&["Funding", "6", "60000000"])]);

    env.warp(1001).await?;
    env.escrow(0, Escrow::finalizeCall { orderId: id, terms: t.clone() }).await?;
    env.sync().await?;
    assert_eq!(
        env.rows("SELECT status FROM orders WHERE chain_id = $1").await?,
        [row(&["Active"])]
    );

    // Milestone 0: delivered, released by anyone after the review period.
    let proofs = [B256::repeat_byte(0xa0), B256::repeat_byte(0xa1)];
    let deliver = |i: usize| Escrow::deliverMilestoneCall {
        orderId: id,
        terms: t.clone(),
        proofHash: proofs[i],
    };
    env.escrow(seller, deliver(0)).await?;
    env.warp(3601).await?;
    env.escrow(0, Escrow::releaseCall { orderId: id, terms: t.clone() }).await?;
    // Claims at half the order released: they accumulate with the final ones.
    let claim =
        |account: usize| Escrow::claimCall { orderId: id, terms: t.clone(), account: dev(account) };
    let commission =
        Escrow::claimCommissionCall { orderId: id, terms: t.clone(), promoter: dev(promoter) };
    env.escrow(0, claim(seller)).await?;
    env.escrow(0, commission.clone()).await?;
    env.sync().await?;

    // Milestone 1: delivered, approved by a (4 of 6 units): released at once, order completed.
    env.escrow(seller, deliver(1)).await?;
    env.escrow(a, Escrow::approveMilestoneCall { orderId: id, terms: t.clone() }).await?;
    let state = env.view(Escrow::orderStateCall { orderId: id }).await?;
    assert_eq!((state.status, state.released), (4, 60_000_000));
    for account in [seller, split, TREASURY] {
        env.escrow(0, claim(account)).await?;
    }
    env.escrow(promoter, commission).await?;
    for account in [seller, split, TREASURY, promoter] {
        env.escrow(0, Escrow::withdrawCall { token, account: dev(account) }).await?;
    }
    env.sync().await?;

    // R = 60 000 000: fee 1% = 600 000; promoter pool 5% of the rest for 4 of 6 units =
    // 1 980 000; split 10% of the net 57 420 000 = 5 742 000; the seller the remainder.
    let o = &env.rows(ORDERS).await?;
    assert_eq!(
        o,
        &[row(&[
            "1",
            "collective",
            "Completed",
            &hex(dev(seller)),
            &hex(ZERO),
            "2",
            "6",
            "60000000",
            "60000000",
            "0",
            &hash.to_string(),
        ])]
    );
    assert_eq!(
        env.rows(PLEDGES).await?,
        sorted(vec![
            row(&["1", &hex(dev(a)), &hex(dev(promoter)), "4", "40000000", "0"]),
            row(&["1", &hex(dev(b)), &hex(ZERO), "2", "20000000", "0"]),
        ])
    );
    assert_eq!(
        env.rows(PROMOTIONS).await?,
        [row(&["1", &hex(dev(promoter)), "4", "40000000", "1980000"])]
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
                "4",
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
    // The contract agrees on every claim, and every internal balance was paid out.
    for (acc, kind, amount) in expected {
        let on_chain = if kind == "share" {
            env.view(Escrow::claimedOfCall { orderId: id, account: dev(acc) }).await?
        } else {
            U256::from(
                env.view(Escrow::promoterOfCall { orderId: id, promoter: dev(acc) }).await?.claimed,
            )
        };
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
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&hex(dev(seller)), "1", "2", "0", "14"])]);
    env.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_order_refunds_every_backer_exactly() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, a, b, promoter) = (4, 1, 2, 5);
    let mut t = terms(token, env.now().await? + 1000);
    t.promoterBps = 500;
    let id = env.create(seller, &t, 1).await?;
    env.fund(a, 10_000_000).await?;
    env.fund(b, 10_000_000).await?;
    // a pledges without a promoter, withdraws everything, then pledges through the promoter:
    // holding no units again, its promoter is the new one.
    env.pledge(a, id, &t, 1, ZERO).await?;
    env.escrow(a, Escrow::unpledgeCall { orderId: id, terms: t.clone(), units: U256::from(1) })
        .await?;
    env.sync().await?;
    env.approve(a, 10_000_000).await?;
    env.pledge(a, id, &t, 1, dev(promoter)).await?;
    env.pledge(b, id, &t, 1, dev(promoter)).await?;
    let backer = env.view(Escrow::backerOfCall { orderId: id, backer: dev(a) }).await?;
    assert_eq!(backer.promoter, dev(promoter));
    env.warp(1001).await?;
    env.escrow(0, Escrow::finalizeCall { orderId: id, terms: t.clone() }).await?;
    env.sync().await?;
    assert_eq!(
        env.rows("SELECT status FROM orders WHERE chain_id = $1").await?,
        [row(&["Failed"])]
    );
    // Anyone may refund a backer; the money goes to the backer.
    env.escrow(0, Escrow::refundCall { orderId: id, terms: t.clone(), backer: dev(a) }).await?;
    env.escrow(b, Escrow::refundCall { orderId: id, terms: t.clone(), backer: dev(b) }).await?;
    env.sync().await?;

    assert_eq!(
        env.rows(ORDERS).await?,
        [row(&[
            "1",
            "collective",
            "Failed",
            &hex(dev(seller)),
            &hex(ZERO),
            "2",
            "2",
            "20000000",
            "0",
            "20000000",
            &env.view(Escrow::hashTermsCall { terms: t.clone() }).await?.to_string(),
        ])]
    );
    assert_eq!(
        env.rows(PLEDGES).await?,
        sorted(vec![
            row(&["1", &hex(dev(a)), &hex(dev(promoter)), "1", "10000000", "10000000"]),
            row(&["1", &hex(dev(b)), &hex(dev(promoter)), "1", "10000000", "10000000"]),
        ])
    );
    assert_eq!(
        env.rows(PROMOTIONS).await?,
        [row(&["1", &hex(dev(promoter)), "2", "20000000", "0"])]
    );
    assert!(env.rows(MILESTONES).await?.is_empty());
    assert!(env.rows(CLAIMS).await?.is_empty());
    let token_balances = balances(&env.pool, CHAIN, token).await?;
    assert_eq!(
        (token_balances[&dev(a)], token_balances[&dev(b)], token_balances[&env.escrow]),
        (10_000_000, 10_000_000, 0)
    );
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&hex(dev(seller)), "0", "0", "0", "0"])]);
    env.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disputed_freelance_job_is_resolved_with_a_refund() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, client, arbiter) = (4, 3, 6);
    let mut t = terms(token, env.now().await? + 1000);
    t.unitPrice = alloy::primitives::Uint::from(1_000_000_000_u64);
    t.minUnits = 1;
    t.maxUnits = 1;
    t.milestoneBps = vec![4000, 6000];
    t.soleBuyer = dev(client);
    let id = env.create(seller, &t, 1).await?;
    env.fund(client, 1_000_000_000).await?;
    env.pledge(client, id, &t, 1, ZERO).await?;
    // The cap is reached: finalized before the deadline.
    env.escrow(seller, Escrow::finalizeCall { orderId: id, terms: t.clone() }).await?;
    let proofs = [B256::repeat_byte(0xb0), B256::repeat_byte(0xb1)];
    let deliver = |i: usize| Escrow::deliverMilestoneCall {
        orderId: id,
        terms: t.clone(),
        proofHash: proofs[i],
    };
    // Milestone 0 approved by the client (released at once), milestone 1 disputed.
    env.escrow(seller, deliver(0)).await?;
    env.escrow(client, Escrow::approveMilestoneCall { orderId: id, terms: t.clone() }).await?;
    env.escrow(seller, deliver(1)).await?;
    env.escrow(client, Escrow::disputeCall { orderId: id, terms: t.clone() }).await?;
    env.sync().await?;
    assert_eq!(
        env.rows("SELECT milestone::TEXT, state, disputed_by FROM milestones WHERE chain_id = $1 ORDER BY 1")
            .await?,
        [row(&["0", "Released", "NULL"]), row(&["1", "Disputed", &hex(dev(client))])]
    );
    // Held 600 000 000: 450 000 000 back to the client, 150 000 000 released.
    let resolve = Escrow::resolveCall {
        orderId: id,
        terms: t.clone(),
        refundAmount: U256::from(450_000_000_u64),
    };
    env.escrow(arbiter, resolve).await?;
    env.escrow(0, Escrow::refundCall { orderId: id, terms: t.clone(), backer: dev(client) })
        .await?;
    for account in [seller, TREASURY] {
        let claim = Escrow::claimCall { orderId: id, terms: t.clone(), account: dev(account) };
        env.escrow(0, claim).await?;
    }
    env.sync().await?;

    let hash = env.view(Escrow::hashTermsCall { terms: t.clone() }).await?;
    assert_eq!(
        env.rows(ORDERS).await?,
        [row(&[
            "1",
            "freelance",
            "Resolved",
            &hex(dev(seller)),
            &hex(dev(client)),
            "2",
            "1",
            "1000000000",
            "550000000",
            "450000000",
            &hash.to_string(),
        ])]
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
    assert_eq!(
        env.rows(PLEDGES).await?,
        [row(&["1", &hex(dev(client)), &hex(ZERO), "1", "1000000000", "450000000"])]
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
        let on_chain = env.view(Escrow::claimedOfCall { orderId: id, account: dev(acc) }).await?;
        assert_eq!(on_chain, U256::from(amount));
    }
    assert_eq!(
        env.rows(BALANCES).await?,
        sorted(vec![
            row(&[&tok, &hex(dev(seller)), "544500000", "0"]),
            row(&[&tok, &hex(dev(TREASURY)), "5500000", "0"]),
        ])
    );
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&hex(dev(seller)), "0", "1", "1", "-13"])]);
    env.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_of_an_undelivered_milestone_is_projected() -> Result<()> {
    let env = Env::start().await?;
    let token = env.chain.token;
    let (seller, client, arbiter) = (4, 3, 6);
    let mut t = terms(token, env.now().await? + 1000);
    t.minUnits = 1;
    t.maxUnits = 1;
    t.milestoneBps = vec![10_000];
    t.soleBuyer = dev(client);
    let id = env.create(seller, &t, 1).await?;
    env.fund(client, 10_000_000).await?;
    env.pledge(client, id, &t, 1, ZERO).await?;
    env.escrow(client, Escrow::finalizeCall { orderId: id, terms: t.clone() }).await?;
    // Nothing delivered: the client disputes for non-delivery.
    env.escrow(client, Escrow::disputeCall { orderId: id, terms: t.clone() }).await?;
    env.sync().await?;
    assert_eq!(
        env.rows("SELECT milestone::TEXT, state, disputed_by FROM milestones WHERE chain_id = $1")
            .await?,
        [row(&["0", "Disputed", &hex(dev(client))])]
    );
    // Everything back to the client.
    let resolve =
        Escrow::resolveCall { orderId: id, terms: t.clone(), refundAmount: U256::from(10_000_000) };
    env.escrow(arbiter, resolve).await?;
    env.escrow(client, Escrow::refundCall { orderId: id, terms: t.clone(), backer: dev(client) })
        .await?;
    env.sync().await?;
    assert_eq!(
        env.rows(
            "SELECT kind, status, released::TEXT, refunded::TEXT FROM orders WHERE chain_id = $1"
        )
        .await?,
        [row(&["sale", "Resolved", "0", "10000000"])]
    );
    assert_eq!(
        env.rows(MILESTONES).await?,
        [row(&["1", "0", "Resolved", "NULL", "0", &hex(dev(client)), "0", "10000000", "NULL"])]
    );
    assert_eq!(env.rows(REPUTATION).await?, [row(&[&hex(dev(seller)), "0", "0", "1", "-15"])]);
    env.finish().await
}
