//! Contract glue: the ERC-20 calls the app makes to payment tokens, revert data decoded
//! into plain sentences, addresses. Calldata itself comes from the `cointent-abi` bindings,
//! and the terms' ABI form from `cointent_domain::Terms::to_abi`.

use alloy_primitives::{Address, U256, hex};
use alloy_sol_types::{SolError, SolInterface, sol};
use cointent_abi::{
    CointentGovernor::CointentGovernorErrors, DemoStablecoin::DemoStablecoinErrors,
    Escrow::EscrowErrors, Treasury::TreasuryErrors,
};
use cointent_domain::OrderStatus;

use crate::{
    format,
    i18n::{t, tf},
};

sol! {
    /// The ERC-20 (+ EIP-2612, EIP-5267) calls the app needs from any payment token.
    interface IToken {
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
        function nonces(address owner) external view returns (uint256);
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
        function eip712Domain() external view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions);
    }
}

/// Parses an address typed by a person.
pub(crate) fn parse_addr(s: &str) -> Option<Address> {
    s.trim().parse().ok()
}

/// Lower-case `0x` hex of an address (its `Display` is the checksummed form).
pub(crate) fn addr_hex(a: &Address) -> String {
    hex::encode_prefixed(a)
}

/// A plain sentence for a revert of the Co-Intent contracts (custom errors), of a token
/// (OpenZeppelin's ERC-20 errors), `Error(string)`, or anything else.
pub(crate) fn explain_revert(data: &[u8]) -> String {
    explain_revert_in(data, &|v| v.to_string())
}

/// [`explain_revert`], token amounts written with `amount` (its decimals and symbol).
pub(crate) fn explain_revert_in(data: &[u8], amount: &dyn Fn(U256) -> String) -> String {
    use EscrowErrors as E;
    if let Ok(e) = EscrowErrors::abi_decode(data) {
        return match e {
            E::OnlyGovernance(_) => t("Only governance can do this."),
            E::ZeroAddress(_) => t("An address that must be set is empty."),
            E::FeeTooHigh(e) => {
                tf("A fee of {0} bps is above the cap of {1} bps.", &[&e.feeBps, &e.max])
            }
            E::Paused(_) => t("New orders and pledges are paused by governance for now."),
            E::PauseUnchanged(_) => t("The pause switch is already in that position."),
            E::TermsMismatch(e) => {
                tf("The terms sent do not match order #{0}'s terms on chain.", &[&e.orderId])
            }
            E::InvalidTerms(e) => tf(
                "The terms are invalid: check {0}.",
                &[&String::from_utf8_lossy(e.reason.as_slice()).trim_end_matches('\0')],
            ),
            E::FeeMismatch(e) => tf(
                "The terms carry a fee of {0} bps but the platform fee is now {1} bps.",
                &[&e.given, &e.current],
            ),
            E::TokenNotAllowed(_) => t("This token is not on the chain's list of payment tokens."),
            E::NotSeller(_) => t(
                "Only the seller named in the terms can open this order (or relay its signature).",
            ),
            E::InvalidSignature(_) => t("The seller's signature over these terms is not valid."),
            E::SignatureUsed(_) => {
                t("The seller's signature over these terms was already used or revoked.")
            }
            E::WrongStatus(e) => tf(
                "Order #{0} is {1}, so this is not possible now.",
                &[
                    &e.orderId,
                    &OrderStatus::from_index(e.status)
                        .map_or_else(|| t("in another state"), |s| t(s.as_str())),
                ],
            ),
            E::WrongMilestoneState(e) => tf(
                "The current milestone of order #{0} is {1}, so this is not possible now.",
                &[
                    &e.orderId,
                    &match e.state {
                        0 => t("not delivered yet"),
                        1 => t("delivered and in review"),
                        _ => t("disputed"),
                    },
                ],
            ),
            E::FundingClosed(e) => tf("Funding of order #{0} is closed.", &[&e.orderId]),
            E::FundingOpen(e) => tf(
                "Funding of order #{0} is still open: wait for the deadline or for the cap to be reached.",
                &[&e.orderId],
            ),
            E::ZeroUnits(_) => t("Choose at least one unit."),
            E::CapExceeded(e) => tf("Only {0} units are still available.", &[&e.available]),
            E::NotSoleBuyer(_) => t("Only this order's buyer can pledge to it."),
            E::SelfReferral(_) => {
                t("You cannot be your own promoter: leave the promoter empty or name someone else.")
            }
            E::InvalidPromoter(_) => t(
                "The seller, a split recipient, the arbiter or the treasury cannot be named promoter.",
            ),
            E::PromoterIsBacker(_) => {
                t("That address backs this order itself, so it cannot be named promoter.")
            }
            E::NoWeight(_) => t(
                "Only backers with a say (not the seller, a split recipient, the arbiter or a promoter of the order) can approve or dispute.",
            ),
            E::NotArbiter(_) => t("Only the arbiter of this order can do this."),
            E::ReasonLength(e) => tf(
                "A dispute needs a reason of 1 to {0} bytes; this one has {1}.",
                &[&e.max, &e.length],
            ),
            E::OnlyAccount(_) => t("Only the account itself can send its money elsewhere."),
            E::OnlySeller(_) => t("Only the seller of this order can do this."),
            E::InsufficientUnits(e) => tf("You hold only {0} units.", &[&e.held]),
            E::WrongNativeAmount(e) => {
                tf("The amount sent ({0}) differs from the price ({1}).", &[&e.sent, &e.expected])
            }
            E::InsufficientTokenReceived(_) => t(
                "The token delivered less than was sent (fee-on-transfer tokens are not accepted).",
            ),
            E::NativeTransferFailed(_) => t("Sending the coins to the recipient failed."),
            E::DeadlineNotReached(e) => {
                tf("Not yet: this is possible after {0}.", &[&format::date(e.endsAt.to())])
            }
            E::DeadlinePassed(e) => {
                tf("Too late: the deadline was {0}.", &[&format::date(e.endedAt.to())])
            }
            E::AlreadyApproved(_) => t("You already approved this milestone."),
            E::ReleaseTooHigh(e) => tf(
                "A ruling can release at most the disputed milestone's amount ({0} base units, not {1}).",
                &[&e.max, &e.amount],
            ),
            E::NothingToRefund(_) => t("There is nothing to refund to this account."),
            E::NothingToClaim(_) => t("There is nothing to claim for this account yet."),
            E::NothingToWithdraw(_) => t("There is no balance to withdraw."),
            #[allow(unreachable_patterns)]
            _ => t("The escrow refused the transaction."),
        };
    }
    if let Ok(e) = TreasuryErrors::abi_decode(data) {
        use TreasuryErrors as T;
        return match e {
            T::TooManyAllocations(e) => {
                tf("{0} allocations are more than the treasury's {1}.", &[&e.count, &e.max])
            }
            T::InvalidAllocation(e) => tf(
                "Allocation {0} has no recipient or a share of 0%.",
                &[&(e.index.saturating_to::<u64>() + 1)],
            ),
            T::BpsSumTooHigh(e) => tf(
                "The allocations add up to {0}, more than 100%.",
                &[&format::percent(e.sum.saturating_to())],
            ),
            T::NoAllocations(_) => t("No allocations are set: nothing can be distributed."),
            T::NothingToDistribute(_) => t("No new fees arrived since the last distribution."),
            T::InsufficientUnreserved(_) => {
                t("The treasury holds less than that beyond what recipients are owed.")
            }
            _ => t("The treasury refused the transaction."),
        };
    }
    if let Ok(e) = DemoStablecoinErrors::abi_decode(data) {
        return match e {
            DemoStablecoinErrors::ERC20InsufficientBalance(e) => tf(
                "Your token balance is too low: you have {0}, this needs {1}.",
                &[&amount(e.balance), &amount(e.needed)],
            ),
            DemoStablecoinErrors::ERC20InsufficientAllowance(_) => {
                t("The escrow is not allowed to take enough of your tokens: approve first.")
            }
            DemoStablecoinErrors::ERC2612ExpiredSignature(_) => t("The permit signature expired."),
            _ => t("The token refused the transfer."),
        };
    }
    if let Ok(e) = CointentGovernorErrors::abi_decode(data) {
        return match e {
            CointentGovernorErrors::GovernorUnexpectedProposalState(_) => {
                t("The proposal is not in a state that allows this now.")
            }
            CointentGovernorErrors::GovernorAlreadyCastVote(_) => {
                t("You already voted on this proposal.")
            }
            CointentGovernorErrors::GovernorInsufficientProposerVotes(e) => tf(
                "You have {0} votes; proposing needs {1}.",
                &[&format::votes(e.votes), &format::votes(e.threshold)],
            ),
            _ => t("The governor refused the transaction."),
        };
    }
    if let Ok(r) = alloy_sol_types::Revert::abi_decode(data) {
        return tf("The contract refused: {0}.", &[&r.reason]);
    }
    if data.is_empty() {
        t("The transaction would fail (no reason given).")
    } else {
        t("The transaction would fail (unknown reason).")
    }
}
