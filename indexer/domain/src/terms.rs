//! An order's terms: the [`Terms`] the API shows, their lossless conversions to and from the
//! ABI struct the Escrow hashes (`cointent_abi::IEscrow::Terms`), and the parsing of the
//! `OrderCreated` event's decoded JSON, as the indexer stores it ([`terms_from_event`]).
//!
//! ```
//! use cointent_domain::{OrderKind, Terms};
//! let json = r#"{"arbiter":"0x0606060606060606060606060606060606060606","fee_bps":100,
//!   "funding_deadline":"2023-11-14T22:13:20Z","funding_deadline_unix":1700000000,
//!   "max_units":10,"metadata_hash":"0x4242424242424242424242424242424242424242424242424242424242424242",
//!   "milestone_bps":[5000,5000],"min_units":3,"promoter_bps":500,"review_period":3600,
//!   "seller":"0x0404040404040404040404040404040404040404",
//!   "sole_buyer":"0x0000000000000000000000000000000000000000",
//!   "splits":[{"bps":1000,"recipient":"0x0707070707070707070707070707070707070707"}],
//!   "token":"0x0909090909090909090909090909090909090909","unit_price":"10000000"}"#;
//! let terms: Terms = serde_json::from_str(json).unwrap();
//! assert_eq!(terms.kind(), OrderKind::Collective);
//! let on_chain = terms.to_abi().unwrap(); // what `pledge`, `claim`, ... take as calldata
//! assert_eq!(on_chain.fundingDeadline.to::<u64>(), 1_700_000_000);
//! ```

use core::{fmt, marker::PhantomData, str::FromStr};

use alloy_primitives::{Address, B256, Bytes, U256, aliases::U40, aliases::U96, keccak256};
use alloy_sol_types::SolValue;
use cointent_abi::IEscrow;
use serde::{Deserialize, Deserializer, Serialize, de};

use crate::{Amount, DateTime, OrderKind, payout::PayoutTerms};

/// Why terms could not be converted or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    /// `unit_price` does not fit the ABI's uint96.
    #[error("unit_price {0} does not fit in 96 bits")]
    UnitPriceTooLarge(U256),
    /// `funding_deadline_unix` does not fit the ABI's uint40.
    #[error("funding_deadline_unix {0} does not fit in 40 bits")]
    DeadlineTooLarge(u64),
    /// The event's terms JSON is missing a member or has a malformed one.
    #[error("the event's terms: {0}")]
    Event(String),
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

/// The on-chain terms of an order, as emitted in `OrderCreated` and as the API shows them:
/// snake_case, amounts as decimal strings, the funding deadline both as RFC 3339 and as unix
/// seconds.
///
/// `funding_deadline_unix` is the deadline the contract knows; `funding_deadline` is its text
/// for people.
// Fields in the order the API writes them (alphabetical, serde_json's map order), so
// serializing reproduces its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OrderTerms))]
pub struct Terms {
    /// Resolves disputes; set, and not the seller.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub arbiter: Address,
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
    /// Share of the funds released per milestone, in bps, summing to 10 000.
    pub milestone_bps: Vec<u16>,
    /// Funding goal in units; below it at the deadline the order fails.
    pub min_units: u32,
    /// Promoters' commission, in bps of the released amount after the fee, applied to the
    /// share of units they brought.
    pub promoter_bps: u16,
    /// Seconds a delivered milestone may be disputed before it can be released.
    pub review_period: u32,
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
        OrderKind::of(self.sole_buyer, self.milestone_bps.len())
    }

    /// The part of the terms the payout cascade reads.
    pub fn payout(&self) -> PayoutTerms {
        PayoutTerms::from(self)
    }

    /// The ABI struct: what the Escrow's calls take and what it hashes. Fails only when a
    /// value does not fit its ABI type (never for terms read from the chain).
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
            promoterBps: self.promoter_bps,
            feeBps: self.fee_bps,
            soleBuyer: self.sole_buyer,
            arbiter: self.arbiter,
            metadataHash: self.metadata_hash,
            milestoneBps: self.milestone_bps.clone(),
            splits: self
                .splits
                .iter()
                .map(|s| IEscrow::Split { recipient: s.recipient, bps: s.bps })
                .collect(),
        })
    }

    /// The terms as the API shows them, from the ABI struct (the deadline's text is
    /// formatted with [`crate::time::format_unix`]). Lossless: `to_abi` gives `terms` back.
    #[cfg(feature = "time")]
    pub fn from_abi(terms: &IEscrow::Terms) -> Self {
        let deadline = terms.fundingDeadline.to::<u64>();
        // A uint40 is at most 1 099 511 627 775 s, in the year 36812: always formatted.
        let text = crate::time::format_unix(deadline as i64)
            .expect("every uint40 of seconds is within years 0 to 999999");
        Self {
            arbiter: terms.arbiter,
            fee_bps: terms.feeBps,
            funding_deadline: DateTime::new_unchecked(text),
            funding_deadline_unix: deadline,
            max_units: terms.maxUnits,
            metadata_hash: terms.metadataHash,
            milestone_bps: terms.milestoneBps.clone(),
            min_units: terms.minUnits,
            promoter_bps: terms.promoterBps,
            review_period: terms.reviewPeriod,
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
}

impl TryFrom<&Terms> for IEscrow::Terms {
    type Error = TermsError;

    fn try_from(terms: &Terms) -> Result<Self, TermsError> {
        terms.to_abi()
    }
}

#[cfg(feature = "time")]
impl From<&IEscrow::Terms> for Terms {
    fn from(terms: &IEscrow::Terms) -> Self {
        Self::from_abi(terms)
    }
}

/// `abi.encode(terms)`: the bytes whose keccak256 is the order's terms hash (the API's
/// `terms_abi`).
pub fn terms_abi(terms: &IEscrow::Terms) -> Bytes {
    Bytes::from(terms.abi_encode())
}

/// `keccak256(abi.encode(terms))`: the hash the Escrow stores for an order (`termsHashOf`).
pub fn terms_hash(terms: &IEscrow::Terms) -> B256 {
    keccak256(terms.abi_encode())
}

/// The terms from the `OrderCreated` event's decoded JSON, as the indexer stores them in
/// `events.args -> 'terms'` and `orders.terms`: the ABI's camelCase names, integers as decimal
/// strings, addresses and hashes as `0x` hex.
pub fn terms_from_event(json: &serde_json::Value) -> Result<IEscrow::Terms, TermsError> {
    let t = EventTerms::deserialize(json).map_err(|e| TermsError::Event(e.to_string()))?;
    Ok(IEscrow::Terms {
        seller: t.seller,
        token: t.token,
        unitPrice: t.unit_price.0,
        minUnits: t.min_units.0,
        maxUnits: t.max_units.0,
        fundingDeadline: t.funding_deadline.0,
        reviewPeriod: t.review_period.0,
        promoterBps: t.promoter_bps.0,
        feeBps: t.fee_bps.0,
        soleBuyer: t.sole_buyer,
        arbiter: t.arbiter,
        metadataHash: t.metadata_hash,
        milestoneBps: t.milestone_bps.into_iter().map(|b| b.0).collect(),
        splits: t
            .splits
            .into_iter()
            .map(|s| IEscrow::Split { recipient: s.recipient, bps: s.bps.0 })
            .collect(),
    })
}

/// The event's JSON shape of `Terms`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventTerms {
    seller: Address,
    token: Address,
    unit_price: Text<U96>,
    min_units: Text<u32>,
    max_units: Text<u32>,
    funding_deadline: Text<U40>,
    review_period: Text<u32>,
    promoter_bps: Text<u16>,
    fee_bps: Text<u16>,
    sole_buyer: Address,
    arbiter: Address,
    metadata_hash: B256,
    milestone_bps: Vec<Text<u16>>,
    splits: Vec<EventSplit>,
}

#[derive(Deserialize)]
struct EventSplit {
    recipient: Address,
    bps: Text<u16>,
}

/// An integer written as a string, parsed with its `FromStr`.
struct Text<T>(T);

impl<'de, T: FromStr> Deserialize<'de> for Text<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(PhantomData<T>);
        impl<T: FromStr> de::Visitor<'_> for Visitor<T> {
            type Value = Text<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer in a string, within its ABI type")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<T>, E> {
                text.parse()
                    .map(Text)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))
            }
        }
        deserializer.deserialize_str(Visitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Uint;
    use serde_json::json;

    use super::*;

    /// The indexer's test terms (`api/orders.rs`).
    pub(crate) fn abi_terms() -> IEscrow::Terms {
        IEscrow::Terms {
            seller: Address::repeat_byte(4),
            token: Address::repeat_byte(9),
            unitPrice: Uint::from(10_000_000_u64),
            minUnits: 3,
            maxUnits: 10,
            fundingDeadline: Uint::from(1_700_000_000_u64),
            reviewPeriod: 3600,
            promoterBps: 500,
            feeBps: 100,
            soleBuyer: Address::ZERO,
            arbiter: Address::repeat_byte(6),
            metadataHash: B256::repeat_byte(0x42),
            milestoneBps: vec![5000, 5000],
            splits: vec![IEscrow::Split { recipient: Address::repeat_byte(7), bps: 1000 }],
        }
    }

    fn event_json() -> serde_json::Value {
        json!({
            "seller": "0x0404040404040404040404040404040404040404",
            "token": "0x0909090909090909090909090909090909090909",
            "unitPrice": "10000000", "minUnits": "3", "maxUnits": "10",
            "fundingDeadline": "1700000000", "reviewPeriod": "3600", "promoterBps": "500",
            "feeBps": "100", "soleBuyer": "0x0000000000000000000000000000000000000000",
            "arbiter": "0x0606060606060606060606060606060606060606",
            "metadataHash": format!("{:#x}", B256::repeat_byte(0x42)),
            "milestoneBps": ["5000", "5000"],
            "splits": [{"recipient": "0x0707070707070707070707070707070707070707", "bps": "1000"}],
        })
    }

    #[test]
    fn event_json_parses_to_the_hashed_terms() {
        let parsed = terms_from_event(&event_json()).unwrap();
        assert_eq!(parsed, abi_terms());
        assert_eq!(terms_hash(&parsed), keccak256(abi_terms().abi_encode()));
        assert_eq!(terms_abi(&parsed).as_ref(), abi_terms().abi_encode().as_slice());
    }

    #[test]
    fn malformed_event_json_names_the_member() {
        for (member, value) in [
            ("unitPrice", json!("79228162514264337593543950336")), // 2^96
            ("fundingDeadline", json!("1099511627776")),           // 2^40
            ("minUnits", json!("-1")),
            ("feeBps", json!(100)),
            ("seller", json!("0x1234")),
        ] {
            let mut v = event_json();
            v[member] = value;
            let err = terms_from_event(&v).unwrap_err().to_string();
            assert!(err.starts_with("the event's terms: "), "{err}");
        }
        let mut v = event_json();
        v.as_object_mut().unwrap().remove("splits");
        assert_eq!(
            terms_from_event(&v).unwrap_err(),
            TermsError::Event("missing field `splits`".into())
        );
    }

    #[test]
    fn to_abi_checks_the_abi_widths() {
        let mut t: Terms = serde_json::from_value(json!({
            "arbiter": "0x0606060606060606060606060606060606060606", "fee_bps": 100,
            "funding_deadline": "2023-11-14T22:13:20Z", "funding_deadline_unix": 1_700_000_000,
            "max_units": 10, "metadata_hash": format!("{:#x}", B256::repeat_byte(0x42)),
            "milestone_bps": [5000, 5000], "min_units": 3, "promoter_bps": 500,
            "review_period": 3600, "seller": "0x0404040404040404040404040404040404040404",
            "sole_buyer": "0x0000000000000000000000000000000000000000",
            "splits": [{"bps": 1000, "recipient": "0x0707070707070707070707070707070707070707"}],
            "token": "0x0909090909090909090909090909090909090909", "unit_price": "10000000"
        }))
        .unwrap();
        assert_eq!(t.to_abi().unwrap(), abi_terms());
        assert_eq!(t.kind(), OrderKind::Collective);
        t.unit_price = Amount(U256::from(1) << 96);
        assert!(matches!(t.to_abi(), Err(TermsError::UnitPriceTooLarge(_))));
        t.unit_price = Amount(U256::from((1_u128 << 96) - 1));
        assert!(t.to_abi().is_ok());
        t.funding_deadline_unix = 1 << 40;
        assert_eq!(t.to_abi(), Err(TermsError::DeadlineTooLarge(1 << 40)));
    }

    #[cfg(feature = "time")]
    #[test]
    fn abi_terms_round_trip_through_the_api_shape() {
        let t = Terms::from_abi(&abi_terms());
        // `terms_json` in the indexer wrote exactly this (serde_json sorts `json!` keys).
        let expected = r#"{"arbiter":"0x0606060606060606060606060606060606060606","fee_bps":100,"funding_deadline":"2023-11-14T22:13:20Z","funding_deadline_unix":1700000000,"max_units":10,"metadata_hash":"0x4242424242424242424242424242424242424242424242424242424242424242","milestone_bps":[5000,5000],"min_units":3,"promoter_bps":500,"review_period":3600,"seller":"0x0404040404040404040404040404040404040404","sole_buyer":"0x0000000000000000000000000000000000000000","splits":[{"bps":1000,"recipient":"0x0707070707070707070707070707070707070707"}],"token":"0x0909090909090909090909090909090909090909","unit_price":"10000000"}"#;
        assert_eq!(serde_json::to_string(&t).unwrap(), expected);
        let back: Terms = serde_json::from_str(expected).unwrap();
        assert_eq!(back, t);
        assert_eq!(terms_hash(&back.to_abi().unwrap()), terms_hash(&abi_terms()));
        // The largest values the ABI allows survive both ways.
        let mut max = abi_terms();
        max.unitPrice = U96::MAX;
        max.fundingDeadline = U40::MAX;
        max.minUnits = u32::MAX;
        max.reviewPeriod = u32::MAX;
        let api = Terms::from_abi(&max);
        assert_eq!(api.funding_deadline.as_str(), "36812-02-20T00:36:15Z");
        assert_eq!(api.to_abi().unwrap(), max);
    }
}
