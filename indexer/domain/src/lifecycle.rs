//! An order's lifecycle as the Escrow defines it (`contracts/src/interfaces/IEscrow.sol`):
//! its [`OrderKind`], [`OrderStatus`], the [`MilestoneState`] of each milestone and the
//! [`DisputeOutcome`] of a ruling, with the API's names and conversions from and to the
//! `cointent-abi` `sol!` enums.
//!
//! Every waiting state of an order ends by a deadline with a default outcome anyone may
//! trigger: funding ends at the funding deadline (`Failed` below the goal), a milestone not
//! delivered within its delivery period ends the order (`Expired`), a delivered milestone is
//! released when its review window ends, and a dispute not ruled within the ruling period
//! ends the order by the default ruling (`Resolved`, [`DisputeOutcome::ByDefault`]).

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
        Self::of(terms.soleBuyer, terms.milestones.len())
    }
}

named_enum!(
    /// Lifecycle status of an order (the Escrow's `Status`).
    OrderStatus, "order status",
    "Funding, Active, Failed, Cancelled, Completed, Resolved, Expired" {
        /// Taking pledges until the funding deadline or the cap.
        Funding = "Funding",
        /// Funded (the goal was met): milestones are delivered and released.
        Active = "Active",
        /// The goal was missed at the deadline: backers take back exactly what they paid.
        Failed = "Failed",
        /// The seller cancelled during funding: backers take back exactly what they paid.
        Cancelled = "Cancelled",
        /// Every milestone was settled (released, or ruled on without ending the order);
        /// backers take back what rulings withheld.
        Completed = "Completed",
        /// A ruling ended the order (the arbiter's, or the default ruling after the ruling
        /// period); backers take back what was not released.
        Resolved = "Resolved",
        /// A milestone was not delivered by its deadline; backers take back what was not
        /// released.
        Expired = "Expired",
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

    /// Whether the order ended after funding (`Completed`, `Resolved` or `Expired`, the
    /// Escrow's `EscrowMath.ended`): its released amount is final, backers take back the rest
    /// pro rata of their units, and a promoter's claim closes its position.
    pub const fn has_ended(self) -> bool {
        matches!(self, Self::Completed | Self::Resolved | Self::Expired)
    }

    /// Whether nothing more can happen to the order but claims and refunds: it failed, was
    /// cancelled or has ended.
    pub const fn is_final(self) -> bool {
        !matches!(self, Self::Funding | Self::Active)
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
            expected: "indexes 0 to 6",
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
    /// add `Released` (its amount went to the seller side in full), `Resolved` (a ruling
    /// withheld part of it or ended the order on it) and `Expired` (the order expired on it).
    MilestoneState, "milestone state",
    "Pending, Delivered, Disputed, Released, Resolved, Expired" {
        /// Not delivered yet (including milestones an order never reached).
        Pending = "Pending",
        /// Delivered; its review window runs.
        Delivered = "Delivered",
        /// Disputed by a backer; waits for the ruling.
        Disputed = "Disputed",
        /// Released in full to the seller side: its review window ended, every weighted unit
        /// approved it, or the arbiter dismissed its dispute.
        Released = "Released",
        /// A ruling withheld part or all of it for backers, or ended the order on it (see the
        /// milestone's ruling).
        Resolved = "Resolved",
        /// Not delivered by its deadline: the order expired on it.
        Expired = "Expired",
    }
);

impl MilestoneState {
    /// The contract's index of the state (`Pending` 0, `Delivered` 1, `Disputed` 2); `None`
    /// for `Released`, `Resolved` and `Expired`, which only the indexer records.
    pub const fn contract_index(self) -> Option<u8> {
        match self {
            Self::Pending => Some(0),
            Self::Delivered => Some(1),
            Self::Disputed => Some(2),
            Self::Released | Self::Resolved | Self::Expired => None,
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

    /// Fails for `Released`, `Resolved` and `Expired`, which only the indexer records.
    fn try_from(state: MilestoneState) -> Result<Self, UnknownVariant> {
        state.contract_index().map(Self::from).ok_or_else(|| UnknownVariant {
            what: "contract milestone state",
            value: state.to_string(),
            expected: "Pending, Delivered, Disputed",
        })
    }
}

named_enum!(
    /// How a dispute ended (from the `DisputeRuled` event: see [`DisputeOutcome::of_ruling`]).
    /// The bond goes back to the disputer when the dispute is upheld (every outcome but
    /// `Dismissed`), to the seller when it is dismissed.
    DisputeOutcome, "dispute outcome", "Dismissed, Withheld, Ended, ByDefault" {
        /// The arbiter released the whole milestone and let the schedule go on.
        Dismissed = "Dismissed",
        /// The arbiter withheld part or all of the milestone for backers and let the schedule
        /// go on (or complete, for the last milestone).
        Withheld = "Withheld",
        /// The arbiter ended the order (`Resolved`), releasing at most the milestone's
        /// amount.
        Ended = "Ended",
        /// Nobody ruled within the ruling period: the default ruling released nothing more and
        /// ended the order (`Resolved`).
        ByDefault = "ByDefault",
    }
);

impl DisputeOutcome {
    /// The outcome of a `DisputeRuled` event: `by_default` and `upheld` are its flags;
    /// `resolved` is whether the order's status became `Resolved`, which is its `ended` flag
    /// unless the milestone was the last one (then the order is `Completed`, and a `Completed`
    /// event follows in the same transaction, unless the arbiter ended it).
    pub const fn of_ruling(upheld: bool, by_default: bool, resolved: bool) -> Self {
        match (by_default, resolved, upheld) {
            (true, _, _) => Self::ByDefault,
            (false, true, _) => Self::Ended,
            (false, false, true) => Self::Withheld,
            (false, false, false) => Self::Dismissed,
        }
    }

    /// Whether the dispute was upheld (the event's `upheld`): the bond goes back to the
    /// disputer.
    pub const fn is_upheld(self) -> bool {
        !matches!(self, Self::Dismissed)
    }

    /// Whether the ruling ended the order.
    pub const fn ends_order(self) -> bool {
        matches!(self, Self::Ended | Self::ByDefault)
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
        assert_eq!(
            names,
            ["Funding", "Active", "Failed", "Cancelled", "Completed", "Resolved", "Expired"]
        );
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
        assert_eq!(OrderStatus::from_index(6), Some(OrderStatus::Expired));
        assert_eq!(OrderStatus::from_index(7), None);
        assert!(OrderStatus::try_from(IEscrow::Status::from(7)).is_err());
        let ended: Vec<_> = OrderStatus::ALL.iter().filter(|s| s.has_ended()).collect();
        assert_eq!(ended, [&OrderStatus::Completed, &OrderStatus::Resolved, &OrderStatus::Expired]);
        let open: Vec<_> = OrderStatus::ALL.iter().filter(|s| !s.is_final()).collect();
        assert_eq!(open, [&OrderStatus::Funding, &OrderStatus::Active]);
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
        assert!(IEscrow::MilestoneState::try_from(MilestoneState::Expired).is_err());
    }

    #[test]
    fn rulings_read_from_the_events_flags() {
        use DisputeOutcome::*;
        // (upheld, byDefault, resolved) as the Escrow's `_settleDispute` sets them.
        assert_eq!(DisputeOutcome::of_ruling(false, false, false), Dismissed);
        assert_eq!(DisputeOutcome::of_ruling(true, false, false), Withheld);
        assert_eq!(DisputeOutcome::of_ruling(true, false, true), Ended);
        assert_eq!(DisputeOutcome::of_ruling(true, true, true), ByDefault);
        assert_eq!(
            DisputeOutcome::ALL.iter().map(|o| o.is_upheld()).collect::<Vec<_>>(),
            [false, true, true, true]
        );
        assert!(Ended.ends_order() && ByDefault.ends_order() && !Withheld.ends_order());
        assert_eq!(serde_json::to_value(ByDefault).unwrap(), json!("ByDefault"));
        assert_eq!("Withheld".parse::<DisputeOutcome>(), Ok(Withheld));
    }

    #[test]
    fn kind_follows_the_terms_shape() {
        let buyer = Address::repeat_byte(3);
        assert_eq!(OrderKind::of(Address::ZERO, 3), OrderKind::Collective);
        assert_eq!(OrderKind::of(buyer, 1), OrderKind::Sale);
        assert_eq!(OrderKind::of(buyer, 3), OrderKind::Freelance);
    }
}
