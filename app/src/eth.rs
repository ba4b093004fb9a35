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

use crate::format;

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
            E::OnlyGovernance(_) => "Only governance can do this.".into(),
            E::ZeroAddress(_) => "An address that must be set is empty.".into(),
            E::FeeTooHigh(e) => {
                format!("A fee of {} bps is above the cap of {} bps.", e.feeBps, e.max)
            }
            E::Paused(_) => "New orders and pledges are paused by governance for now.".into(),
            E::PauseUnchanged(_) => "The pause switch is already in that position.".into(),
            E::TermsMismatch(e) => {
                format!("The terms sent do not match order #{}'s terms on chain.", e.orderId)
            }
            E::InvalidTerms(e) => format!(
                "The terms are invalid: check {}.",
                String::from_utf8_lossy(e.reason.as_slice()).trim_end_matches('\0')
            ),
            E::FeeMismatch(e) => format!(
                "The terms carry a fee of {} bps but the platform fee is now {} bps.",
                e.given, e.current
            ),
            E::TokenNotAllowed(_) => {
                "This token is not on the chain's list of payment tokens.".into()
            }
            E::NotSeller(_) => {
                "Only the seller named in the terms can open this order (or relay its signature)."
                    .into()
            }
            E::InvalidSignature(_) => "The seller's signature over these terms is not valid.".into(),
            E::SignatureUsed(_) => {
                "The seller's signature over these terms was already used or revoked.".into()
            }
            E::WrongStatus(e) => format!(
                "Order #{} is {}, so this is not possible now.",
                e.orderId,
                OrderStatus::from_index(e.status).map_or("in another state", OrderStatus::as_str)
            ),
            E::WrongMilestoneState(e) => format!(
                "The current milestone of order #{} is {}, so this is not possible now.",
                e.orderId,
                match e.state {
                    0 => "not delivered yet",
                    1 => "delivered and in review",
                    _ => "disputed",
                }
            ),
            E::FundingClosed(e) => format!("Funding of order #{} is closed.", e.orderId),
            E::FundingOpen(e) => format!(
                "Funding of order #{} is still open: wait for the deadline or for the cap to be reached.",
                e.orderId
            ),
            E::ZeroUnits(_) => "Choose at least one unit.".into(),
            E::CapExceeded(e) => format!("Only {} units are still available.", e.available),
            E::NotSoleBuyer(_) => "Only this order's buyer can pledge to it.".into(),
            E::SelfReferral(_) => {
                "You cannot be your own promoter: leave the promoter empty or name someone else."
                    .into()
            }
            E::InvalidPromoter(_) => "The seller, a split recipient, the arbiter or the treasury cannot be named promoter.".into(),
            E::PromoterIsBacker(_) => {
                "That address backs this order itself, so it cannot be named promoter.".into()
            }
            E::NoWeight(_) => "Only backers with a say (not the seller, a split recipient, the arbiter or a promoter of the order) can approve or dispute.".into(),
            E::NotArbiter(_) => "Only the arbiter of this order can do this.".into(),
            E::ReasonLength(e) => format!(
                "A dispute needs a reason of 1 to {} bytes; this one has {}.",
                e.max, e.length
            ),
            E::OnlyAccount(_) => "Only the account itself can send its money elsewhere.".into(),
            E::OnlySeller(_) => "Only the seller of this order can do this.".into(),
            E::InsufficientUnits(e) => format!("You hold only {} units.", e.held),
            E::WrongNativeAmount(e) => {
                format!("The amount sent ({}) differs from the price ({}).", e.sent, e.expected)
            }
            E::InsufficientTokenReceived(_) => {
                "The token delivered less than was sent (fee-on-transfer tokens are not accepted)."
                    .into()
            }
            E::NativeTransferFailed(_) => "Sending the coins to the recipient failed.".into(),
            E::DeadlineNotReached(e) => {
                format!("Not yet: this is possible after {}.", format::date(e.endsAt.to()))
            }
            E::DeadlinePassed(e) => {
                format!("Too late: the deadline was {}.", format::date(e.endedAt.to()))
            }
            E::AlreadyApproved(_) => "You already approved this milestone.".into(),
            E::ReleaseTooHigh(e) => format!(
                "A ruling can release at most the disputed milestone's amount ({} base units, not {}).",
                e.max, e.amount
            ),
            E::NothingToRefund(_) => "There is nothing to refund to this account.".into(),
            E::NothingToClaim(_) => "There is nothing to claim for this account yet.".into(),
            E::NothingToWithdraw(_) => "There is no balance to withdraw.".into(),
            #[allow(unreachable_patterns)]
            _ => "The escrow refused the transaction.".into(),
        };
    }
    if let Ok(e) = TreasuryErrors::abi_decode(data) {
        use TreasuryErrors as T;
        return match e {
            T::TooManyAllocations(e) => {
                format!("{} allocations are more than the treasury's {}.", e.count, e.max)
            }
            T::InvalidAllocation(e) => format!(
                "Allocation {} has no recipient or a share of 0%.",
                e.index.saturating_to::<u64>() + 1
            ),
            T::BpsSumTooHigh(e) => format!(
                "The allocations add up to {}, more than 100%.",
                format::percent(e.sum.saturating_to())
            ),
            T::NoAllocations(_) => "No allocations are set: nothing can be distributed.".into(),
            T::NothingToDistribute(_) => "No new fees arrived since the last distribution.".into(),
            T::InsufficientUnreserved(_) => {
                "The treasury holds less than that beyond what recipients are owed.".into()
            }
            _ => "The treasury refused the transaction.".into(),
        };
    }
    if let Ok(e) = DemoStablecoinErrors::abi_decode(data) {
        return match e {
            DemoStablecoinErrors::ERC20InsufficientBalance(e) => format!(
                "Your token balance is too low: you have {}, this needs {}.",
                amount(e.balance),
                amount(e.needed)
            ),
            DemoStablecoinErrors::ERC20InsufficientAllowance(_) => {
                "The escrow is not allowed to take enough of your tokens: approve first.".into()
            }
            DemoStablecoinErrors::ERC2612ExpiredSignature(_) => {
                "The permit signature expired.".into()
            }
            _ => "The token refused the transfer.".into(),
        };
    }
    if let Ok(e) = CointentGovernorErrors::abi_decode(data) {
        return match e {
            CointentGovernorErrors::GovernorUnexpectedProposalState(_) => {
                "The proposal is not in a state that allows this now.".into()
            }
            CointentGovernorErrors::GovernorAlreadyCastVote(_) => {
                "You already voted on this proposal.".into()
            }
            CointentGovernorErrors::GovernorInsufficientProposerVotes(e) => format!(
                "You have {} votes; proposing needs {}.",
                format::votes(e.votes),
                format::votes(e.threshold)
            ),
            _ => "The governor refused the transaction.".into(),
        };
    }
    if let Ok(r) = alloy_sol_types::Revert::abi_decode(data) {
        return format!("The contract refused: {}.", r.reason);
    }
    if data.is_empty() {
        "The transaction would fail (no reason given).".into()
    } else {
        "The transaction would fail (unknown reason).".into()
    }
}
