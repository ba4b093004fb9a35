//! An order's terms: the [`Terms`] the API shows, their lossless conversions to and from the
//! typed ABI struct (`cointent_abi::IEscrow::Terms`), the packed encoding the Escrow takes and
//! hashes ([`pack`], [`unpack`], [`terms_hash`]), the EIP-712 digest a seller signs so that
//! others may create the order for it ([`digest`], [`typed_data`]), and the checks the Escrow
//! makes of new terms ([`Terms::check`]).
//!
//! # The packed encoding
//!
//! Every Escrow call takes the terms as `bytes`, big-endian and without padding
//! (`contracts/src/libraries/PackedTerms.sol`); the Escrow stores only their keccak256:
//!
//! ```text
//! offset  0 seller (20)      | 20 token (20)          | 40 unitPrice (12)   | 52 minUnits (4)
//!        56 maxUnits (4)     | 60 fundingDeadline (5) | 65 reviewPeriod (4) | 69 rulingPeriod (4)
//!        73 promoterBps (2)  | 75 feeBps (2)          | 77 bondBps (2)      | 79 soleBuyer (20)
//!        99 arbiter (20)     | 119 metadataHash (32)  | 151 milestone count n (1)
//!       152 n x [bps (2), deliveryPeriod (4)]        | 152+6n split count m (1)
//!     153+6n m x [recipient (20), bps (2)]            total 153 + 6n + 22m bytes
//! ```
//!
//! [`unpack`] makes the layout checks of `PackedTerms.validateLayout` (and so of
//! `EscrowLens.unpackTerms` and `TermsVerifier.digest`): 1 to 8 milestones, at most 5 splits,
//! and a length that matches the counts.
//!
//! ```
//! use cointent_domain::{OrderKind, Terms, terms};
//! let json = r#"{"arbiter":"0x0606060606060606060606060606060606060606","bond_bps":500,
//!   "fee_bps":100,"funding_deadline":"2023-11-14T22:13:20Z","funding_deadline_unix":1700000000,
//!   "max_units":10,"metadata_hash":"0x4242424242424242424242424242424242424242424242424242424242424242",
//!   "milestones":[{"bps":5000,"delivery_period":604800},{"bps":5000,"delivery_period":1209600}],
//!   "min_units":3,"promoter_bps":500,"review_period":86400,"ruling_period":259200,
//!   "seller":"0x0404040404040404040404040404040404040404",
//!   "sole_buyer":"0x0000000000000000000000000000000000000000",
//!   "splits":[{"bps":1000,"recipient":"0x0707070707070707070707070707070707070707"}],
//!   "token":"0x0909090909090909090909090909090909090909","unit_price":"10000000"}"#;
//! let t: Terms = serde_json::from_str(json).unwrap();
//! assert_eq!(t.kind(), OrderKind::Collective);
//! let packed = t.pack().unwrap(); // what `pledge`, `claim`, ... take as `terms`
//! assert_eq!(packed.len(), 153 + 6 * 2 + 22);
//! assert_eq!(Terms::unpack(&packed).unwrap(), t);
//! let hash = terms::terms_hash(&packed); // the Escrow's termsHashOf(orderId)
//! # let _ = hash;
//! ```

use alloy_primitives::{Address, B256, Bytes, U256, aliases::U40, aliases::U96, keccak256};
use alloy_sol_types::{Eip712Domain, SolStruct};
use cointent_abi::IEscrow;
use serde::{Deserialize, Serialize};

use crate::{Amount, DateTime, OrderKind, payout::PayoutTerms};

/// Most milestones an order may have (`MAX_MILESTONES`).
pub const MAX_MILESTONES: usize = 8;
/// Most split entries an order may have (`MAX_SPLITS`).
pub const MAX_SPLITS: usize = 5;
/// Highest platform fee, in bps (`MAX_FEE_BPS`).
pub const MAX_FEE_BPS: u16 = 500;
/// Shortest and longest review window, in seconds (`MIN_REVIEW_PERIOD`, `MAX_REVIEW_PERIOD`).
pub const REVIEW_PERIOD: (u32, u32) = (86_400, 90 * 86_400);
/// Shortest and longest ruling period, in seconds (`MIN_RULING_PERIOD`, `MAX_RULING_PERIOD`).
pub const RULING_PERIOD: (u32, u32) = (86_400, 90 * 86_400);
/// Shortest and longest delivery period of a milestone, in seconds (`MIN_DELIVERY_PERIOD`,
/// `MAX_DELIVERY_PERIOD`).
pub const DELIVERY_PERIOD: (u32, u32) = (3_600, 365 * 86_400);
/// Smallest and largest dispute bond, in bps of the disputed milestone's amount
/// (`MIN_BOND_BPS`, `MAX_BOND_BPS`).
pub const BOND_BPS: (u16, u16) = (100, 2_000);
/// Longest funding period, from creation to the funding deadline, in seconds
/// (`MAX_FUNDING_PERIOD`).
pub const MAX_FUNDING_PERIOD: u64 = 365 * 86_400;

/// The EIP-712 domain's name (`TermsVerifier`).
pub const EIP712_NAME: &str = "Co-Intent Escrow";
/// The EIP-712 domain's version (`TermsVerifier`).
pub const EIP712_VERSION: &str = "2";

/// Length of the packed terms' fixed part, up to and including the milestone count.
const HEADER: usize = 152;
const MILESTONE_SIZE: usize = 6;
const SPLIT_SIZE: usize = 22;

/// Why terms could not be converted, packed, unpacked or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    /// `unit_price` does not fit the ABI's uint96.
    #[error("unit_price {0} does not fit in 96 bits")]
    UnitPriceTooLarge(U256),
    /// `funding_deadline_unix` does not fit the ABI's uint40.
    #[error("funding_deadline_unix {0} does not fit in 40 bits")]
    DeadlineTooLarge(u64),
    /// More milestones or splits than the packed encoding's one-byte count can say.
    #[error("{count} {what} do not fit the packed encoding's one-byte count")]
    TooManyToPack {
        /// `milestones` or `splits`.
        what: &'static str,
        /// How many there are.
        count: usize,
    },
    /// Packed terms whose length does not match their counts (the Escrow's
    /// `InvalidTerms("length")`).
    #[error("packed terms are {len} bytes; {expected}")]
    Length {
        /// The length given.
        len: usize,
        /// What the layout needs, in words.
        expected: String,
    },
    /// Packed terms with no milestone or more than [`MAX_MILESTONES`] (`InvalidTerms
    /// ("milestoneCount")`).
    #[error("packed terms count {0} milestones; an order has 1 to 8")]
    MilestoneCount(u8),
    /// Packed terms with more than [`MAX_SPLITS`] splits (`InvalidTerms("splitCount")`).
    #[error("packed terms count {0} splits; an order has at most 5")]
    SplitCount(u8),
    /// Terms the Escrow refuses at creation, with the reason its `InvalidTerms` names
    /// (`unitPrice`, `units`, `maxAmount`, `fundingDeadline`, `reviewPeriod`, `rulingPeriod`,
    /// `bondBps`, `promoterBps`, `seller`, `arbiter`, `soleBuyer`, `milestoneBps`,
    /// `deliveryPeriod`, `split`, `splitBps`), and what is wrong in words.
    #[error("{reason}: {detail}")]
    Invalid {
        /// The Escrow's reason, as `InvalidTerms(bytes32)` carries it.
        reason: &'static str,
        /// What is wrong, for people.
        detail: String,
    },
    /// A fee other than the one in force (the Escrow's `FeeMismatch`).
    #[error("fee_bps {given} is not the fee in force, {current}")]
    FeeMismatch {
        /// The terms' fee.
        given: u16,
        /// The Escrow's `feeBps()`.
        current: u16,
    },
}

impl TermsError {
    /// The reason the Escrow's `InvalidTerms(bytes32)` would carry for this error, if it is
    /// one of the layout or validity checks (`length`, `milestoneCount`, `splitCount`, or an
    /// [`TermsError::Invalid`] reason).
    pub fn contract_reason(&self) -> Option<&'static str> {
        match self {
            Self::Length { .. } => Some("length"),
            Self::MilestoneCount(_) => Some("milestoneCount"),
            Self::SplitCount(_) => Some("splitCount"),
            Self::Invalid { reason, .. } => Some(reason),
            _ => None,
        }
    }

    fn invalid(reason: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { reason, detail: detail.into() }
    }
}

/// One milestone of the schedule.
// Fields in alphabetical order, as the API's other terms types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OrderTermsMilestone))]
pub struct Milestone {
    /// Share of the order's funds it releases, in bps of 10 000 (the milestones' bps sum to
    /// 10 000).
    pub bps: u16,
    /// Seconds the seller has to deliver it, counted from the end of funding (the first
    /// milestone) or from the settlement of the previous one; past it, anyone may end the
    /// order and backers take back what is still held.
    pub delivery_period: u32,
}

/// One entry of an order's split table.
// Fields in the order the API writes them (alphabetical, serde_json's map order), so
// serializing reproduces its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OrderSplit))]
pub struct Split {
    /// Share of the amount left after the fee and the promoter pool, in bps of 10 000: each
    /// split takes its bps of what the splits before it left, over the bps not yet taken.
    pub bps: u16,
    /// Who earns the share.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub recipient: Address,
}

/// The on-chain terms of an order, as the API shows them: snake_case, amounts as decimal
/// strings, the funding deadline both as RFC 3339 and as unix seconds.
///
/// `funding_deadline_unix` is the deadline the contract knows; `funding_deadline` is its text
/// for people (always derived from it: [`Terms::from_abi`] and [`Terms::unpack`] write it).
// Fields in the order the API writes them (alphabetical, serde_json's map order), so
// serializing reproduces its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OrderTerms))]
pub struct Terms {
    /// Rules on disputes within the ruling period; set, neither the seller nor a split
    /// recipient.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub arbiter: Address,
    /// Dispute bond, in bps of the disputed milestone's amount (100 to 2 000): returned to the
    /// disputer when the dispute is upheld, paid to the seller when it is dismissed.
    pub bond_bps: u16,
    /// Platform fee in bps of 10 000; the fee in force when the order was created.
    pub fee_bps: u16,
    /// When funding closes, RFC 3339 UTC.
    pub funding_deadline: DateTime,
    /// When funding closes, unix seconds (the contract's `fundingDeadline`).
    pub funding_deadline_unix: u64,
    /// Cap in units; reaching it lets anyone finalize before the deadline.
    pub max_units: u32,
    /// keccak256 of the off-chain metadata document (`/v1/metadata/{hash}`).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub metadata_hash: B256,
    /// The schedule, 1 to 8 milestones: each one's share (summing to 10 000 bps) and delivery
    /// period.
    pub milestones: Vec<Milestone>,
    /// Funding goal in units; below it at the deadline the order fails.
    pub min_units: u32,
    /// Promoters' commission, in bps of the released amount after the fee, applied to the
    /// share of units they brought.
    pub promoter_bps: u16,
    /// Seconds a delivered milestone may be approved or disputed before anyone may release
    /// it (1 to 90 days).
    pub review_period: u32,
    /// Seconds the arbiter has to rule on a dispute (1 to 90 days); past it, anyone applies
    /// the default ruling.
    pub ruling_period: u32,
    /// Maker, artisan or freelancer: delivers milestones, takes the remainder.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub seller: Address,
    /// The only address allowed to pledge, or the zero address for anyone.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub sole_buyer: Address,
    /// The split table: at most 5 entries, bps summing to at most 10 000.
    pub splits: Vec<Split>,
    /// Payment token; the zero address for the native coin.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// Price of one unit in the token's base units (a uint96 on chain).
    pub unit_price: Amount,
}

impl Terms {
    /// The kind of trade these terms make.
    pub fn kind(&self) -> OrderKind {
        OrderKind::of(self.sole_buyer, self.milestones.len())
    }

    /// The part of the terms the payout cascade reads.
    pub fn payout(&self) -> PayoutTerms {
        PayoutTerms::from(self)
    }

    /// The milestones' shares, in order.
    pub fn milestone_bps(&self) -> impl Iterator<Item = u16> + '_ {
        self.milestones.iter().map(|m| m.bps)
    }

    /// The typed ABI struct (what the lens's `packTerms` takes and what the seller signs).
    /// Fails only when a value does not fit its ABI type (never for terms read from the
    /// chain).
    pub fn to_abi(&self) -> Result<IEscrow::Terms, TermsError> {
        let unit_price = U96::checked_from_limbs_slice(self.unit_price.0.as_limbs())
            .ok_or(TermsError::UnitPriceTooLarge(self.unit_price.0))?;
        let deadline = U40::checked_from_limbs_slice(&[self.funding_deadline_unix])
            .ok_or(TermsError::DeadlineTooLarge(self.funding_deadline_unix))?;
        Ok(IEscrow::Terms {
            seller: self.seller,
            token: self.token,
            unitPrice: unit_price,
            minUnits: self.min_units,
            maxUnits: self.max_units,
            fundingDeadline: deadline,
            reviewPeriod: self.review_period,
            rulingPeriod: self.ruling_period,
            promoterBps: self.promoter_bps,
            feeBps: self.fee_bps,
            bondBps: self.bond_bps,
            soleBuyer: self.sole_buyer,
            arbiter: self.arbiter,
            metadataHash: self.metadata_hash,
            milestones: self
                .milestones
                .iter()
                .map(|m| IEscrow::Milestone { bps: m.bps, deliveryPeriod: m.delivery_period })
                .collect(),
            splits: self
                .splits
                .iter()
                .map(|s| IEscrow::Split { recipient: s.recipient, bps: s.bps })
                .collect(),
        })
    }

    /// The terms as the API shows them, from the ABI struct, the deadline's text written as
    /// UTC (`2023-11-14T22:13:20Z`). Lossless: `to_abi` gives `terms` back.
    pub fn from_abi(terms: &IEscrow::Terms) -> Self {
        let deadline = terms.fundingDeadline.to::<u64>();
        Self {
            arbiter: terms.arbiter,
            bond_bps: terms.bondBps,
            fee_bps: terms.feeBps,
            funding_deadline: DateTime::from_unix_seconds(deadline),
            funding_deadline_unix: deadline,
            max_units: terms.maxUnits,
            metadata_hash: terms.metadataHash,
            milestones: terms
                .milestones
                .iter()
                .map(|m| Milestone { bps: m.bps, delivery_period: m.deliveryPeriod })
                .collect(),
            min_units: terms.minUnits,
            promoter_bps: terms.promoterBps,
            review_period: terms.reviewPeriod,
            ruling_period: terms.rulingPeriod,
            seller: terms.seller,
            sole_buyer: terms.soleBuyer,
            splits: terms
                .splits
                .iter()
                .map(|s| Split { bps: s.bps, recipient: s.recipient })
                .collect(),
            token: terms.token,
            unit_price: Amount(U256::from(terms.unitPrice)),
        }
    }

    /// The packed encoding (see the [module docs](self)): what every Escrow call takes as
    /// `terms`. Fails when a value does not fit (see [`Terms::to_abi`] and [`pack`]).
    pub fn pack(&self) -> Result<Bytes, TermsError> {
        pack(&self.to_abi()?)
    }

    /// The terms from their packed encoding, with the Escrow's layout checks (see
    /// [`unpack`]).
    pub fn unpack(packed: &[u8]) -> Result<Self, TermsError> {
        unpack(packed).map(|t| Self::from_abi(&t))
    }

    /// keccak256 of the packed terms: the hash the Escrow stores for the order.
    pub fn hash(&self) -> Result<B256, TermsError> {
        self.pack().map(|p| terms_hash(&p))
    }

    /// The EIP-712 digest the seller signs for an order in `escrow` on chain `chain_id` (see
    /// [`digest`]).
    pub fn digest(&self, chain_id: u64, escrow: Address) -> Result<B256, TermsError> {
        Ok(digest(&self.to_abi()?, chain_id, escrow))
    }

    /// The `eth_signTypedData_v4` payload of the terms (see [`typed_data`]).
    pub fn typed_data(
        &self,
        chain_id: u64,
        escrow: Address,
    ) -> Result<serde_json::Value, TermsError> {
        Ok(typed_data(&self.to_abi()?, chain_id, escrow))
    }

    /// Checks the terms as the Escrow's `createOrder` does (`_validate`), except what only the
    /// chain knows (the pause flag, the token allowlist, the fee in force: see
    /// [`Terms::check_fee`]). `now` is the creation time in unix seconds, for the funding
    /// deadline (after `now`, within a year of it). The first failed check is returned, with
    /// the contract's reason.
    pub fn check(&self, now: u64) -> Result<(), TermsError> {
        let abi = self.to_abi()?;
        if self.milestones.is_empty() || self.milestones.len() > MAX_MILESTONES {
            return Err(TermsError::MilestoneCount(self.milestones.len().min(255) as u8));
        }
        if self.splits.len() > MAX_SPLITS {
            return Err(TermsError::SplitCount(self.splits.len().min(255) as u8));
        }
        let price = self.unit_price.0;
        if price.is_zero() {
            return Err(TermsError::invalid("unitPrice", "unit_price is 0"));
        }
        if self.min_units == 0 || self.min_units > self.max_units {
            return Err(TermsError::invalid(
                "units",
                format!(
                    "min_units {} must be at least 1 and at most max_units {}",
                    self.min_units, self.max_units
                ),
            ));
        }
        if U256::from(abi.unitPrice) * U256::from(self.max_units) > U256::from(U96::MAX) {
            return Err(TermsError::invalid(
                "maxAmount",
                "unit_price * max_units does not fit in 96 bits",
            ));
        }
        let deadline = self.funding_deadline_unix;
        if deadline <= now || deadline > now.saturating_add(MAX_FUNDING_PERIOD) {
            return Err(TermsError::invalid(
                "fundingDeadline",
                "the funding deadline must be after now and within 365 days",
            ));
        }
        in_range("reviewPeriod", "review_period", self.review_period, REVIEW_PERIOD)?;
        in_range("rulingPeriod", "ruling_period", self.ruling_period, RULING_PERIOD)?;
        in_range("bondBps", "bond_bps", u32::from(self.bond_bps), widen(BOND_BPS))?;
        if self.promoter_bps > 10_000 {
            return Err(TermsError::invalid("promoterBps", "promoter_bps is above 10 000"));
        }
        self.check_parties()
    }

    /// Checks the fee against the one in force (the Escrow's `feeBps()`).
    pub fn check_fee(&self, current: u16) -> Result<(), TermsError> {
        if self.fee_bps == current {
            Ok(())
        } else {
            Err(TermsError::FeeMismatch { given: self.fee_bps, current })
        }
    }

    /// `_validateParties`: the parties, the schedule and the split table.
    fn check_parties(&self) -> Result<(), TermsError> {
        let (seller, arbiter, buyer) = (self.seller, self.arbiter, self.sole_buyer);
        if seller == Address::ZERO {
            return Err(TermsError::invalid("seller", "no seller"));
        }
        if arbiter == Address::ZERO || arbiter == seller {
            return Err(TermsError::invalid("arbiter", "the arbiter must be set, not the seller"));
        }
        if buyer != Address::ZERO && (buyer == seller || buyer == arbiter) {
            return Err(TermsError::invalid(
                "soleBuyer",
                "the sole buyer is neither the seller nor the arbiter",
            ));
        }
        let mut sum = 0_u32;
        for (i, m) in self.milestones.iter().enumerate() {
            if m.bps == 0 {
                return Err(TermsError::invalid(
                    "milestoneBps",
                    format!("milestone {i} has 0 bps"),
                ));
            }
            in_range("deliveryPeriod", "delivery_period", m.delivery_period, DELIVERY_PERIOD)?;
            sum += u32::from(m.bps);
        }
        if sum != 10_000 {
            return Err(TermsError::invalid(
                "milestoneBps",
                format!("the milestones' bps sum to {sum}, not 10 000"),
            ));
        }
        let mut sum = 0_u32;
        for (j, s) in self.splits.iter().enumerate() {
            if s.recipient == Address::ZERO || s.bps == 0 {
                return Err(TermsError::invalid(
                    "split",
                    format!("split {j} needs a recipient and bps"),
                ));
            }
            if s.recipient == arbiter {
                return Err(TermsError::invalid("arbiter", "the arbiter is a split recipient"));
            }
            if s.recipient == buyer {
                return Err(TermsError::invalid(
                    "soleBuyer",
                    "the sole buyer is a split recipient",
                ));
            }
            sum += u32::from(s.bps);
        }
        if sum > 10_000 {
            return Err(TermsError::invalid(
                "splitBps",
                format!("the splits' bps sum to {sum}, above 10 000"),
            ));
        }
        Ok(())
    }
}

fn widen((min, max): (u16, u16)) -> (u32, u32) {
    (u32::from(min), u32::from(max))
}

fn in_range(
    reason: &'static str,
    field: &str,
    value: u32,
    (min, max): (u32, u32),
) -> Result<(), TermsError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(TermsError::invalid(reason, format!("{field} {value} is outside {min} to {max}")))
    }
}

impl TryFrom<&Terms> for IEscrow::Terms {
    type Error = TermsError;

    fn try_from(terms: &Terms) -> Result<Self, TermsError> {
        terms.to_abi()
    }
}

impl From<&IEscrow::Terms> for Terms {
    fn from(terms: &IEscrow::Terms) -> Self {
        Self::from_abi(terms)
    }
}

/// The packed encoding of typed terms, byte for byte what `EscrowLens.packTerms` returns
/// (see the [module docs](self)). It does not validate, as `packTerms` does not; it fails only
/// for more than 255 milestones or splits, which the one-byte counts cannot say.
pub fn pack(terms: &IEscrow::Terms) -> Result<Bytes, TermsError> {
    let (n, m) = (terms.milestones.len(), terms.splits.len());
    let count = |what, count: usize| {
        u8::try_from(count).map_err(|_| TermsError::TooManyToPack { what, count })
    };
    let (n8, m8) = (count("milestones", n)?, count("splits", m)?);
    let mut out = Vec::with_capacity(HEADER + 1 + MILESTONE_SIZE * n + SPLIT_SIZE * m);
    out.extend_from_slice(terms.seller.as_slice());
    out.extend_from_slice(terms.token.as_slice());
    out.extend_from_slice(&terms.unitPrice.to_be_bytes::<12>());
    out.extend_from_slice(&terms.minUnits.to_be_bytes());
    out.extend_from_slice(&terms.maxUnits.to_be_bytes());
    out.extend_from_slice(&terms.fundingDeadline.to_be_bytes::<5>());
    out.extend_from_slice(&terms.reviewPeriod.to_be_bytes());
    out.extend_from_slice(&terms.rulingPeriod.to_be_bytes());
    out.extend_from_slice(&terms.promoterBps.to_be_bytes());
    out.extend_from_slice(&terms.feeBps.to_be_bytes());
    out.extend_from_slice(&terms.bondBps.to_be_bytes());
    out.extend_from_slice(terms.soleBuyer.as_slice());
    out.extend_from_slice(terms.arbiter.as_slice());
    out.extend_from_slice(terms.metadataHash.as_slice());
    out.push(n8);
    for ms in &terms.milestones {
        out.extend_from_slice(&ms.bps.to_be_bytes());
        out.extend_from_slice(&ms.deliveryPeriod.to_be_bytes());
    }
    out.push(m8);
    for s in &terms.splits {
        out.extend_from_slice(s.recipient.as_slice());
        out.extend_from_slice(&s.bps.to_be_bytes());
    }
    Ok(out.into())
}

/// Typed terms from their packed encoding, with the checks of `PackedTerms.validateLayout`
/// (in its order): longer than the 152-byte header, 1 to 8 milestones, room for the split
/// count, at most 5 splits, and exactly `153 + 6n + 22m` bytes. What `EscrowLens.unpackTerms`
/// returns, and reverts on.
pub fn unpack(packed: &[u8]) -> Result<IEscrow::Terms, TermsError> {
    let len = packed.len();
    if len <= HEADER {
        return Err(TermsError::Length {
            len,
            expected: format!("the header alone takes {}", HEADER + 1),
        });
    }
    let n = packed[HEADER - 1];
    if n == 0 || usize::from(n) > MAX_MILESTONES {
        return Err(TermsError::MilestoneCount(n));
    }
    let splits_at = HEADER + MILESTONE_SIZE * usize::from(n);
    if len <= splits_at {
        return Err(TermsError::Length {
            len,
            expected: format!("{n} milestones take at least {}", splits_at + 1),
        });
    }
    let m = packed[splits_at];
    if usize::from(m) > MAX_SPLITS {
        return Err(TermsError::SplitCount(m));
    }
    let total = splits_at + 1 + SPLIT_SIZE * usize::from(m);
    if len != total {
        return Err(TermsError::Length {
            len,
            expected: format!("{n} milestones and {m} splits take {total}"),
        });
    }
    let mut r = Reader(packed);
    let terms = IEscrow::Terms {
        seller: r.address(),
        token: r.address(),
        unitPrice: U96::from_be_bytes::<12>(r.array()),
        minUnits: u32::from_be_bytes(r.array()),
        maxUnits: u32::from_be_bytes(r.array()),
        fundingDeadline: U40::from_be_bytes::<5>(r.array()),
        reviewPeriod: u32::from_be_bytes(r.array()),
        rulingPeriod: u32::from_be_bytes(r.array()),
        promoterBps: u16::from_be_bytes(r.array()),
        feeBps: u16::from_be_bytes(r.array()),
        bondBps: u16::from_be_bytes(r.array()),
        soleBuyer: r.address(),
        arbiter: r.address(),
        metadataHash: B256::from(r.array::<32>()),
        milestones: {
            r.array::<1>();
            (0..n)
                .map(|_| IEscrow::Milestone {
                    bps: u16::from_be_bytes(r.array()),
                    deliveryPeriod: u32::from_be_bytes(r.array()),
                })
                .collect()
        },
        splits: {
            r.array::<1>();
            (0..m)
                .map(|_| IEscrow::Split {
                    recipient: r.address(),
                    bps: u16::from_be_bytes(r.array()),
                })
                .collect()
        },
    };
    debug_assert!(r.0.is_empty());
    Ok(terms)
}

/// Reads fixed-size fields off the front of bytes whose length was checked.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().expect("split_at(N) gives N bytes")
    }

    fn address(&mut self) -> Address {
        Address::from(self.array::<20>())
    }
}

/// `keccak256(packed)`: the terms hash the Escrow stores for an order (`termsHashOf`) and
/// checks every call's `terms` against.
pub fn terms_hash(packed: &[u8]) -> B256 {
    keccak256(packed)
}

/// The EIP-712 domain of the Escrow at `escrow` on chain `chain_id`:
/// `{name: "Co-Intent Escrow", version: "2", chainId, verifyingContract: escrow}`.
pub fn eip712_domain(chain_id: u64, escrow: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some(EIP712_NAME.into()),
        Some(EIP712_VERSION.into()),
        Some(U256::from(chain_id)),
        Some(escrow),
        None,
    )
}

/// The EIP-712 digest a seller signs so that anyone may create an order with `terms` in
/// `escrow` (`createOrderFor(terms, signature)`): `TermsVerifier.digest(escrow, packed)` and
/// `EscrowLens.termsDigest(packed)`. A wallet computes it from [`typed_data`].
pub fn digest(terms: &IEscrow::Terms, chain_id: u64, escrow: Address) -> B256 {
    terms.eip712_signing_hash(&eip712_domain(chain_id, escrow))
}

/// The EIP-712 types of `Terms`, as `eth_signTypedData_v4` takes them (the order of
/// `IEscrow.Terms`'s fields).
const TYPES: &[(&str, &[(&str, &str)])] = &[
    (
        "EIP712Domain",
        &[
            ("name", "string"),
            ("version", "string"),
            ("chainId", "uint256"),
            ("verifyingContract", "address"),
        ],
    ),
    (
        "Terms",
        &[
            ("seller", "address"),
            ("token", "address"),
            ("unitPrice", "uint96"),
            ("minUnits", "uint32"),
            ("maxUnits", "uint32"),
            ("fundingDeadline", "uint40"),
            ("reviewPeriod", "uint32"),
            ("rulingPeriod", "uint32"),
            ("promoterBps", "uint16"),
            ("feeBps", "uint16"),
            ("bondBps", "uint16"),
            ("soleBuyer", "address"),
            ("arbiter", "address"),
            ("metadataHash", "bytes32"),
            ("milestones", "Milestone[]"),
            ("splits", "Split[]"),
        ],
    ),
    ("Milestone", &[("bps", "uint16"), ("deliveryPeriod", "uint32")]),
    ("Split", &[("recipient", "address"), ("bps", "uint16")]),
];

/// The `eth_signTypedData_v4` payload a wallet signs for `terms` (`types`, `primaryType`
/// `Terms`, `domain`, `message`); the wallet's digest is [`digest`]. Integers that may pass
/// 2^53 (`unitPrice`) are decimal strings, the others JSON numbers; addresses and the hash
/// lower-case hex.
pub fn typed_data(terms: &IEscrow::Terms, chain_id: u64, escrow: Address) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let types: Map<String, Value> = TYPES
        .iter()
        .map(|(name, fields)| {
            let fields: Vec<Value> =
                fields.iter().map(|(n, t)| json!({"name": n, "type": t})).collect();
            ((*name).to_string(), Value::Array(fields))
        })
        .collect();
    json!({
        "types": types,
        "primaryType": "Terms",
        "domain": {
            "name": EIP712_NAME,
            "version": EIP712_VERSION,
            "chainId": chain_id,
            "verifyingContract": escrow,
        },
        "message": {
            "seller": terms.seller,
            "token": terms.token,
            "unitPrice": terms.unitPrice.to_string(),
            "minUnits": terms.minUnits,
            "maxUnits": terms.maxUnits,
            "fundingDeadline": terms.fundingDeadline.to::<u64>(),
            "reviewPeriod": terms.reviewPeriod,
            "rulingPeriod": terms.rulingPeriod,
            "promoterBps": terms.promoterBps,
            "feeBps": terms.feeBps,
            "bondBps": terms.bondBps,
            "soleBuyer": terms.soleBuyer,
            "arbiter": terms.arbiter,
            "metadataHash": terms.metadataHash,
            "milestones": terms.milestones.iter()
                .map(|m| json!({"bps": m.bps, "deliveryPeriod": m.deliveryPeriod}))
                .collect::<Vec<_>>(),
            "splits": terms.splits.iter()
                .map(|s| json!({"recipient": s.recipient, "bps": s.bps}))
                .collect::<Vec<_>>(),
        },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use alloy_primitives::{Uint, hex};
    use serde_json::json;

    use super::*;

    /// The indexer's test terms (`api/orders.rs`), with v2's fields.
    pub(crate) fn abi_terms() -> IEscrow::Terms {
        IEscrow::Terms {
            seller: Address::repeat_byte(4),
            token: Address::repeat_byte(9),
            unitPrice: Uint::from(10_000_000_u64),
            minUnits: 3,
            maxUnits: 10,
            fundingDeadline: Uint::from(1_700_000_000_u64),
            reviewPeriod: 86_400,
            rulingPeriod: 259_200,
            promoterBps: 500,
            feeBps: 100,
            bondBps: 500,
            soleBuyer: Address::ZERO,
            arbiter: Address::repeat_byte(6),
            metadataHash: B256::repeat_byte(0x42),
            milestones: vec![
                IEscrow::Milestone { bps: 5000, deliveryPeriod: 604_800 },
                IEscrow::Milestone { bps: 5000, deliveryPeriod: 1_209_600 },
            ],
            splits: vec![IEscrow::Split { recipient: Address::repeat_byte(7), bps: 1000 }],
        }
    }

    fn api_json() -> serde_json::Value {
        json!({
            "arbiter": "0x0606060606060606060606060606060606060606", "bond_bps": 500,
            "fee_bps": 100, "funding_deadline": "2023-11-14T22:13:20Z",
            "funding_deadline_unix": 1_700_000_000, "max_units": 10,
            "metadata_hash": format!("{:#x}", B256::repeat_byte(0x42)),
            "milestones": [
                {"bps": 5000, "delivery_period": 604_800},
                {"bps": 5000, "delivery_period": 1_209_600}
            ],
            "min_units": 3, "promoter_bps": 500, "review_period": 86_400,
            "ruling_period": 259_200, "seller": "0x0404040404040404040404040404040404040404",
            "sole_buyer": "0x0000000000000000000000000000000000000000",
            "splits": [{"bps": 1000, "recipient": "0x0707070707070707070707070707070707070707"}],
            "token": "0x0909090909090909090909090909090909090909", "unit_price": "10000000"
        })
    }

    #[test]
    fn packs_byte_for_byte_as_the_solidity_library() {
        // Laid out by hand from `PackedTerms.sol`'s offsets.
        let expected = [
            "0404040404040404040404040404040404040404", // seller
            "0909090909090909090909090909090909090909", // token
            "000000000000000000989680",                 // unitPrice, 12 bytes
            "00000003",                                 // minUnits
            "0000000a",                                 // maxUnits
            "006553f100",                               // fundingDeadline, 5 bytes
            "00015180",                                 // reviewPeriod
            "0003f480",                                 // rulingPeriod
            "01f4",                                     // promoterBps
            "0064",                                     // feeBps
            "01f4",                                     // bondBps
            "0000000000000000000000000000000000000000", // soleBuyer
            "0606060606060606060606060606060606060606", // arbiter
            &"42".repeat(32),                           // metadataHash
            "02",                                       // n
            "1388",                                     /* bps */
            "00093a80",                                 // deliveryPeriod
            "1388",
            "00127500",
            "01", // m
            "0707070707070707070707070707070707070707",
            "03e8",
        ]
        .concat();
        let packed = pack(&abi_terms()).unwrap();
        assert_eq!(hex::encode(&packed), expected);
        assert_eq!(packed.len(), 153 + 6 * 2 + 22);
        assert_eq!(unpack(&packed).unwrap(), abi_terms());
        assert_eq!(terms_hash(&packed), keccak256(&packed));
    }

    #[test]
    fn unpack_makes_the_layout_checks_in_the_contracts_order() {
        let packed = pack(&abi_terms()).unwrap().to_vec();
        let with = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut p = packed.clone();
            f(&mut p);
            unpack(&p)
        };
        let reason = |r: Result<IEscrow::Terms, TermsError>| r.unwrap_err().contract_reason();
        assert_eq!(reason(unpack(&packed[..152])), Some("length"));
        assert_eq!(reason(unpack(&[])), Some("length"));
        assert_eq!(with(&|p| p[151] = 0), Err(TermsError::MilestoneCount(0)));
        assert_eq!(with(&|p| p[151] = 9), Err(TermsError::MilestoneCount(9)));
        // Six milestones claimed: the bytes run out before the split count.
        assert_eq!(reason(with(&|p| p[151] = 6)), Some("length"));
        assert_eq!(with(&|p| p[164] = 6), Err(TermsError::SplitCount(6)));
        assert_eq!(reason(with(&|p| p.push(0))), Some("length"));
        assert_eq!(reason(with(&|p| p.truncate(p.len() - 1))), Some("length"));
        let err = with(&|p| p[164] = 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "packed terms are 187 bytes; 2 milestones and 0 splits take 165"
        );
        // The most the layout allows.
        let mut most = abi_terms();
        most.milestones = vec![IEscrow::Milestone { bps: 1250, deliveryPeriod: 3600 }; 8];
        most.splits = vec![IEscrow::Split { recipient: Address::repeat_byte(1), bps: 1 }; 5];
        let p = pack(&most).unwrap();
        assert_eq!(p.len(), 153 + 48 + 110);
        assert_eq!(unpack(&p).unwrap(), most);
        // Packing does not validate, as `packTerms` does not; only the counts must fit a byte.
        most.milestones.clear();
        assert_eq!(unpack(&pack(&most).unwrap()), Err(TermsError::MilestoneCount(0)));
        most.splits = vec![IEscrow::Split::default(); 256];
        assert_eq!(pack(&most), Err(TermsError::TooManyToPack { what: "splits", count: 256 }));
    }

    #[test]
    fn terms_round_trip_through_the_api_shape() {
        let t: Terms = serde_json::from_value(api_json()).unwrap();
        assert_eq!(t.to_abi().unwrap(), abi_terms());
        assert_eq!(Terms::from_abi(&abi_terms()), t);
        assert_eq!(serde_json::to_value(&t).unwrap(), api_json());
        assert_eq!(Terms::unpack(&t.pack().unwrap()).unwrap(), t);
        assert_eq!(t.hash().unwrap(), keccak256(pack(&abi_terms()).unwrap()));
        assert_eq!(t.kind(), OrderKind::Collective);
        assert_eq!(t.milestone_bps().collect::<Vec<_>>(), [5000, 5000]);
        // The largest values the ABI allows survive both ways.
        let mut max = abi_terms();
        max.unitPrice = U96::MAX;
        max.fundingDeadline = U40::MAX;
        max.minUnits = u32::MAX;
        max.reviewPeriod = u32::MAX;
        max.milestones[0].deliveryPeriod = u32::MAX;
        let api = Terms::from_abi(&max);
        assert_eq!(api.funding_deadline.as_str(), "36812-02-20T00:36:15Z");
        assert_eq!(api.to_abi().unwrap(), max);
        assert_eq!(Terms::unpack(&api.pack().unwrap()).unwrap(), api);
    }

    #[test]
    fn to_abi_checks_the_abi_widths() {
        let mut t: Terms = serde_json::from_value(api_json()).unwrap();
        t.unit_price = Amount(U256::from(1) << 96);
        assert!(matches!(t.to_abi(), Err(TermsError::UnitPriceTooLarge(_))));
        assert!(matches!(t.pack(), Err(TermsError::UnitPriceTooLarge(_))));
        t.unit_price = Amount(U256::from((1_u128 << 96) - 1));
        assert!(t.to_abi().is_ok());
        t.funding_deadline_unix = 1 << 40;
        assert_eq!(t.to_abi(), Err(TermsError::DeadlineTooLarge(1 << 40)));
    }

    #[test]
    fn the_digest_is_eip712_over_the_terms_type() {
        let escrow = Address::repeat_byte(0xe5);
        let d = digest(&abi_terms(), 31337, escrow);
        // By hand: keccak256(0x1901 || domainSeparator || structHash), as TermsVerifier does.
        let domain_type = keccak256(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
        );
        let mut domain = domain_type.to_vec();
        domain.extend_from_slice(keccak256(EIP712_NAME).as_slice());
        domain.extend_from_slice(keccak256(EIP712_VERSION).as_slice());
        domain.extend_from_slice(&U256::from(31337).to_be_bytes::<32>());
        domain.extend_from_slice(B256::left_padding_from(escrow.as_slice()).as_slice());
        let separator = keccak256(domain);
        let word = |v: U256| v.to_be_bytes::<32>().to_vec();
        let addr = |a: Address| B256::left_padding_from(a.as_slice()).to_vec();
        let t = abi_terms();
        let milestones: Vec<u8> = t
            .milestones
            .iter()
            .flat_map(|m| {
                let mut e = keccak256("Milestone(uint16 bps,uint32 deliveryPeriod)").to_vec();
                e.extend(word(U256::from(m.bps)));
                e.extend(word(U256::from(m.deliveryPeriod)));
                keccak256(e).to_vec()
            })
            .collect();
        let splits: Vec<u8> = t
            .splits
            .iter()
            .flat_map(|s| {
                let mut e = keccak256("Split(address recipient,uint16 bps)").to_vec();
                e.extend(addr(s.recipient));
                e.extend(word(U256::from(s.bps)));
                keccak256(e).to_vec()
            })
            .collect();
        let mut e = keccak256(IEscrow::Terms::eip712_encode_type().as_bytes()).to_vec();
        for w in [addr(t.seller), addr(t.token)] {
            e.extend(w);
        }
        for v in [
            U256::from(t.unitPrice),
            U256::from(t.minUnits),
            U256::from(t.maxUnits),
            U256::from(t.fundingDeadline),
            U256::from(t.reviewPeriod),
            U256::from(t.rulingPeriod),
            U256::from(t.promoterBps),
            U256::from(t.feeBps),
            U256::from(t.bondBps),
        ] {
            e.extend(word(v));
        }
        e.extend(addr(t.soleBuyer));
        e.extend(addr(t.arbiter));
        e.extend(t.metadataHash.as_slice());
        e.extend(keccak256(milestones).as_slice());
        e.extend(keccak256(splits).as_slice());
        let mut message = vec![0x19, 0x01];
        message.extend(separator.as_slice());
        message.extend(keccak256(e).as_slice());
        assert_eq!(d, keccak256(message));
        let api = Terms::from_abi(&t);
        assert_eq!(api.digest(31337, escrow).unwrap(), d);
        assert_ne!(digest(&t, 1, escrow), d, "the chain is part of the domain");
    }

    #[test]
    fn the_typed_data_names_the_signed_type() {
        let data = typed_data(&abi_terms(), 31337, Address::repeat_byte(0xe5));
        // The types, written as EIP-712 encodes them, are the struct's own encodeType.
        let encode = |name: &str| {
            let fields: Vec<String> = data["types"][name]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| format!("{} {}", f["type"].as_str().unwrap(), f["name"].as_str().unwrap()))
                .collect();
            format!("{name}({})", fields.join(","))
        };
        assert_eq!(
            format!("{}{}{}", encode("Terms"), encode("Milestone"), encode("Split")),
            IEscrow::Terms::eip712_encode_type()
        );
        assert_eq!(
            encode("EIP712Domain"),
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
        );
        assert_eq!(data["primaryType"], "Terms");
        assert_eq!(data["domain"]["chainId"], 31337);
        assert_eq!(
            data["domain"]["verifyingContract"],
            "0xe5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"
        );
        let m = &data["message"];
        assert_eq!(m["unitPrice"], "10000000");
        assert_eq!(m["fundingDeadline"], 1_700_000_000);
        assert_eq!(m["milestones"][1], json!({"bps": 5000, "deliveryPeriod": 1_209_600}));
        assert_eq!(
            m["splits"][0],
            json!({"recipient": "0x0707070707070707070707070707070707070707", "bps": 1000})
        );
        // Every field of the type is in the message.
        let fields = data["types"]["Terms"].as_array().unwrap();
        assert_eq!(m.as_object().unwrap().len(), fields.len());
        for f in fields {
            assert!(m.get(f["name"].as_str().unwrap()).is_some(), "{f}");
        }
    }

    /// Valid terms at `now = 1_699_000_000`.
    fn valid() -> Terms {
        serde_json::from_value(api_json()).unwrap()
    }

    #[test]
    fn check_refuses_what_the_escrow_refuses_with_its_reason() {
        let now = 1_699_000_000;
        assert_eq!(valid().check(now), Ok(()));
        type Edit = fn(&mut Terms);
        let cases: &[(Edit, &str)] = &[
            (|t| t.unit_price = Amount::ZERO, "unitPrice"),
            (|t| t.min_units = 0, "units"),
            (|t| t.min_units = 11, "units"),
            (|t| t.unit_price = Amount(U256::from(1_u128 << 93)), "maxAmount"),
            (|t| t.funding_deadline_unix = 1_699_000_000, "fundingDeadline"),
            (|t| t.funding_deadline_unix = 1_699_000_000 + 365 * 86_400 + 1, "fundingDeadline"),
            (|t| t.review_period = 86_399, "reviewPeriod"),
            (|t| t.review_period = 90 * 86_400 + 1, "reviewPeriod"),
            (|t| t.ruling_period = 0, "rulingPeriod"),
            (|t| t.bond_bps = 99, "bondBps"),
            (|t| t.bond_bps = 2_001, "bondBps"),
            (|t| t.promoter_bps = 10_001, "promoterBps"),
            (|t| t.seller = Address::ZERO, "seller"),
            (|t| t.arbiter = t.seller, "arbiter"),
            (|t| t.arbiter = Address::ZERO, "arbiter"),
            (|t| t.sole_buyer = t.seller, "soleBuyer"),
            (|t| t.sole_buyer = t.arbiter, "soleBuyer"),
            (|t| t.milestones[0].bps = 0, "milestoneBps"),
            (|t| t.milestones[0].bps = 4_999, "milestoneBps"),
            (|t| t.milestones[1].delivery_period = 3_599, "deliveryPeriod"),
            (|t| t.milestones[1].delivery_period = 365 * 86_400 + 1, "deliveryPeriod"),
            (|t| t.milestones.clear(), "milestoneCount"),
            (
                |t| t.milestones = vec![Milestone { bps: 1_000, delivery_period: 3_600 }; 9],
                "milestoneCount",
            ),
            (|t| t.splits = vec![t.splits[0].clone(); 6], "splitCount"),
            (|t| t.splits[0].bps = 0, "split"),
            (|t| t.splits[0].recipient = Address::ZERO, "split"),
            (|t| t.splits[0].recipient = t.arbiter, "arbiter"),
            (
                |t| {
                    t.sole_buyer = Address::repeat_byte(8);
                    t.splits[0].recipient = t.sole_buyer;
                },
                "soleBuyer",
            ),
            (
                |t| {
                    t.splits = vec![t.splits[0].clone(); 5]
                        .into_iter()
                        .map(|s| Split { bps: 2_001, ..s })
                        .collect()
                },
                "splitBps",
            ),
        ];
        for (edit, reason) in cases {
            let mut t = valid();
            edit(&mut t);
            let err = t.check(now).unwrap_err();
            assert_eq!(err.contract_reason(), Some(*reason), "{err}");
        }
        // What the Escrow allows at the edges.
        let mut t = valid();
        t.seller = t.splits[0].recipient; // the seller may be a split recipient
        t.review_period = 86_400;
        t.bond_bps = 2_000;
        t.promoter_bps = 10_000;
        t.funding_deadline_unix = now + 365 * 86_400;
        t.unit_price = Amount(U256::from(((1_u128 << 96) - 1) / 10));
        assert_eq!(t.check(now), Ok(()));
        assert_eq!(valid().check_fee(100), Ok(()));
        assert_eq!(
            valid().check_fee(50).unwrap_err().to_string(),
            "fee_bps 100 is not the fee in force, 50"
        );
    }
}
