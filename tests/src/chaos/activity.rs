//! Activity through every contract, one transaction per call, on the current ABI
//! (`cointent_abi`): orders of the three kinds, pledges, unpledges, milestones, disputes,
//! refunds, claims, withdrawals, token transfers, delegations, proposals, votes and the
//! treasury's distributions.
//!
//! Everything the chaos run does to the contracts goes through the small functions of
//! [`Activity`] ("create an order", "pledge", "deliver", ...), so a new Escrow ABI means
//! re-pointing these functions and nothing else. Each call is simulated first: an action
//! the chain's state does not allow now (a pledge to a finished order, a release before
//! the review ends) is skipped rather than sent, so the generator needs no model of the
//! contracts and stays right across reorgs.

use std::collections::{BTreeMap, HashMap};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use cointent_abi::{
    CointentGovernor, DemoStablecoin, Escrow, EscrowLens,
    IEscrow::{Milestone, Split, Terms},
    ITreasury::Allocation,
    Token, Treasury,
};
use eyre::{ContextCompat, Result};

use crate::{DEV_ACCOUNTS, DEV_KEYS};

/// The deployed contracts.
#[derive(Debug, Clone, Copy)]
pub struct Contracts {
    /// Escrow.
    pub escrow: Address,
    /// The Escrow's read views.
    pub lens: Address,
    /// Governance token.
    pub token: Address,
    /// Treasury.
    pub treasury: Address,
    /// Governor.
    pub governor: Address,
    /// Timelock (owns the treasury).
    pub timelock: Address,
    /// Demo stablecoin, the orders' payment token.
    pub stablecoin: Address,
}

impl Contracts {
    /// From a deployment's `contracts` object (name to address).
    pub fn from_deployment(contracts: &BTreeMap<String, Address>) -> Result<Self> {
        let get = |n: &str| contracts.get(n).copied().with_context(|| format!("no {n}"));
        Ok(Self {
            escrow: get("escrow")?,
            lens: get("escrow_lens")?,
            token: get("token")?,
            treasury: get("treasury")?,
            governor: get("governor")?,
            timelock: get("timelock")?,
            stablecoin: get("stablecoin")?,
        })
    }
}

/// Dev account roles: 0 holds the governance token, 1-3 sell, 4-7 back, 8 promotes, 9
/// arbitrates; 2 and 7 receive treasury allocations.
const SELLERS: [usize; 3] = [1, 2, 3];
const BACKERS: [usize; 4] = [4, 5, 6, 7];
const PROMOTER: usize = 8;
const ARBITER: usize = 9;
const STEWARD: usize = 0;
const ALLOCATED: [usize; 2] = [2, 7];

/// Every chaos order's review and ruling periods (the Escrow's minimum, a day) and each
/// milestone's delivery period.
const REVIEW_PERIOD: u32 = 86_400;
const RULING_PERIOD: u32 = 86_400;
const DELIVERY_PERIOD: u32 = 2 * 86_400;

/// The kinds of orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Many backers, a funding goal, two milestones, a promoter share and a split.
    Collective,
    /// A listing purchase: one milestone.
    Sale,
    /// One client, two milestones.
    Freelance,
}

/// A deterministic pseudo-random sequence.
#[derive(Debug, Clone)]
pub struct Lcg(pub u64);

impl Lcg {
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The activity generator.
pub struct Activity {
    provider: DynProvider,
    /// The contracts.
    pub c: Contracts,
    terms: HashMap<B256, Terms>,
    proposals: Vec<U256>,
    /// Transactions sent, by action.
    pub done: BTreeMap<&'static str, u64>,
    /// Actions the chain's state did not allow (simulated, not sent).
    pub skipped: u64,
    /// Actions that failed (a view or send the chain could not answer just then).
    pub failed: u64,
    failed_in_a_row: u64,
    rng: Lcg,
    serial: u64,
}

fn dev(i: usize) -> Address {
    DEV_ACCOUNTS[i].parse().expect("dev account")
}

fn u256(v: u64) -> U256 {
    U256::from(v)
}

impl Activity {
    /// Connects to `rpc` with every dev key.
    pub fn new(rpc: &str, c: Contracts, seed: u64) -> Result<Self> {
        let mut wallet = EthereumWallet::default();
        for key in DEV_KEYS {
            wallet.register_signer(key.parse::<PrivateKeySigner>()?);
        }
        let provider = ProviderBuilder::new().wallet(wallet).connect_http(rpc.parse()?).erased();
        Ok(Self {
            provider,
            c,
            terms: HashMap::new(),
            proposals: Vec::new(),
            done: BTreeMap::new(),
            skipped: 0,
            failed: 0,
            failed_in_a_row: 0,
            rng: Lcg(seed),
            serial: 0,
        })
    }

    /// The provider (signing with every dev key).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Sends `call` to `to` from dev account `from` if a simulation says it succeeds, and
    /// waits for its receipt; whether it was sent. `what` counts it.
    async fn send<C: SolCall>(
        &mut self,
        what: &'static str,
        from: usize,
        to: Address,
        call: C,
    ) -> Result<bool> {
        let input: Bytes = call.abi_encode().into();
        let probe = TransactionRequest::default()
            .with_from(dev(from))
            .with_to(to)
            .with_input(input.clone());
        if self.provider.call(probe).await.is_err() {
            self.skipped += 1;
            return Ok(false);
        }
        // The nonce of the latest block: after anvil_reorg, anvil's pending nonce may still
        // count transactions of replaced blocks.
        let nonce = self.provider.get_transaction_count(dev(from)).latest().await?;
        let tx = TransactionRequest::default()
            .with_from(dev(from))
            .with_to(to)
            .with_input(input)
            .with_nonce(nonce)
            .with_gas_limit(3_000_000);
        let hash = *self.provider.send_transaction(tx).await?.tx_hash();
        for _ in 0..1000 {
            if let Some(receipt) = self.provider.get_transaction_receipt(hash).await? {
                if receipt.status() {
                    *self.done.entry(what).or_default() += 1;
                } else {
                    self.skipped += 1;
                }
                return Ok(receipt.status());
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        eyre::bail!("{what}: no receipt for {hash}")
    }

    async fn view<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        Ok(C::abi_decode_returns(&self.provider.call(tx).await?)?)
    }

    async fn raw(&self, method: &'static str, params: serde_json::Value) -> Result<()> {
        let _: serde_json::Value = self.provider.raw_request(method.into(), params).await?;
        Ok(())
    }

    /// Funds and wires the accounts: stablecoins and escrow allowances for sellers and
    /// backers, governance tokens and delegations, the treasury's allocations (sent as the
    /// timelock, impersonated: governance owns the treasury).
    pub async fn setup(&mut self) -> Result<()> {
        let (c, big) = (self.c, u256(1_000_000_000_000));
        for i in SELLERS.into_iter().chain(BACKERS) {
            self.send(
                "mint",
                STEWARD,
                c.stablecoin,
                DemoStablecoin::mintCall { to: dev(i), amount: big },
            )
            .await?;
            let approve = DemoStablecoin::approveCall { spender: c.escrow, value: U256::MAX };
            self.send("approve", i, c.stablecoin, approve).await?;
        }
        let vote = U256::from(10u128.pow(24));
        for i in BACKERS.into_iter().chain([ARBITER]) {
            self.send(
                "token transfer",
                STEWARD,
                c.token,
                Token::transferCall { to: dev(i), value: vote },
            )
            .await?;
        }
        self.delegate(STEWARD, STEWARD).await?;
        for i in BACKERS {
            self.delegate(i, if i % 2 == 0 { i } else { ARBITER }).await?;
        }
        let allocations = vec![
            Allocation { label: label("operations"), recipient: dev(ALLOCATED[0]), bps: 6000 },
            Allocation { label: label("carbon"), recipient: dev(ALLOCATED[1]), bps: 3000 },
        ];
        let call = Treasury::setAllocationsCall { newAllocations: allocations };
        let timelock = format!("{:#x}", c.timelock);
        self.raw("anvil_impersonateAccount", serde_json::json!([timelock])).await?;
        self.raw("anvil_setBalance", serde_json::json!([timelock, "0xde0b6b3a7640000"])).await?;
        let tx = serde_json::json!([{
            "from": timelock,
            "to": format!("{:#x}", c.treasury),
            "data": format!("0x{}", alloy::primitives::hex::encode(call.abi_encode())),
        }]);
        let hash: B256 = self.provider.raw_request("eth_sendTransaction".into(), tx).await?;
        for _ in 0..1000 {
            if let Some(r) = self.provider.get_transaction_receipt(hash).await? {
                eyre::ensure!(r.status(), "setAllocations reverted");
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        self.raw("anvil_stopImpersonatingAccount", serde_json::json!([timelock])).await?;
        *self.done.entry("set allocations").or_default() += 1;
        Ok(())
    }

    /// One random action: most often a step of a random order that its state allows,
    /// otherwise a token, governance or treasury action. Whether a transaction was sent.
    pub async fn random(&mut self) -> Result<bool> {
        let before: u64 = self.done.values().sum();
        if let Err(e) = self.try_random().await {
            // A view or a send the chain could not answer just then (anvil in the middle of
            // a reorg): the chaos goes on; many in a row mean something is really wrong.
            self.failed += 1;
            self.failed_in_a_row += 1;
            tracing::debug!(error = %format!("{e:#}"), "an action failed");
            eyre::ensure!(self.failed_in_a_row < 20, "20 actions in a row failed; the last: {e:#}");
        } else {
            self.failed_in_a_row = 0;
        }
        Ok(self.done.values().sum::<u64>() > before)
    }

    async fn try_random(&mut self) -> Result<()> {
        if self.rng.below(100) < 30 {
            return self.other().await;
        }
        match self.random_order().await? {
            Some(o) if self.rng.below(100) >= 8 => self.order_step(o).await,
            _ => {
                let kind = self.rng.pick(&[Kind::Collective, Kind::Sale, Kind::Freelance]);
                let seller = self.rng.pick(&SELLERS);
                self.create_order(seller, kind).await.map(drop)
            }
        }
    }

    /// A step of order `o` that fits its state.
    async fn order_step(&mut self, o: (U256, Terms)) -> Result<()> {
        let state = self.view(self.c.lens, EscrowLens::orderStateCall { orderId: o.0 }).await?;
        let roll = self.rng.below(100);
        let backer = self.backer_for(&o).await?;
        match state.status as u8 {
            // Funding
            0 => match roll {
                0..=59 => {
                    let units = 1 + self.rng.below(4);
                    let promoter =
                        if self.rng.below(2) == 0 { dev(PROMOTER) } else { Address::ZERO };
                    self.pledge(o, backer, units, promoter).await?;
                }
                60..=69 => {
                    self.unpledge(o, backer, 1).await?;
                }
                70..=84 => {
                    self.finalize(o).await?;
                }
                85..=89 => {
                    self.cancel(o).await?;
                }
                _ => {
                    let now = self.now().await?;
                    let deadline: u64 = o.1.fundingDeadline.to();
                    self.warp(deadline.saturating_sub(now) + 1).await?;
                }
            },
            // Active: the current milestone is pending, delivered or disputed.
            1 => match (state.milestoneState as u8, roll) {
                (0, 0..=79) => {
                    self.deliver(o).await?;
                }
                (0, 80..=89) => {
                    self.expire(o).await?;
                }
                (0, _) => {
                    self.warp(DELIVERY_PERIOD.into()).await?;
                }
                (1, 0..=39) => {
                    self.approve(o, backer).await?;
                }
                (1, 40..=69) => {
                    self.release(o).await?;
                }
                (1, 70..=84) => {
                    self.warp(u64::from(REVIEW_PERIOD) + 1).await?;
                }
                (1, _) => {
                    self.dispute(o, backer).await?;
                }
                (_, 0..=59) => {
                    self.rule(o).await?;
                }
                (_, 60..=79) => {
                    self.rule_by_default(o).await?;
                }
                _ => {
                    self.warp(u64::from(RULING_PERIOD) + 1).await?;
                }
            },
            // Failed, cancelled, resolved or expired: refunds (and, once ended, claims).
            2 | 3 | 5 | 6 if roll < 70 => {
                self.refund(o, backer).await?;
            }
            // Completed (or resolved): claims, commissions, withdrawals.
            _ => match roll % 4 {
                0 => {
                    let seller = seller_of(&o.1);
                    self.claim(o, dev(seller)).await?;
                }
                1 => {
                    let treasury = self.c.treasury;
                    if self.claim(o.clone(), dev(5)).await? {
                        return Ok(());
                    }
                    self.claim(o, treasury).await?;
                }
                2 => {
                    self.claim_commission(o, PROMOTER).await?;
                }
                _ => {
                    let account = dev(seller_of(&o.1));
                    self.withdraw(account).await?;
                }
            },
        }
        Ok(())
    }

    /// A token, governance, treasury or clock action.
    async fn other(&mut self) -> Result<()> {
        match self.rng.below(12) {
            0 | 1 => {
                let (from, to) =
                    (self.rng.pick(&BACKERS), self.rng.pick(&[1, 2, 3, 4, 5, 6, 7, 8]));
                let amount = 1 + self.rng.below(1_000_000);
                self.transfer_stablecoin(from, to, amount).await?;
            }
            2 => {
                let (from, to) = (self.rng.pick(&BACKERS), self.rng.pick(&[4, 5, 6, 7, 8, 9]));
                let tokens = 1 + self.rng.below(1_000);
                self.transfer_token(from, to, tokens).await?;
            }
            3 => {
                let (from, to) = (self.rng.pick(&BACKERS), self.rng.pick(&[4, 5, 6, 7, 9]));
                self.delegate(from, to).await?;
            }
            4 => {
                self.propose(STEWARD).await?;
            }
            5 | 6 => {
                let voter = self.rng.pick(&[STEWARD, 4, 6, ARBITER]);
                self.vote(voter).await?;
            }
            7 => {
                self.distribute().await?;
            }
            8 => {
                let who = self.rng.pick(&ALLOCATED);
                self.treasury_withdraw(who).await?;
            }
            9 => {
                let account = self.rng.pick(&[1, 2, 3, 5, 8]);
                self.withdraw(dev(account)).await?;
                let treasury = self.c.treasury;
                self.withdraw(treasury).await?;
            }
            _ => {
                let secs = self.rng.pick(&[600, 3_600, 7_200, 90_000]);
                self.warp(secs).await?;
            }
        }
        Ok(())
    }

    /// A random existing order: id and terms.
    async fn random_order(&mut self) -> Result<Option<(U256, Terms)>> {
        let count = self.view(self.c.escrow, Escrow::orderCountCall {}).await?;
        let count: u64 = count.try_into().unwrap_or(0);
        if count == 0 {
            return Ok(None);
        }
        let id = u256(1 + self.rng.below(count));
        let hash = self.view(self.c.lens, EscrowLens::termsHashOfCall { orderId: id }).await?;
        Ok(self.terms.get(&hash).map(|t| (id, t.clone())))
    }

    async fn backer_for(&mut self, (_, t): &(U256, Terms)) -> Result<usize> {
        if t.soleBuyer != Address::ZERO {
            return Ok(DEV_ACCOUNTS
                .iter()
                .position(|a| a.parse::<Address>().ok() == Some(t.soleBuyer))
                .unwrap_or(BACKERS[0]));
        }
        Ok(self.rng.pick(&BACKERS))
    }

    async fn now(&self) -> Result<u64> {
        let b = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .context("latest block")?;
        Ok(b.header.timestamp)
    }

    /// Creates an order of `kind` sold by dev account `seller`.
    pub async fn create_order(&mut self, seller: usize, kind: Kind) -> Result<bool> {
        self.serial += 1;
        let deadline = self.now().await? + 3_600 * (2 + self.rng.below(20));
        let (min, max, milestones, sole, promoter_bps, splits) = match kind {
            Kind::Collective => (
                2,
                12,
                vec![4_000, 6_000],
                Address::ZERO,
                500,
                vec![Split { recipient: dev(5), bps: 1_000 }],
            ),
            Kind::Sale => (1, 5, vec![10_000], Address::ZERO, 0, vec![]),
            Kind::Freelance => (1, 1, vec![3_000, 7_000], dev(self.rng.pick(&BACKERS)), 0, vec![]),
        };
        let terms = Terms {
            seller: dev(seller),
            token: self.c.stablecoin,
            unitPrice: alloy::primitives::Uint::from(1_000_000 * (1 + self.rng.below(50))),
            minUnits: min,
            maxUnits: max,
            fundingDeadline: alloy::primitives::Uint::from(deadline),
            reviewPeriod: REVIEW_PERIOD,
            rulingPeriod: RULING_PERIOD,
            promoterBps: promoter_bps,
            feeBps: self.view(self.c.escrow, Escrow::feeBpsCall {}).await?,
            bondBps: 500,
            soleBuyer: sole,
            arbiter: dev(ARBITER),
            metadataHash: keccak256(format!("chaos order {}", self.serial)),
            milestones: milestones
                .into_iter()
                .map(|bps| Milestone { bps, deliveryPeriod: DELIVERY_PERIOD })
                .collect(),
            splits,
        };
        let terms_bytes = packed(&terms);
        self.terms.insert(cointent_domain::terms::terms_hash(&terms_bytes), terms);
        let call = Escrow::createOrderCall { terms: terms_bytes };
        self.send("create order", seller, self.c.escrow, call).await
    }

    /// Pledges `units` to order `o` from dev account `backer`.
    pub async fn pledge(
        &mut self,
        (id, terms): (U256, Terms),
        backer: usize,
        units: u64,
        promoter: Address,
    ) -> Result<bool> {
        let call =
            Escrow::pledgeCall { orderId: id, terms: packed(&terms), units: u256(units), promoter };
        self.send("pledge", backer, self.c.escrow, call).await
    }

    /// Withdraws `units` of `backer`'s pledge to order `o`.
    pub async fn unpledge(
        &mut self,
        (id, terms): (U256, Terms),
        backer: usize,
        units: u64,
    ) -> Result<bool> {
        let call = Escrow::unpledgeCall { orderId: id, terms: packed(&terms), units: u256(units) };
        self.send("unpledge", backer, self.c.escrow, call).await
    }

    /// Ends order `o`'s funding (after its deadline or once full).
    pub async fn finalize(&mut self, (id, terms): (U256, Terms)) -> Result<bool> {
        let from = self.rng.pick(&BACKERS);
        self.send(
            "finalize",
            from,
            self.c.escrow,
            Escrow::finalizeCall { orderId: id, terms: packed(&terms) },
        )
        .await
    }

    /// The seller cancels order `o`.
    pub async fn cancel(&mut self, (id, terms): (U256, Terms)) -> Result<bool> {
        let seller = seller_of(&terms);
        self.send(
            "cancel",
            seller,
            self.c.escrow,
            Escrow::cancelCall { orderId: id, terms: packed(&terms) },
        )
        .await
    }

    /// The seller delivers order `o`'s current milestone.
    pub async fn deliver(&mut self, (id, terms): (U256, Terms)) -> Result<bool> {
        let seller = seller_of(&terms);
        let proof = keccak256(format!("proof {id} {}", self.rng.below(1 << 30)));
        let call =
            Escrow::deliverMilestoneCall { orderId: id, terms: packed(&terms), proofHash: proof };
        self.send("deliver", seller, self.c.escrow, call).await
    }

    /// `backer` approves order `o`'s delivered milestone.
    pub async fn approve(&mut self, (id, terms): (U256, Terms), backer: usize) -> Result<bool> {
        let call = Escrow::approveMilestoneCall { orderId: id, terms: packed(&terms) };
        self.send("approve milestone", backer, self.c.escrow, call).await
    }

    /// Releases order `o`'s delivered milestone after its review period.
    pub async fn release(&mut self, (id, terms): (U256, Terms)) -> Result<bool> {
        self.send(
            "release",
            ARBITER,
            self.c.escrow,
            Escrow::releaseCall { orderId: id, terms: packed(&terms) },
        )
        .await
    }

    /// `backer` disputes order `o`'s current milestone.
    pub async fn dispute(&mut self, (id, terms): (U256, Terms), backer: usize) -> Result<bool> {
        self.send(
            "dispute",
            backer,
            self.c.escrow,
            // Anyone's words: NUL (which Postgres cannot store) and a right-to-left override
            // must reach the mirror as text it can store, or the batch would never land.
            Escrow::disputeCall {
                orderId: id,
                terms: packed(&terms),
                reason: format!("backer {backer}: not as described\0 \u{202E}gnorw"),
            },
        )
        .await
    }

    /// The arbiter rules on order `o`'s dispute: releases part of the disputed milestone,
    /// sometimes ending the order.
    pub async fn rule(&mut self, (id, terms): (U256, Terms)) -> Result<bool> {
        let state = self.view(self.c.lens, EscrowLens::orderStateCall { orderId: id }).await?;
        let call = EscrowLens::milestoneAmountCall {
            orderId: id,
            terms: packed(&terms),
            index: U256::from(state.milestone),
        };
        let amount = self.view(self.c.lens, call).await?;
        let release = amount * u256(self.rng.below(101)) / u256(100);
        let end = self.rng.below(3) == 0;
        let call = Escrow::ruleCall {
            orderId: id,
            terms: packed(&terms),
            releaseAmount: release,
            endOrder: end,
        };
        self.send("rule", ARBITER, self.c.escrow, call).await
    }

    /// Anyone ends order `o`'s dispute with the default ruling once the arbiter's time ran out.
    pub async fn rule_by_default(&mut self, (id, terms): (U256, Terms)) -> Result<bool> {
        let call = Escrow::ruleByDefaultCall { orderId: id, terms: packed(&terms) };
        self.send("rule by default", STEWARD, self.c.escrow, call).await
    }

    /// Anyone ends order `o` once its current milestone's delivery deadline passed.
    pub async fn expire(&mut self, (id, terms): (U256, Terms)) -> Result<bool> {
        let call = Escrow::expireCall { orderId: id, terms: packed(&terms) };
        self.send("expire", STEWARD, self.c.escrow, call).await
    }

    /// Refunds `backer` of a failed, cancelled or resolved order `o`.
    pub async fn refund(&mut self, (id, terms): (U256, Terms), backer: usize) -> Result<bool> {
        let call = Escrow::refundCall {
            orderId: id,
            terms: packed(&terms),
            backer: dev(backer),
            to: dev(backer),
        };
        self.send("refund", STEWARD, self.c.escrow, call).await
    }

    /// Credits `account`'s share of order `o`'s released money.
    pub async fn claim(&mut self, (id, terms): (U256, Terms), account: Address) -> Result<bool> {
        let call = Escrow::claimCall { orderId: id, terms: packed(&terms), account };
        self.send("claim", STEWARD, self.c.escrow, call).await
    }

    /// Credits the promoter's commission of order `o`.
    pub async fn claim_commission(
        &mut self,
        (id, terms): (U256, Terms),
        promoter: usize,
    ) -> Result<bool> {
        let call = Escrow::claimCommissionCall {
            orderId: id,
            terms: packed(&terms),
            promoter: dev(promoter),
        };
        self.send("claim commission", STEWARD, self.c.escrow, call).await
    }

    /// Pays out `account`'s escrow balance of the stablecoin.
    pub async fn withdraw(&mut self, account: Address) -> Result<bool> {
        let call = Escrow::withdrawCall { token: self.c.stablecoin, account, to: account };
        self.send("escrow withdraw", STEWARD, self.c.escrow, call).await
    }

    /// Moves the chain's clock `secs` forward and mines a block.
    pub async fn warp(&mut self, secs: u64) -> Result<bool> {
        self.raw("evm_increaseTime", serde_json::json!([secs])).await?;
        self.raw("evm_mine", serde_json::json!([])).await?;
        *self.done.entry("warp").or_default() += 1;
        Ok(true)
    }

    /// A stablecoin transfer.
    pub async fn transfer_stablecoin(
        &mut self,
        from: usize,
        to: usize,
        amount: u64,
    ) -> Result<bool> {
        let call = DemoStablecoin::transferCall { to: dev(to), value: u256(amount) };
        self.send("stablecoin transfer", from, self.c.stablecoin, call).await
    }

    /// A governance token transfer (whole tokens).
    pub async fn transfer_token(&mut self, from: usize, to: usize, tokens: u64) -> Result<bool> {
        let value = u256(tokens) * U256::from(10u128.pow(18));
        self.send("token transfer", from, self.c.token, Token::transferCall { to: dev(to), value })
            .await
    }

    /// `from` delegates its votes to `to`.
    pub async fn delegate(&mut self, from: usize, to: usize) -> Result<bool> {
        self.send("delegate", from, self.c.token, Token::delegateCall { delegatee: dev(to) }).await
    }

    /// `proposer` proposes new treasury allocations.
    pub async fn propose(&mut self, proposer: usize) -> Result<bool> {
        self.serial += 1;
        let allocations = vec![Allocation {
            label: label(&format!("proposal {}", self.serial)),
            recipient: dev(ALLOCATED[0]),
            bps: 1 + self.rng.below(9_000) as u16,
        }];
        let targets = vec![self.c.treasury];
        let values = vec![U256::ZERO];
        let calldatas: Vec<Bytes> =
            vec![Treasury::setAllocationsCall { newAllocations: allocations }.abi_encode().into()];
        let description = format!("chaos proposal {}", self.serial);
        let id = self
            .view(
                self.c.governor,
                CointentGovernor::hashProposalCall {
                    targets: targets.clone(),
                    values: values.clone(),
                    calldatas: calldatas.clone(),
                    descriptionHash: keccak256(&description),
                },
            )
            .await?;
        let call = CointentGovernor::proposeCall { targets, values, calldatas, description };
        let sent = self.send("propose", proposer, self.c.governor, call).await?;
        if sent {
            self.proposals.push(id);
        }
        Ok(sent)
    }

    /// `voter` votes on a random known proposal.
    pub async fn vote(&mut self, voter: usize) -> Result<bool> {
        if self.proposals.is_empty() {
            return Ok(false);
        }
        let id = self.proposals[self.rng.below(self.proposals.len() as u64) as usize];
        let support = self.rng.below(3) as u8;
        let call = CointentGovernor::castVoteWithReasonCall {
            proposalId: id,
            support,
            reason: format!("chaos {}", self.rng.below(1000)),
        };
        self.send("vote", voter, self.c.governor, call).await
    }

    /// Distributes the treasury's pending stablecoin fees.
    pub async fn distribute(&mut self) -> Result<bool> {
        let call = Treasury::distributeCall { token: self.c.stablecoin };
        self.send("treasury distribute", STEWARD, self.c.treasury, call).await
    }

    /// An allocation recipient withdraws its credit.
    pub async fn treasury_withdraw(&mut self, who: usize) -> Result<bool> {
        let call = Treasury::withdrawCall { token: self.c.stablecoin, to: dev(who) };
        self.send("treasury withdraw", who, self.c.treasury, call).await
    }

    /// Transactions for the replacement blocks of an `anvil_reorg` (which takes explicit
    /// transactions, with nonces it fills from the fork block's state): `(from, to,
    /// calldata)` of stablecoin mints and transfers, token transfers, delegations, and
    /// pledges, deliveries and approvals of known orders (a step its order no longer allows
    /// reverts in its block, harmlessly).
    pub async fn replacements(&mut self, n: u64) -> Result<Vec<(usize, Address, Vec<u8>)>> {
        let mut txs = Vec::new();
        for _ in 0..n {
            let order = self.random_order().await.ok().flatten();
            let tx = match (self.rng.below(7), order) {
                (0, _) | (_, None) => {
                    let to = self.rng.pick(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
                    let amount = u256(1 + self.rng.below(999));
                    let call = DemoStablecoin::mintCall { to: dev(to), amount };
                    (self.rng.pick(&BACKERS), self.c.stablecoin, call.abi_encode())
                }
                (1, _) => {
                    let call = DemoStablecoin::transferCall {
                        to: dev(self.rng.pick(&[1, 2, 3, 8])),
                        value: u256(1 + self.rng.below(99_999)),
                    };
                    (self.rng.pick(&BACKERS), self.c.stablecoin, call.abi_encode())
                }
                (2, _) => {
                    let value = u256(1 + self.rng.below(50)) * U256::from(10u128.pow(18));
                    let call = Token::transferCall { to: dev(self.rng.pick(&[4, 5, 6, 7])), value };
                    (self.rng.pick(&BACKERS), self.c.token, call.abi_encode())
                }
                (3, _) => {
                    let call = Token::delegateCall { delegatee: dev(self.rng.pick(&[4, 6, 9])) };
                    (self.rng.pick(&BACKERS), self.c.token, call.abi_encode())
                }
                (4, Some((id, terms))) => {
                    let seller = seller_of(&terms);
                    let call = Escrow::deliverMilestoneCall {
                        orderId: id,
                        terms: packed(&terms),
                        proofHash: keccak256(format!("replacement {}", self.rng.below(1 << 30))),
                    };
                    (seller, self.c.escrow, call.abi_encode())
                }
                (5, Some((id, terms))) => {
                    let backer = self.backer_for(&(id, terms.clone())).await?;
                    (
                        backer,
                        self.c.escrow,
                        Escrow::approveMilestoneCall { orderId: id, terms: packed(&terms) }
                            .abi_encode(),
                    )
                }
                (_, Some((id, terms))) => {
                    let backer = self.backer_for(&(id, terms.clone())).await?;
                    let call = Escrow::pledgeCall {
                        orderId: id,
                        terms: packed(&terms),
                        units: u256(1 + self.rng.below(2)),
                        promoter: Address::ZERO,
                    };
                    (backer, self.c.escrow, call.abi_encode())
                }
            };
            txs.push(tx);
        }
        *self.done.entry("reorg replacement").or_default() += n;
        Ok(txs)
    }
}

/// A treasury allocation label: text, right-padded into 32 bytes.
fn label(text: &str) -> B256 {
    B256::right_padding_from(text.as_bytes())
}

/// The packed terms every Escrow call takes.
fn packed(terms: &Terms) -> Bytes {
    cointent_domain::terms::pack(terms).expect("the chaos run's terms pack")
}

fn seller_of(terms: &Terms) -> usize {
    DEV_ACCOUNTS
        .iter()
        .position(|a| a.parse::<Address>().ok() == Some(terms.seller))
        .unwrap_or(SELLERS[0])
}

/// Every dev account (the only accounts the activity uses, besides the contracts).
pub fn accounts() -> Vec<Address> {
    (0..DEV_ACCOUNTS.len()).map(dev).collect()
}
