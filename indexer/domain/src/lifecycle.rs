//! An order's lifecycle as the Escrow defines it (`contracts/src/interfaces/IEscrow.sol`):
//! its [`OrderKind`], [`OrderStatus`] and the [`MilestoneState`] of each milestone, with the
//! API's names and conversions from and to the `cointent-abi` `sol!` enums.

use alloy_primitives::Address;
use cointent_abi::IEscrow;

/// A name that is not one of an enum's variants, or a `sol!` enum's out-of-range value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of {expected}")]
pub struct UnknownVariant {
    /// Which enum: `order kind`, `order status`, `milestone state`.
    pub what: &'static str,
    /// The value refused.
    pub value: String,
    /// The accepted names, comma-separated.
    pub expected: &'static str,
}

// `tt`, not `literal`: utoipa's derive does not see through the invisible group a `literal`
// fragment is wrapped in, and would miss the `serde(rename)`.
macro_rules! named_enum {
    (
        $(#[$doc:meta])*
        $name:ident, $what:literal, $expected:literal {
            $($(#[$vdoc:meta])* $variant:ident = $text:tt,)+
        }
    ) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order (the contract's, for its enums).
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The API's name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::lifecycle::UnknownVariant;

            /// The API's name, exactly (case-sensitive, as the API's filters are).
            fn from_str(text: &str) -> Result<Self, $crate::lifecycle::UnknownVariant> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::lifecycle::UnknownVariant {
                        what: $what,
                        value: text.to_string(),
                        expected: $expected,
                    }),
                }
            }
        }
    };
}

/// The API's string enums: serde names, `as_str`, `Display` and `FromStr` from one list.
pub(crate) use named_enum;

named_enum!(
    /// The kind of trade an order is, from the shape of its terms (as the indexer's `orders`
    /// projection derives it): no sole buyer is a collective order; a sole buyer with more
    /// than one milestone is a freelance job; a sole buyer with one milestone is a sale.
    OrderKind, "order kind", "collective, sale, freelance" {
        /// Many backers pool a funding goal before a deadline.
        Collective = "collective",
        /// One buyer, one delivery: a handicraft sale.
        Sale = "sale",
        /// One client, several milestones, an arbiter: a freelance job.
        Freelance = "freelance",
    }
);

impl OrderKind {
    /// The kind of terms with `sole_buyer` and `milestones` milestones.
    pub fn of(sole_buyer: Address, milestones: usize) -> Self {
        if sole_buyer == Address::ZERO {
            Self::Collective
        } else if milestones > 1 {
            Self::Freelance
        } else {
            Self::Sale
        }
    }

    /// The kind of on-chain terms.
    pub fn of_terms(terms: &IEscrow::Terms) -> Self {
        Self::of(terms.soleBuyer, terms.milestoneBps.len())
    }
}

named_enum!(
    /// Lifecycle status of an order (the Escrow's `Status`).
    OrderStatus, "order status", "Funding, Active, Failed, Cancelled, Completed, Resolved" {
        /// Taking pledges until the funding deadline or the cap.
        Funding = "Funding",
        /// Funded (the goal was met): milestones are delivered and released.
        Active = "Active",
        /// The goal was missed at the deadline: backers take refunds.
        Failed = "Failed",
        /// The seller cancelled during funding: backers take refunds.
        Cancelled = "Cancelled",
        /// Every milestone was released.
        Completed = "Completed",
        /// The arbiter resolved a dispute, ending the order.
        Resolved = "Resolved",
    }
);

impl OrderStatus {
    /// The status with the contract's index (`uint8(Status)`, as events carry it: `Finalized`'s
    /// `status` argument is `"1"` for `Active`).
    pub fn from_index(index: u8) -> Option<Self> {
        Self::ALL.get(usize::from(index)).copied()
    }

    /// The contract's index of the status.
    pub const fn index(self) -> u8 {
        self as u8
    }

    /// Whether the order ended with money released to the seller side (promoters' claims then
    /// close their positions): `Completed` or `Resolved`.
    pub const fn is_settled(self) -> bool {
        matches!(self, Self::Completed | Self::Resolved)
    }
}

impl TryFrom<u8> for OrderStatus {
    type Error = UnknownVariant;

    /// The contract's index, as the ABI structs and errors carry it (`OrderState.status`,
    /// `WrongStatus.status`).
    fn try_from(index: u8) -> Result<Self, UnknownVariant> {
        Self::from_index(index).ok_or(UnknownVariant {
            what: "order status",
            value: index.to_string(),
            expected: "indexes 0 to 5",
        })
    }
}

impl TryFrom<IEscrow::Status> for OrderStatus {
    type Error = UnknownVariant;

    /// The ABI's `Status` (a `uint8` value type: the JSON ABI does not name the variants).
    fn try_from(status: IEscrow::Status) -> Result<Self, UnknownVariant> {
        Self::try_from(u8::from(status))
    }
}

impl From<OrderStatus> for IEscrow::Status {
    fn from(status: OrderStatus) -> Self {
        Self::from(status.index())
    }
}

named_enum!(
    /// State of one milestone as the API shows it. The contract keeps the state of the
    /// current milestone only (`Pending`, `Delivered`, `Disputed`); the indexer's projections
    /// add `Released` (its amount went to the seller side) and `Resolved` (the arbiter ended a
    /// dispute on it).
    MilestoneState, "milestone state", "Pending, Delivered, Disputed, Released, Resolved" {
        /// Not delivered yet.
        Pending = "Pending",
        /// Delivered; its review window runs.
        Delivered = "Delivered",
        /// Disputed by a backer; waits for the arbiter.
        Disputed = "Disputed",
        /// Released to the seller side.
        Released = "Released",
        /// The arbiter resolved the dispute on it.
        Resolved = "Resolved",
    }
);

impl MilestoneState {
    /// The contract's index of the state (`Pending` 0, `Delivered` 1, `Disputed` 2); `None`
    /// for `Released` and `Resolved`, which only the indexer records.
    pub const fn contract_index(self) -> Option<u8> {
        match self {
            Self::Pending => Some(0),
            Self::Delivered => Some(1),
            Self::Disputed => Some(2),
            Self::Released | Self::Resolved => None,
        }
    }
}

impl TryFrom<u8> for MilestoneState {
    type Error = UnknownVariant;

    /// The contract's index, as the ABI structs and errors carry it
    /// (`OrderState.milestoneState`, `WrongMilestoneState.state`).
    fn try_from(index: u8) -> Result<Self, UnknownVariant> {
        match index {
            0 => Ok(Self::Pending),
            1 => Ok(Self::Delivered),
            2 => Ok(Self::Disputed),
            _ => Err(UnknownVariant {
                what: "milestone state",
                value: index.to_string(),
                expected: "indexes 0 to 2",
            }),
        }
    }
}

impl TryFrom<IEscrow::MilestoneState> for MilestoneState {
    type Error = UnknownVariant;

    /// The ABI's `MilestoneState` (a `uint8` value type).
    fn try_from(state: IEscrow::MilestoneState) -> Result<Self, UnknownVariant> {
        Self::try_from(u8::from(state))
    }
}

impl TryFrom<MilestoneState> for IEscrow::MilestoneState {
    type Error = UnknownVariant;

    /// Fails for `Released` and `Resolved`, which only the indexer records.
    fn try_from(state: MilestoneState) -> Result<Self, UnknownVariant> {
        state.contract_index().map(Self::from).ok_or_else(|| UnknownVariant {
            what: "contract milestone state",
            value: state.to_string(),
            expected: "Pending, Delivered, Disputed",
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_round_trip_through_str_and_serde() {
        for s in OrderStatus::ALL {
            assert_eq!(s.as_str().parse::<OrderStatus>(), Ok(*s));
            assert_eq!(json!(s), json!(s.as_str()));
            assert_eq!(serde_json::from_value::<OrderStatus>(json!(s.as_str())).unwrap(), *s);
        }
        let names: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["Funding", "Active", "Failed", "Cancelled", "Completed", "Resolved"]);
        let kinds: Vec<&str> = OrderKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, ["collective", "sale", "freelance"]);
        for m in MilestoneState::ALL {
            assert_eq!(m.as_str().parse::<MilestoneState>(), Ok(*m));
            assert_eq!(json!(m), json!(m.as_str()));
        }
        let err = "Sale".parse::<OrderKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown order kind \"Sale\"; expected one of collective, sale, freelance"
        );
        assert!(serde_json::from_value::<OrderStatus>(json!("funding")).is_err());
    }

    #[test]
    fn statuses_match_the_contract() {
        for s in OrderStatus::ALL {
            let sol = IEscrow::Status::from(*s);
            assert_eq!(u8::from(sol.clone()), s.index());
            assert_eq!(OrderStatus::try_from(s.index()), Ok(*s));
            assert_eq!(OrderStatus::try_from(sol), Ok(*s));
            assert_eq!(OrderStatus::from_index(s.index()), Some(*s));
        }
        assert_eq!(OrderStatus::from_index(6), None);
        assert!(OrderStatus::try_from(IEscrow::Status::from(6)).is_err());
        assert!(OrderStatus::Completed.is_settled() && !OrderStatus::Failed.is_settled());
        for (index, ours) in [
            (0, MilestoneState::Pending),
            (1, MilestoneState::Delivered),
            (2, MilestoneState::Disputed),
        ] {
            let sol = IEscrow::MilestoneState::from(index);
            assert_eq!(MilestoneState::try_from(sol), Ok(ours));
            assert_eq!(IEscrow::MilestoneState::try_from(ours).map(u8::from), Ok(index));
        }
        assert!(MilestoneState::try_from(3).is_err());
        assert!(IEscrow::MilestoneState::try_from(MilestoneState::Released).is_err());
    }

    #[test]
    fn kind_follows_the_terms_shape() {
        let buyer = Address::repeat_byte(3);
        assert_eq!(OrderKind::of(Address::ZERO, 3), OrderKind::Collective);
        assert_eq!(OrderKind::of(buyer, 1), OrderKind::Sale);
        assert_eq!(OrderKind::of(buyer, 3), OrderKind::Freelance);
    }
}
