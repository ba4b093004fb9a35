//! The differential test (issue 11): the payout rules exist once in Rust ([`payout`]), and
//! here they are checked against the contract's own views (`EscrowLens`, which computes with
//! the very library code the Escrow pays with) on a real chain.
//!
//! Anvil runs the real `script/Deploy.s.sol`. A seeded random set of orders (unit prices from
//! 1 to 10^16, the deployed fee, promoter shares, 0 to 5 splits whose recipients overlap with
//! the seller and the backers, 1 to 8 milestones, the demo stablecoin or the native coin,
//! sole buyers, several backers and promoters, roles pledging too) is driven through
//! funding (pledges, unpledges, the cap, failure, cancellation), deliveries, approvals,
//! releases, `collect`, disputes ruled every way (dismissed, partly withheld, ended, by
//! default), expiries, claims, commissions and refunds. After every step, for every party,
//! the domain's `claimable`, `commission_claimable`, `refundable`, `weight`, the released
//! amount, the milestone amounts, the bond and the phase deadline are compared with the
//! lens's views, from the lens's own records (`OrderFigures`, `Participant`); and what each
//! call actually moved (its event) is compared with what the domain predicted before it.
//! `Terms::pack`, `Terms::unpack`, the EIP-712 digest and the typed data are checked against
//! `packTerms`, `unpackTerms`, `termsDigest`, `TermsVerifier.digest`, a wallet's
//! `eth_signTypedData_v4` (the signature must create the order through `createOrderFor`),
//! and the `OrderCreated` event; malformed and invalid terms must be refused with the
//! Escrow's own reasons. The run ends by checking that every path was taken.
//!
//! `COINTENT_DIFF_SEED` replays another seed, `COINTENT_DIFF_ORDERS` sets how many orders
//! (40 by default, about 20 s) and `COINTENT_DIFF_TRACE` prints each milestone's action.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolError, SolEvent},
};
use cointent_abi::{DemoStablecoin, Escrow, EscrowLens, TermsVerifier};
use cointent_domain::{
    Amount, DisputeOutcome, MilestoneState, OrderStatus, Terms,
    payout::{self, OrderFigures, Participant},
    terms::{self, Milestone, Split},
};
use cointent_harness::{Anvil, DEV_ACCOUNTS, DEV_KEYS, deploy_contracts};

type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

const DAY: u64 = 86_400;

/// Promoters that never send a transaction (anyone may claim their commission for them).
const OUTSIDE_PROMOTERS: [Address; 2] = [Address::repeat_byte(0x71), Address::repeat_byte(0x72)];
/// An address with no part in any order: every view must say 0 for it.
const BYSTANDER: Address = Address::repeat_byte(0xbb);

#[test]
fn payout_rules_match_the_escrow_lens_on_anvil() -> Result<()> {
    let started = Instant::now();
    let seed = std::env::var("COINTENT_DIFF_SEED").ok().and_then(|s| s.parse().ok());
    let seed = seed.unwrap_or(0x000c_0147_e472_2026_u64);
    let orders = std::env::var("COINTENT_DIFF_ORDERS").ok().and_then(|s| s.parse().ok());
    let orders: usize = orders.unwrap_or(PLANS.len() + 28);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let stats = runtime.block_on(async {
        let chain = Chain::start().await?;
        let deployed = started.elapsed();
        let mut rng = Rng(seed);
        let mut stats = Stats::new();
        refusals_match(&chain, &mut rng, &mut stats).await?;
        for index in 0..orders {
            let plan = PLANS.get(index).copied().unwrap_or_else(|| Plan::random(&mut rng));
            run_order(&chain, &mut rng, plan, &mut stats)
                .await
                .map_err(|e| format!("order {index} ({plan:?}), seed {seed:#x}: {e}"))?;
        }
        eprintln!(
            "differential: seed {seed:#x}, {orders} orders, deployed in {deployed:?}, \
             {} comparisons in {:?}: {stats:?}",
            stats.comparisons,
            started.elapsed()
        );
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(stats)
    })?;
    // Every path was taken, and the views were compared where they are not zero.
    for (what, count, least) in [
        ("nonzero claimable", stats.claimable, 100),
        ("nonzero commission", stats.commission, 20),
        ("nonzero refundable", stats.refundable, 20),
        ("claims", stats.claims, 30),
        ("commission claims", stats.commission_claims, 5),
        ("refunds", stats.refunds, 15),
        ("relayed creations", stats.relayed, 2),
        ("collects", stats.collects, 1),
        ("releases by approvals", stats.approved_releases, 1),
        ("releases after review", stats.review_releases, 2),
        ("failed orders", stats.statuses[&OrderStatus::Failed], 1),
        ("cancelled orders", stats.statuses[&OrderStatus::Cancelled], 1),
        ("completed orders", stats.statuses[&OrderStatus::Completed], 2),
        ("resolved orders", stats.statuses[&OrderStatus::Resolved], 2),
        ("expired orders", stats.statuses[&OrderStatus::Expired], 1),
        ("dismissed rulings", stats.outcomes[&DisputeOutcome::Dismissed], 1),
        ("withheld rulings", stats.outcomes[&DisputeOutcome::Withheld], 1),
        ("ended rulings", stats.outcomes[&DisputeOutcome::Ended], 1),
        ("default rulings", stats.outcomes[&DisputeOutcome::ByDefault], 1),
        ("refused terms", stats.refusals, 10),
    ] {
        assert!(count >= least, "only {count} {what} (at least {least}): {stats:?}");
    }
    Ok(())
}

/// How an order is driven: its funding, and what happens to its milestones.
#[derive(Clone, Copy, Debug)]
struct Plan {
    funding: Funding,
    /// The action on each milestone, in order (the last one repeats); `None`: random.
    actions: Option<&'static [Action]>,
    relayed: bool,
    native: bool,
    sole_buyer: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Funding {
    /// Below the goal at the deadline.
    Fail,
    /// The seller cancels.
    Cancel,
    /// Goal met at the deadline.
    Deadline,
    /// Cap reached: finalized early.
    Cap,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    /// Delivered, released by anyone once the review window ended.
    Release,
    /// Delivered, then the seller's `collect` releases, claims and pays out.
    Collect,
    /// Delivered, approved by every weighted unit: released at once.
    Approve,
    /// Not delivered in time: expired.
    Expire,
    /// Disputed, then ruled.
    Dispute(DisputeOutcome),
}

impl Plan {
    const fn new(funding: Funding, actions: &'static [Action]) -> Self {
        Self { funding, actions: Some(actions), relayed: false, native: false, sole_buyer: false }
    }

    const fn relayed(self) -> Self {
        Self { relayed: true, ..self }
    }

    const fn native(self) -> Self {
        Self { native: true, ..self }
    }

    const fn sole_buyer(self) -> Self {
        Self { sole_buyer: true, ..self }
    }

    fn random(rng: &mut Rng) -> Self {
        let funding = [Funding::Deadline, Funding::Cap, Funding::Deadline, Funding::Fail]
            .get(rng.below(5) as usize)
            .copied()
            .unwrap_or(Funding::Cancel);
        Self {
            funding,
            actions: None,
            relayed: rng.below(3) == 0,
            native: rng.below(3) == 0,
            sole_buyer: rng.below(6) == 0,
        }
    }
}

use Action::*;
use DisputeOutcome::{ByDefault, Dismissed, Ended, Withheld};

/// The first orders take every path at least once; the rest are random.
const PLANS: &[Plan] = &[
    Plan::new(Funding::Deadline, &[Release, Dispute(Dismissed), Approve, Release]),
    Plan::new(Funding::Cap, &[Dispute(Withheld), Collect, Release]).relayed(),
    Plan::new(Funding::Deadline, &[Approve, Dispute(Ended)]).native(),
    Plan::new(Funding::Deadline, &[Release, Dispute(ByDefault)]),
    Plan::new(Funding::Deadline, &[Expire]),
    Plan::new(Funding::Cap, &[Release, Release, Expire]).native().relayed(),
    Plan::new(Funding::Fail, &[Release]),
    Plan::new(Funding::Cancel, &[Release]).native(),
    Plan::new(Funding::Deadline, &[Collect, Dispute(Withheld), Dispute(Dismissed)]).sole_buyer(),
    Plan::new(Funding::Cap, &[Dispute(Ended)]).sole_buyer().native(),
    Plan::new(Funding::Deadline, &[Approve, Dispute(Withheld), Approve]).relayed(),
    Plan::new(Funding::Fail, &[Release]).native().relayed(),
];

/// Counts of what the run covered.
#[derive(Debug, Default)]
struct Stats {
    comparisons: u64,
    claimable: u64,
    commission: u64,
    refundable: u64,
    claims: u64,
    commission_claims: u64,
    refunds: u64,
    relayed: u64,
    collects: u64,
    approved_releases: u64,
    review_releases: u64,
    refusals: u64,
    statuses: BTreeMap<OrderStatus, u64>,
    outcomes: BTreeMap<DisputeOutcome, u64>,
}

impl Stats {
    fn new() -> Self {
        Self {
            statuses: OrderStatus::ALL.iter().map(|s| (*s, 0)).collect(),
            outcomes: DisputeOutcome::ALL.iter().map(|o| (*o, 0)).collect(),
            ..Self::default()
        }
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Anvil with the contracts deployed by the deploy script, and a wallet of every dev key.
struct Chain {
    _anvil: Anvil,
    provider: DynProvider,
    chain_id: u64,
    escrow: Address,
    lens: Address,
    verifier: Address,
    stablecoin: Address,
    treasury: Address,
    fee_bps: u16,
    accounts: Vec<Address>,
}

impl Chain {
    async fn start() -> Result<Self> {
        let chain_id = 31338;
        let anvil = Anvil::builder().chain_id(chain_id).spawn()?;
        let deployment = deploy_contracts(&anvil.endpoint(), chain_id)?;
        let address = |name: &str| -> Result<Address> {
            Ok(deployment["contracts"][name].as_str().ok_or(format!("no {name}"))?.parse()?)
        };
        let mut wallet = EthereumWallet::default();
        for key in DEV_KEYS {
            wallet.register_signer(key.parse::<PrivateKeySigner>()?);
        }
        let provider =
            ProviderBuilder::new().wallet(wallet).connect_http(anvil.endpoint().parse()?).erased();
        let mut chain = Self {
            _anvil: anvil,
            provider,
            chain_id,
            escrow: address("escrow")?,
            lens: address("escrow_lens")?,
            verifier: address("terms_verifier")?,
            stablecoin: address("stablecoin")?,
            treasury: address("treasury")?,
            fee_bps: 0,
            accounts: DEV_ACCOUNTS.iter().map(|a| a.parse()).collect::<Result<_, _>>()?,
        };
        chain.fee_bps = chain.view(chain.escrow, Escrow::feeBpsCall {}).await?;
        assert_eq!(chain.view(chain.escrow, Escrow::treasuryCall {}).await?, chain.treasury);
        let tokens: Vec<Address> = serde_json::from_value(deployment["payment_tokens"].clone())?;
        assert!(tokens.contains(&chain.stablecoin) && tokens.contains(&Address::ZERO));
        for account in chain.accounts.clone() {
            let approve = DemoStablecoin::approveCall { spender: chain.escrow, value: U256::MAX };
            chain.send(account, chain.stablecoin, approve, U256::ZERO).await?;
        }
        Ok(chain)
    }

    async fn view<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        let out = self.provider.call(tx).await?;
        Ok(C::abi_decode_returns(&out)?)
    }

    /// The revert data of `call` from `from`, or an error if it does not revert.
    async fn revert_of<C: SolCall>(&self, from: Address, to: Address, call: C) -> Result<Bytes> {
        let tx =
            TransactionRequest::default().with_from(from).with_to(to).with_input(call.abi_encode());
        match self.provider.call(tx).await {
            Ok(_) => Err("the call did not revert".into()),
            Err(e) => Ok(e
                .as_error_resp()
                .and_then(|p| p.as_revert_data())
                .ok_or_else(|| format!("no revert data: {e}"))?),
        }
    }

    /// Sends `call` from `from` and returns its (successful) receipt.
    async fn send<C: SolCall>(
        &self,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> Result<TransactionReceipt> {
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_input(call.abi_encode())
            .with_value(value);
        let hash = *self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| format!("{}: {e}", C::SIGNATURE))?
            .tx_hash();
        // Anvil mines at once: poll the receipt instead of alloy's block heartbeat.
        for _ in 0..500 {
            if let Some(receipt) = self.provider.get_transaction_receipt(hash).await? {
                if !receipt.status() {
                    return Err(format!("{} reverted", C::SIGNATURE).into());
                }
                return Ok(receipt);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Err(format!("no receipt for {hash}").into())
    }

    async fn now(&self) -> Result<u64> {
        let block = self.provider.get_block_by_number(Default::default()).await?;
        Ok(block.ok_or("no latest block")?.header.timestamp)
    }

    /// Moves the chain's clock to `at` (if it is not past it yet) and mines a block.
    async fn warp_to(&self, at: u64) -> Result<()> {
        let now = self.now().await?;
        if at > now {
            let _: serde_json::Value =
                self.provider.raw_request("evm_increaseTime".into(), [at - now]).await?;
        }
        let _: serde_json::Value = self.provider.raw_request("evm_mine".into(), ()).await?;
        Ok(())
    }
}

/// The events of type `E` in a receipt.
fn events<E: SolEvent>(receipt: &TransactionReceipt) -> Vec<E> {
    receipt
        .inner
        .logs()
        .iter()
        .filter_map(|log| E::decode_log(&log.inner).ok().map(|l| l.data))
        .collect()
}

/// The one event of type `E` in a receipt.
fn event<E: SolEvent>(receipt: &TransactionReceipt) -> Result<E> {
    let mut all = events::<E>(receipt);
    if all.len() != 1 {
        return Err(format!("{} {} events", all.len(), E::SIGNATURE).into());
    }
    Ok(all.remove(0))
}

/// An order on chain, with its terms as the domain has them.
struct Order {
    id: U256,
    terms: Terms,
    packed: Bytes,
}

impl Order {
    fn token(&self) -> Address {
        self.terms.token
    }
}

/// One party's records and the views of it, as the domain computed them (and the lens
/// confirmed).
#[derive(Clone, Copy, Debug, Default)]
struct Party {
    participant: Participant,
    claimed: U256,
    claimable: U256,
    commission: U256,
    refundable: U256,
}

/// The order's records and every party's views, after a comparison.
struct Snapshot {
    figures: OrderFigures,
    parties: BTreeMap<Address, Party>,
}

impl Snapshot {
    fn party(&self, a: Address) -> Party {
        self.parties[&a]
    }
}

/// Every party the checks cover: the dev accounts, the outside promoters, the treasury and
/// a bystander.
fn parties(chain: &Chain) -> Vec<Address> {
    let mut all = chain.accounts.clone();
    all.extend(OUTSIDE_PROMOTERS);
    all.extend([chain.treasury, BYSTANDER]);
    all
}

/// Compares every figure of the domain with the lens's view of it, for every party, and
/// returns the records.
async fn compare(chain: &Chain, order: &Order, stats: &mut Stats) -> Result<Snapshot> {
    let (id, t, p) = (order.id, &order.terms, &order.packed);
    let lens = chain.lens;
    let state = chain.view(lens, EscrowLens::orderStateCall { orderId: id }).await?;
    let aux = chain.view(lens, EscrowLens::orderAuxCall { orderId: id }).await?;
    let pool = chain.view(lens, EscrowLens::promoterPoolOfCall { orderId: id }).await?;
    let figures = OrderFigures::try_from((&state, &aux, &pool))?;
    let released = chain.view(lens, EscrowLens::releasedOfCall { orderId: id, terms: p.clone() });
    assert_eq!(payout::released(t, &figures), released.await?, "released");
    for i in 0..=t.milestones.len() {
        let call =
            EscrowLens::milestoneAmountCall { orderId: id, terms: p.clone(), index: U256::from(i) };
        let units = figures.units_pledged;
        assert_eq!(payout::milestone_amount(t, units, i), chain.view(lens, call).await?, "{i}");
    }
    let bond = chain.view(lens, EscrowLens::disputeBondCall { orderId: id, terms: p.clone() });
    assert_eq!(payout::dispute_bond(t, &figures), bond.await?, "bond");
    let deadline = chain.view(lens, EscrowLens::deadlineOfCall { orderId: id, terms: p.clone() });
    assert_eq!(U256::from(payout::deadline(t, &figures).unwrap_or(0)), deadline.await?);
    let treasury = chain.treasury;
    let mut snapshot = Snapshot { figures: figures.clone(), parties: BTreeMap::new() };
    let mut weights = 0;
    for account in parties(chain) {
        let record =
            chain.view(lens, EscrowLens::participantOfCall { orderId: id, account }).await?;
        let participant = Participant::from(&record);
        let claimed = chain.view(lens, EscrowLens::claimedOfCall { orderId: id, account }).await?;
        let party = Party {
            participant,
            claimed,
            claimable: payout::claimable(t, treasury, &figures, account, claimed),
            commission: payout::commission_claimable(t, &figures, &participant, claimed),
            refundable: payout::refundable(t, &figures, &participant),
        };
        let terms = p.clone();
        let views = (
            chain.view(
                lens,
                EscrowLens::claimableCall { orderId: id, terms: terms.clone(), account },
            ),
            chain.view(
                lens,
                EscrowLens::commissionClaimableCall {
                    orderId: id,
                    terms: terms.clone(),
                    promoter: account,
                },
            ),
            chain.view(
                lens,
                EscrowLens::refundableCall { orderId: id, terms: terms.clone(), backer: account },
            ),
            chain.view(lens, EscrowLens::weightOfCall { orderId: id, terms, account }),
        );
        let (claimable, commission, refundable, weight) =
            tokio::try_join!(views.0, views.1, views.2, views.3)?;
        let weighs = payout::weight(t, &participant, account);
        let what = format!("{account} ({participant:?}, claimed {claimed}) in {figures:?}");
        assert_eq!(party.claimable, claimable, "claimable of {what}");
        assert_eq!(party.commission, commission, "commission of {what}");
        assert_eq!(party.refundable, refundable, "refundable of {what}");
        assert_eq!(U256::from(weighs), weight, "weight of {what}");
        if account == BYSTANDER {
            assert_eq!((claimable, commission, refundable, weight), Default::default());
        }
        weights += weighs;
        stats.comparisons += 4;
        stats.claimable += u64::from(!claimable.is_zero());
        stats.commission += u64::from(!commission.is_zero());
        stats.refundable += u64::from(!refundable.is_zero());
        snapshot.parties.insert(account, party);
    }
    // The contract's count of weighted units is the domain's weights summed (until refunds
    // clear the backers' records).
    if !figures.status.is_final() {
        assert_eq!(weights, figures.weighted_units, "weighted units");
    }
    Ok(snapshot)
}

/// Random terms the Escrow accepts, created `now`.
fn random_terms(chain: &Chain, rng: &mut Rng, now: u64, plan: Plan, n: usize) -> Terms {
    let accounts = &chain.accounts;
    let seller = accounts[rng.range(1, 3) as usize];
    let others: Vec<Address> = accounts.iter().copied().filter(|a| *a != seller).collect();
    let arbiter = rng.pick(&others);
    let sole_buyer = if plan.sole_buyer {
        let buyers: Vec<Address> = others.iter().copied().filter(|a| *a != arbiter).collect();
        rng.pick(&buyers)
    } else {
        Address::ZERO
    };
    // Split recipients may repeat and may be the seller; never the arbiter or the buyer.
    let recipients: Vec<Address> =
        accounts.iter().copied().filter(|a| *a != arbiter && *a != sole_buyer).collect();
    let count = rng.below(6);
    let mut budget = rng.range(count, 10_000);
    let splits = (0..count)
        .map(|i| {
            let left = count - i - 1;
            let bps = if left == 0 { budget } else { rng.range(1, budget - left) };
            budget -= bps;
            Split { bps: bps as u16, recipient: rng.pick(&recipients) }
        })
        .filter(|s| s.bps > 0)
        .collect();
    let mut left = 10_000_u64;
    let milestones = (0..n)
        .map(|i| {
            let rest = (n - i - 1) as u64;
            let bps = if rest == 0 { left } else { rng.range(1, left - rest) };
            left -= bps;
            Milestone { bps: bps as u16, delivery_period: rng.range(3_600, 10 * DAY) as u32 }
        })
        .collect();
    let max_units = if plan.sole_buyer { rng.range(1, 5) } else { rng.range(2, 40) };
    let min_units = match plan.funding {
        Funding::Fail => rng.range(2.min(max_units), max_units).max(2),
        _ => rng.range(1, max_units),
    };
    let deadline = now + rng.range(DAY, 10 * DAY);
    let unit_price = match rng.below(4) {
        0 => rng.range(1, 20),
        1 => rng.range(1, 1_000_000),
        2 => rng.range(1, 1_000_000_000_000),
        _ => rng.range(1, 10_000_000_000_000_000),
    };
    Terms {
        arbiter,
        bond_bps: rng.range(100, 2_000) as u16,
        fee_bps: chain.fee_bps,
        funding_deadline: cointent_domain::DateTime::from_unix_seconds(deadline),
        funding_deadline_unix: deadline,
        max_units: max_units.max(min_units) as u32,
        metadata_hash: B256::from(U256::from(rng.next())),
        milestones,
        min_units: min_units as u32,
        promoter_bps: if rng.chance(4) { 0 } else { rng.range(1, 10_000) as u16 },
        review_period: rng.range(DAY, 3 * DAY) as u32,
        ruling_period: rng.range(DAY, 3 * DAY) as u32,
        seller,
        sole_buyer,
        splits,
        token: if plan.native { Address::ZERO } else { chain.stablecoin },
        unit_price: Amount(U256::from(unit_price)),
    }
}

/// Malformed packed terms and invalid terms are refused by the contracts with the reasons
/// the domain gives.
async fn refusals_match(chain: &Chain, rng: &mut Rng, stats: &mut Stats) -> Result<()> {
    let now = chain.now().await?;
    let plan = Plan::new(Funding::Deadline, &[]);
    let mut valid = random_terms(chain, rng, now, plan, 2);
    valid.splits = vec![Split { bps: 1_000, recipient: chain.accounts[9] }];
    if valid.arbiter == chain.accounts[9] {
        valid.arbiter = chain.accounts[8];
    }
    let reason_of = |data: &Bytes| -> Result<String> {
        let reason = Escrow::InvalidTerms::abi_decode(data)?.reason;
        Ok(String::from_utf8(reason.iter().copied().take_while(|b| *b != 0).collect())?)
    };
    // Layouts: the lens's `unpackTerms` and the domain's `unpack` refuse alike.
    let packed = valid.pack()?.to_vec();
    let mut layouts: Vec<Vec<u8>> = vec![packed[..152].to_vec(), packed[..160].to_vec()];
    for (at, byte) in [(151, 0_u8), (151, 9), (151, 6), (164, 6), (164, 0)] {
        let mut p = packed.clone();
        p[at] = byte;
        layouts.push(p);
    }
    layouts.push([packed.as_slice(), &[0]].concat());
    for bad in layouts {
        let ours = terms::unpack(&bad).expect_err("malformed");
        let call = EscrowLens::unpackTermsCall { terms: bad.into() };
        let theirs = reason_of(&chain.revert_of(chain.accounts[0], chain.lens, call).await?)?;
        assert_eq!(ours.contract_reason(), Some(theirs.as_str()), "{ours}");
        stats.refusals += 1;
    }
    // Values: `createOrder` and `Terms::check` refuse alike.
    type Edit = fn(&mut Terms);
    let edits: &[Edit] = &[
        |t| t.unit_price = Amount::ZERO,
        |t| t.min_units = t.max_units + 1,
        |t| t.unit_price = Amount(U256::from(1_u128 << 95)),
        |t| t.funding_deadline_unix -= 400 * DAY,
        |t| t.review_period = 3_600,
        |t| t.ruling_period = 91 * DAY as u32,
        |t| t.bond_bps = 2_001,
        |t| t.promoter_bps = 10_001,
        |t| t.arbiter = t.seller,
        |t| t.sole_buyer = t.seller,
        |t| t.milestones[0].bps -= 1,
        |t| t.milestones[1].delivery_period = 60,
        |t| t.splits[0].recipient = t.arbiter,
        |t| t.sole_buyer = t.splits[0].recipient,
        |t| t.splits[0].recipient = Address::ZERO,
        |t| t.splits[0].bps = 10_001,
        |t| t.splits = vec![Split { bps: 5_001, recipient: t.seller }; 2],
    ];
    for edit in edits {
        let mut t = valid.clone();
        edit(&mut t);
        let ours = t.check(now).expect_err("invalid");
        let call = Escrow::createOrderCall { terms: t.pack()? };
        let data = chain.revert_of(t.seller, chain.escrow, call).await?;
        assert_eq!(ours.contract_reason(), Some(reason_of(&data)?.as_str()), "{ours}");
        stats.refusals += 1;
    }
    // The fee in force and the allowlist are the chain's to say.
    let mut t = valid.clone();
    t.fee_bps += 1;
    assert!(t.check_fee(chain.fee_bps).is_err());
    let data =
        chain.revert_of(t.seller, chain.escrow, Escrow::createOrderCall { terms: t.pack()? });
    assert!(Escrow::FeeMismatch::abi_decode(&data.await?).is_ok());
    Ok(())
}

/// Drives one order through `plan`, comparing after every step.
async fn run_order(chain: &Chain, rng: &mut Rng, plan: Plan, stats: &mut Stats) -> Result<()> {
    let now = chain.now().await?;
    let milestones = match plan.actions {
        Some(actions) if !actions.is_empty() => actions.len() + rng.below(2) as usize,
        _ => rng.range(1, 8) as usize,
    };
    let t = random_terms(chain, rng, now, plan, milestones.min(8));
    assert_eq!(t.check(now), Ok(()), "{t:?}");
    let order = create(chain, rng, t, plan, stats).await?;
    let mut snap = compare(chain, &order, stats).await?;
    snap = fund(chain, rng, &order, plan, snap, stats).await?;
    let mut milestone = 0;
    while snap.figures.status == OrderStatus::Active {
        let action = match plan.actions {
            Some(list) if !list.is_empty() => list[milestone.min(list.len() - 1)],
            _ => random_action(rng),
        };
        snap = settle(chain, rng, &order, action, snap, stats).await?;
        snap = claims(chain, rng, &order, snap, stats, false).await?;
        milestone += 1;
    }
    *stats.statuses.entry(snap.figures.status).or_default() += 1;
    // The end: every party takes what it is owed; nothing is left anywhere.
    snap = claims(chain, rng, &order, snap, stats, true).await?;
    let f = &snap.figures;
    for party in snap.parties.values() {
        assert_eq!((party.claimable, party.commission, party.refundable), Default::default());
    }
    let r = payout::released(&order.terms, f);
    let pool = payout::breakdown(&order.terms.payout(), r, f.promoted_units, f.units_pledged);
    assert_eq!(f.commission_paid.0, pool.promoter_pool.0, "the pool is paid out exactly");
    if f.status.has_ended() {
        let left = payout::funded(&order.terms, f.units_pledged) - r;
        assert_eq!(f.refund_paid.0, left, "F - R goes back exactly");
    }
    Ok(())
}

fn random_action(rng: &mut Rng) -> Action {
    match rng.below(12) {
        0..=3 => Release,
        4 => Collect,
        5 | 6 => Approve,
        7 => Expire,
        8 => Dispute(Dismissed),
        9 => Dispute(Withheld),
        10 => Dispute(Ended),
        _ => Dispute(ByDefault),
    }
}

/// Checks the codec against the lens, creates the order (by the seller, or relayed with its
/// typed-data signature) and checks its event.
async fn create(
    chain: &Chain,
    rng: &mut Rng,
    terms: Terms,
    plan: Plan,
    stats: &mut Stats,
) -> Result<Order> {
    let abi = terms.to_abi()?;
    let packed = terms.pack()?;
    let lens = chain.lens;
    assert_eq!(chain.view(lens, EscrowLens::packTermsCall { terms: abi.clone() }).await?, packed);
    let unpacked = chain.view(lens, EscrowLens::unpackTermsCall { terms: packed.clone() }).await?;
    assert_eq!(unpacked, abi);
    assert_eq!(Terms::unpack(&packed)?, terms);
    assert_eq!(terms::unpack(&packed)?, abi);
    let digest = terms.digest(chain.chain_id, chain.escrow)?;
    let call = EscrowLens::termsDigestCall { terms: packed.clone() };
    assert_eq!(chain.view(lens, call).await?, digest);
    let call = TermsVerifier::digestCall { escrow: chain.escrow, terms: packed.clone() };
    assert_eq!(chain.view(chain.verifier, call).await?, digest);
    let (creator, receipt) = if plan.relayed {
        // The seller's wallet signs the typed data; anyone relays it.
        let typed = terms.typed_data(chain.chain_id, chain.escrow)?;
        let signature: Bytes = chain
            .provider
            .raw_request("eth_signTypedData_v4".into(), (terms.seller, typed))
            .await?;
        let relayer = chain.accounts[rng.below(10) as usize];
        let call = Escrow::createOrderForCall { terms: packed.clone(), signature };
        stats.relayed += 1;
        (relayer, chain.send(relayer, chain.escrow, call, U256::ZERO).await?)
    } else {
        let call = Escrow::createOrderCall { terms: packed.clone() };
        (terms.seller, chain.send(terms.seller, chain.escrow, call, U256::ZERO).await?)
    };
    let created = event::<Escrow::OrderCreated>(&receipt)?;
    assert_eq!(created.terms, packed);
    assert_eq!(
        (created.creator, created.seller, created.token),
        (creator, terms.seller, terms.token)
    );
    let id = created.orderId;
    let hash = chain.view(lens, EscrowLens::termsHashOfCall { orderId: id }).await?;
    assert_eq!(hash, terms::terms_hash(&packed));
    assert_eq!(hash, terms.hash()?);
    Ok(Order { id, terms, packed })
}

/// Pays `amount` of the order's token into the escrow from `from`: mints stablecoins (the
/// escrow is approved), or returns the native value to send.
async fn pay(chain: &Chain, order: &Order, from: Address, amount: U256) -> Result<U256> {
    if order.token() == Address::ZERO {
        return Ok(amount);
    }
    let mint = DemoStablecoin::mintCall { to: from, amount };
    chain.send(chain.accounts[0], chain.stablecoin, mint, U256::ZERO).await?;
    Ok(U256::ZERO)
}

/// Funding: pledges (with promoters), unpledges, then the cap, the deadline or a
/// cancellation; refunds if it failed.
async fn fund(
    chain: &Chain,
    rng: &mut Rng,
    order: &Order,
    plan: Plan,
    mut snap: Snapshot,
    stats: &mut Stats,
) -> Result<Snapshot> {
    let t = order.terms.clone();
    let (min, max) = (u64::from(t.min_units), u64::from(t.max_units));
    let target = match plan.funding {
        Funding::Fail => rng.range(0, min - 1),
        Funding::Cap => max,
        Funding::Deadline | Funding::Cancel => rng.range(min, max),
    };
    let backers: Vec<Address> =
        if t.sole_buyer == Address::ZERO { chain.accounts.clone() } else { vec![t.sole_buyer] };
    // A plan that disputes or approves needs a backer with weight: the first pledge is one's,
    // and it keeps a unit.
    let needs_weight =
        plan.actions.is_some_and(|a| a.iter().any(|x| matches!(x, Approve | Dispute(_))));
    let plain: Vec<Address> =
        backers.iter().copied().filter(|a| !payout::is_role(&t, *a)).collect();
    let keeper = (needs_weight && target > 0).then(|| rng.pick(&plain));
    let mut rounds = 0;
    while snap.figures.units_pledged < target {
        rounds += 1;
        let backer = match keeper {
            Some(k) if snap.figures.units_pledged == 0 => k,
            _ => rng.pick(&backers),
        };
        let held = snap.party(backer).participant.units;
        let spare = if Some(backer) == keeper { held.saturating_sub(1) } else { held };
        // Now and then, a backer takes some units back first.
        if spare > 0 && rng.chance(5) && rounds < 40 {
            let units = rng.range(1, spare);
            let call = Escrow::unpledgeCall {
                orderId: order.id,
                terms: order.packed.clone(),
                units: U256::from(units),
            };
            let receipt = chain.send(backer, chain.escrow, call, U256::ZERO).await?;
            let ev = event::<Escrow::Unpledged>(&receipt)?;
            assert_eq!(ev.amount, payout::funded(&t, units));
            snap = compare(chain, order, stats).await?;
            assert_eq!(ev.weightedUnits, U256::from(snap.figures.weighted_units));
            continue;
        }
        let units = rng.range(1, (target - snap.figures.units_pledged).min(10));
        let promoter = if held == 0 && rng.chance(2) && Some(backer) != keeper {
            pick_promoter(chain, rng, order, &snap, backer)
        } else {
            Address::ZERO
        };
        let amount = payout::funded(&t, units);
        let value = pay(chain, order, backer, amount).await?;
        let call = Escrow::pledgeCall {
            orderId: order.id,
            terms: order.packed.clone(),
            units: U256::from(units),
            promoter,
        };
        let receipt = chain.send(backer, chain.escrow, call, value).await?;
        let ev = event::<Escrow::Pledged>(&receipt)?;
        assert_eq!(ev.amount, amount);
        snap = compare(chain, order, stats).await?;
        assert_eq!(ev.weightedUnits, U256::from(snap.figures.weighted_units));
    }
    if plan.funding == Funding::Cancel {
        let call = Escrow::cancelCall { orderId: order.id, terms: order.packed.clone() };
        chain.send(t.seller, chain.escrow, call, U256::ZERO).await?;
        return compare(chain, order, stats).await;
    }
    if snap.figures.units_pledged < max {
        chain.warp_to(t.funding_deadline_unix).await?;
    }
    let finalizer = rng.pick(&chain.accounts);
    let call = Escrow::finalizeCall { orderId: order.id, terms: order.packed.clone() };
    let receipt = chain.send(finalizer, chain.escrow, call, U256::ZERO).await?;
    let ev = event::<Escrow::Finalized>(&receipt)?;
    let funded = payout::funded(&t, snap.figures.units_pledged);
    assert_eq!(ev.funded, funded);
    snap = compare(chain, order, stats).await?;
    let goal = snap.figures.units_pledged >= min;
    let expected = if goal { OrderStatus::Active } else { OrderStatus::Failed };
    assert_eq!(snap.figures.status, expected);
    assert_eq!(ev.status, expected.index());
    assert_eq!(ev.deliverBy, U256::from(payout::deadline(&t, &snap.figures).unwrap_or(0)));
    Ok(snap)
}

/// A promoter `backer` may name now, or none: never itself, a role, the treasury, nor a
/// backer with weight.
fn pick_promoter(
    chain: &Chain,
    rng: &mut Rng,
    order: &Order,
    snap: &Snapshot,
    backer: Address,
) -> Address {
    let candidates: Vec<Address> = chain
        .accounts
        .iter()
        .copied()
        .chain(OUTSIDE_PROMOTERS)
        .filter(|a| *a != backer && *a != chain.treasury && !payout::is_role(&order.terms, *a))
        .filter(|a| {
            let p = snap.party(*a).participant;
            p.units == 0 || p.promoted > 0
        })
        .collect();
    if candidates.is_empty() { Address::ZERO } else { rng.pick(&candidates) }
}

/// Settles the current milestone by `action`.
async fn settle(
    chain: &Chain,
    rng: &mut Rng,
    order: &Order,
    action: Action,
    snap: Snapshot,
    stats: &mut Stats,
) -> Result<Snapshot> {
    let t = &order.terms;
    let (id, packed) = (order.id, order.packed.clone());
    let f = snap.figures.clone();
    let index = f.milestone as usize;
    assert_eq!(f.milestone_state, MilestoneState::Pending);
    let deliver_by = payout::deadline(t, &f).ok_or("no delivery deadline")?;
    if action == Expire {
        chain.warp_to(deliver_by).await?;
        let anyone = rng.pick(&chain.accounts);
        let call = Escrow::expireCall { orderId: id, terms: packed };
        let receipt = chain.send(anyone, chain.escrow, call, U256::ZERO).await?;
        let ev = event::<Escrow::Expired>(&receipt)?;
        let snap = compare(chain, order, stats).await?;
        assert_eq!(snap.figures.status, OrderStatus::Expired);
        assert_eq!(ev.milestone, U256::from(index));
        assert_eq!(ev.totalReleased, payout::released(t, &snap.figures));
        return Ok(snap);
    }
    let call = Escrow::deliverMilestoneCall {
        orderId: id,
        terms: packed.clone(),
        proofHash: B256::repeat_byte(index as u8),
    };
    let receipt = chain.send(t.seller, chain.escrow, call, U256::ZERO).await?;
    let delivered = event::<Escrow::MilestoneDelivered>(&receipt)?;
    let snap = compare(chain, order, stats).await?;
    let review_end = payout::deadline(t, &snap.figures).ok_or("no review deadline")?;
    assert_eq!(delivered.reviewEndsAt, U256::from(review_end));
    let amount = payout::milestone_amount(t, f.units_pledged, index);
    let weighted: Vec<Address> = snap
        .parties
        .iter()
        .filter(|(a, p)| payout::weight(t, &p.participant, **a) > 0)
        .map(|(a, _)| *a)
        .collect();
    // What `R` becomes when the milestone is released in full.
    let released_after =
        payout::cumulative(t, f.units_pledged, index + 1) - snap.figures.withheld.0;
    let action = match action {
        Dispute(_) | Approve if weighted.is_empty() => Release,
        other => other,
    };
    if std::env::var_os("COINTENT_DIFF_TRACE").is_some() {
        eprintln!("order {id} milestone {index}: {action:?} ({} weighted)", weighted.len());
    }
    match action {
        Release | Collect => {
            // Some weighted backers approve, not all: the review window still runs.
            for a in weighted.iter().skip(1).filter(|_| rng.chance(2)) {
                let call = Escrow::approveMilestoneCall { orderId: id, terms: packed.clone() };
                let receipt = chain.send(*a, chain.escrow, call, U256::ZERO).await?;
                assert!(events::<Escrow::MilestoneReleased>(&receipt).is_empty());
            }
            chain.warp_to(review_end).await?;
            // The seller's "get paid": release, claim and pay out its whole balance (when
            // there is something to pay: a seller whose splits take everything has none).
            let mut after = snap.figures.clone();
            after.milestone += 1;
            let seller = snap.party(t.seller);
            let due = payout::claimable(t, chain.treasury, &after, t.seller, seller.claimed);
            let balance = Escrow::balanceOfCall { token: t.token, account: t.seller };
            let balance = chain.view(chain.escrow, balance).await?;
            let receipt = if action == Collect && !(balance + due).is_zero() {
                let call = Escrow::collectCall { orderId: id, terms: packed.clone(), to: t.seller };
                let receipt = chain.send(t.seller, chain.escrow, call, U256::ZERO).await?;
                let paid = event::<Escrow::Withdrawn>(&receipt)?;
                assert_eq!(paid.amount, balance + due, "collect pays the balance and the claim");
                stats.collects += 1;
                receipt
            } else {
                let anyone = rng.pick(&chain.accounts);
                let call = Escrow::releaseCall { orderId: id, terms: packed.clone() };
                chain.send(anyone, chain.escrow, call, U256::ZERO).await?
            };
            let ev = event::<Escrow::MilestoneReleased>(&receipt)?;
            assert_eq!((ev.amount, ev.totalReleased), (amount, released_after));
            stats.review_releases += 1;
        }
        Approve => {
            let last = weighted.len() - 1;
            for (i, a) in weighted.iter().enumerate() {
                let call = Escrow::approveMilestoneCall { orderId: id, terms: packed.clone() };
                let receipt = chain.send(*a, chain.escrow, call, U256::ZERO).await?;
                let released = events::<Escrow::MilestoneReleased>(&receipt);
                assert_eq!(
                    released.len(),
                    usize::from(i == last),
                    "released by the last approval only"
                );
                if let Some(ev) = released.first() {
                    assert_eq!((ev.amount, ev.totalReleased), (amount, released_after));
                }
            }
            stats.approved_releases += 1;
        }
        Dispute(outcome) => {
            let disputer = rng.pick(&weighted);
            let bond = payout::dispute_bond(t, &snap.figures);
            let value = pay(chain, order, disputer, bond).await?;
            let call = Escrow::disputeCall {
                orderId: id,
                terms: packed.clone(),
                reason: "not as promised".into(),
            };
            let receipt = chain.send(disputer, chain.escrow, call, value).await?;
            let disputed = event::<Escrow::Disputed>(&receipt)?;
            assert_eq!(disputed.bond, bond);
            let snap = compare(chain, order, stats).await?;
            let ruling_end = payout::deadline(t, &snap.figures).ok_or("no ruling deadline")?;
            assert_eq!(disputed.rulingEndsAt, U256::from(ruling_end));
            let bond_to = if outcome.is_upheld() { disputer } else { t.seller };
            let before = chain
                .view(chain.escrow, Escrow::balanceOfCall { token: t.token, account: bond_to })
                .await?;
            let (release, end) = match outcome {
                Dismissed => (amount, false),
                Withheld => (U256::from(rng.next()) % amount.max(U256::from(1)), false),
                Ended => (U256::from(rng.next()) % (amount + U256::from(1)), true),
                ByDefault => (U256::ZERO, true),
            };
            let receipt = if outcome == ByDefault {
                chain.warp_to(ruling_end).await?;
                let anyone = rng.pick(&chain.accounts);
                let call = Escrow::ruleByDefaultCall { orderId: id, terms: packed.clone() };
                chain.send(anyone, chain.escrow, call, U256::ZERO).await?
            } else {
                let call = Escrow::ruleCall {
                    orderId: id,
                    terms: packed.clone(),
                    releaseAmount: release,
                    endOrder: end,
                };
                chain.send(t.arbiter, chain.escrow, call, U256::ZERO).await?
            };
            let ruled = event::<Escrow::DisputeRuled>(&receipt)?;
            let after = compare(chain, order, stats).await?;
            let resolved = after.figures.status == OrderStatus::Resolved;
            let seen = DisputeOutcome::of_ruling(ruled.upheld, ruled.byDefault, resolved);
            // Withholding nothing keeps a dismissal a dismissal.
            let expected =
                if outcome == Withheld && release == amount { Dismissed } else { outcome };
            assert_eq!(seen, expected, "{ruled:?}");
            assert_eq!((ruled.released, ruled.withheld), (release, amount - release));
            assert_eq!(ruled.totalReleased, payout::released(t, &after.figures));
            assert_eq!(ruled.totalReleased, released_after - (amount - release));
            assert_eq!((ruled.bondTo, ruled.bond), (bond_to, bond));
            let credited = chain
                .view(chain.escrow, Escrow::balanceOfCall { token: t.token, account: bond_to })
                .await?;
            assert_eq!(credited - before, bond, "the bond goes to {bond_to}");
            assert_eq!(ruled.ended, after.figures.status.has_ended());
            *stats.outcomes.entry(seen).or_default() += 1;
            return Ok(after);
        }
        Expire => unreachable!(),
    }
    compare(chain, order, stats).await
}

/// Claims, commissions and refunds: some of them while the order runs, all of them at the
/// end; each must move exactly what the domain said.
async fn claims(
    chain: &Chain,
    rng: &mut Rng,
    order: &Order,
    mut snap: Snapshot,
    stats: &mut Stats,
    all: bool,
) -> Result<Snapshot> {
    let (id, packed, token) = (order.id, order.packed.clone(), order.token());
    let accounts: Vec<Address> = snap.parties.keys().copied().collect();
    for account in accounts {
        let party = snap.party(account);
        let caller = rng.pick(&chain.accounts);
        if !party.claimable.is_zero() && (all || rng.chance(3)) {
            let call = Escrow::claimCall { orderId: id, terms: packed.clone(), account };
            let receipt = chain.send(caller, chain.escrow, call, U256::ZERO).await?;
            let ev = event::<Escrow::Claimed>(&receipt)?;
            assert_eq!((ev.account, ev.token, ev.amount), (account, token, party.claimable));
            stats.claims += 1;
            snap = compare(chain, order, stats).await?;
        }
        let p = snap.party(account);
        let closes =
            snap.figures.status.has_ended() && p.participant.promoted > 0 && !p.participant.closed;
        if !p.commission.is_zero() && (all || rng.chance(3)) || all && closes {
            let call = Escrow::claimCommissionCall {
                orderId: id,
                terms: packed.clone(),
                promoter: account,
            };
            let receipt = chain.send(caller, chain.escrow, call, U256::ZERO).await?;
            let ev = event::<Escrow::CommissionClaimed>(&receipt)?;
            assert_eq!((ev.promoter, ev.amount, ev.closed), (account, p.commission, closes));
            stats.commission_claims += 1;
            snap = compare(chain, order, stats).await?;
        }
        let p = snap.party(account);
        // Once an ended order has something left, every backer refunds (a tiny holding's
        // share may round to 0), so that the last one takes the remainder.
        let f = &snap.figures;
        let left =
            payout::funded(&order.terms, f.units_pledged) > payout::released(&order.terms, f);
        let due = !p.refundable.is_zero() || f.status.has_ended() && left;
        if all && p.participant.units > 0 && due {
            // The backer may send its refund elsewhere; anyone may send it to the backer.
            let (from, to) = if chain.accounts.contains(&account) && rng.chance(2) {
                (account, BYSTANDER)
            } else {
                (caller, account)
            };
            let call =
                Escrow::refundCall { orderId: id, terms: packed.clone(), backer: account, to };
            let receipt = chain.send(from, chain.escrow, call, U256::ZERO).await?;
            let ev = event::<Escrow::Refunded>(&receipt)?;
            assert_eq!((ev.backer, ev.to, ev.amount), (account, to, p.refundable));
            stats.refunds += 1;
            snap = compare(chain, order, stats).await?;
        }
    }
    Ok(snap)
}
