// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {PackedTerms} from "src/libraries/PackedTerms.sol";

/// @title EscrowMath
/// @notice The money rules of the Escrow as pure functions of an order's packed terms and
/// stored state: milestone amounts, the released amount, the payout cascade, commissions,
/// end-of-order refunds, bonds, weights and deadlines. The Escrow and the EscrowLens both
/// compile these same functions, so the lens's views are exactly what the Escrow pays.
/// @dev See the Escrow's natspec for the money scheme. Every function expects terms that were
/// validated at creation and state that belongs to them.
library EscrowMath {
    using PackedTerms for bytes;

    uint256 internal constant BPS = 10_000;

    /// @notice `cum(k)`: what milestones `0..k-1` release in full,
    /// `floor(F * (bps_0 + ... + bps_{k-1}) / 10 000)`.
    function cum(bytes calldata t, uint256 unitsPledged, uint256 k)
        internal
        pure
        returns (uint256)
    {
        return unitsPledged * t.unitPrice() * t.bpsBefore(k) / BPS;
    }

    /// @notice What milestone `index` releases in full: `cum(index + 1) - cum(index)`.
    function milestoneAmount(bytes calldata t, uint256 unitsPledged, uint256 index)
        internal
        pure
        returns (uint256)
    {
        uint256 funded = unitsPledged * t.unitPrice();
        uint256 before = t.bpsBefore(index);
        return funded * (before + t.milestoneBps(index)) / BPS - funded * before / BPS;
    }

    /// @notice The order's released amount `R = cum(milestone) - withheld`.
    function released(bytes calldata t, IEscrow.OrderState memory s, uint256 withheld)
        internal
        pure
        returns (uint256)
    {
        return cum(t, s.unitsPledged, s.milestone) - withheld;
    }

    /// @notice The bond a dispute of the current milestone costs: `bondBps` of its amount,
    /// rounded up, at least 1.
    function bond(bytes calldata t, IEscrow.OrderState memory s) internal pure returns (uint256) {
        uint256 amount = milestoneAmount(t, s.unitsPledged, s.milestone);
        uint256 b = (amount * t.bondBps() + BPS - 1) / BPS;
        return b == 0 ? 1 : b;
    }

    /// @notice `account`'s approval and dispute weight: its units, unless it is the seller, a
    /// split recipient, the arbiter or a promoter with promoted units in the order.
    function weight(bytes calldata t, IEscrow.Participant memory p, address account)
        internal
        pure
        returns (uint256)
    {
        if (p.units == 0 || p.promoted != 0 || isRole(t, account)) return 0;
        return p.units;
    }

    /// @notice Whether `account` is the seller, the arbiter or a split recipient of the order.
    function isRole(bytes calldata t, address account) internal pure returns (bool) {
        if (account == t.seller() || account == t.arbiter()) return true;
        uint256 splitsOffset = PackedTerms.splitsAt(t.milestoneCount());
        uint256 m = t.splitCount(splitsOffset);
        for (uint256 j; j < m; ++j) {
            if (t.splitRecipient(splitsOffset, j) == account) return true;
        }
        return false;
    }

    /// @notice Whether the order ended after funding (`Completed`, `Resolved` or `Expired`):
    /// its released amount is final and backers take back the rest.
    function ended(IEscrow.Status status) internal pure returns (bool) {
        return status == IEscrow.Status.Completed || status == IEscrow.Status.Resolved
            || status == IEscrow.Status.Expired;
    }

    /// @notice The deadline of the order's current phase (0 once it ended).
    function deadline(bytes calldata t, IEscrow.OrderState memory s)
        internal
        pure
        returns (uint256)
    {
        if (s.status == IEscrow.Status.Funding) return t.fundingDeadline();
        if (s.status != IEscrow.Status.Active) return 0;
        if (s.milestoneState == IEscrow.MilestoneState.Pending) {
            return uint256(s.since) + t.deliveryPeriod(s.milestone);
        }
        if (s.milestoneState == IEscrow.MilestoneState.Delivered) {
            return uint256(s.since) + t.reviewPeriod();
        }
        return uint256(s.since) + t.rulingPeriod();
    }

    /// @notice `account`'s total entitlement as treasury, split recipient and seller at the
    /// released amount `r`: the cascade of floors of the Escrow's natspec.
    function entitlement(
        bytes calldata t,
        IEscrow.OrderState memory s,
        uint256 r,
        address account,
        address treasury
    ) internal pure returns (uint256 amount) {
        if (r == 0) return 0;
        uint256 fee = r * t.feeBps() / BPS;
        if (account == treasury) amount = fee;
        uint256 rest;
        // fee <= r since feeBps <= MAX_FEE_BPS < 10 000; the pool is at most what is left
        // since promoterBps <= 10 000 and promotedUnits <= unitsPledged.
        unchecked {
            rest = r - fee;
            rest -= pool(t, s, rest);
        }
        (uint256 share, uint256 left) = splits(t, rest, account);
        amount += share;
        if (account == t.seller()) amount += left;
    }

    /// @notice Runs `net` down the split table: what `account` earns as split recipient, and
    /// the remainder left for the seller.
    function splits(bytes calldata t, uint256 net, address account)
        internal
        pure
        returns (uint256 amount, uint256 rest)
    {
        rest = net;
        uint256 remainingBps = BPS;
        uint256 splitsOffset = PackedTerms.splitsAt(t.milestoneCount());
        uint256 m = t.splitCount(splitsOffset);
        for (uint256 j; j < m; ++j) {
            (address recipient, uint256 bps) = t.split(splitsOffset, j);
            uint256 share = rest * bps / remainingBps;
            // bps <= remainingBps (the bps sum to at most 10 000), so share <= rest.
            unchecked {
                remainingBps -= bps;
                rest -= share;
            }
            if (recipient == account) amount += share;
        }
    }

    /// @notice The promoter pool out of `afterFee`, the released amount net of the fee.
    function pool(bytes calldata t, IEscrow.OrderState memory s, uint256 afterFee)
        internal
        pure
        returns (uint256)
    {
        if (s.promotedUnits == 0) return 0;
        return afterFee * t.promoterBps() * s.promotedUnits / (BPS * s.unitsPledged);
    }

    /// @notice A promoter's commission still due at the released amount `r`; once the order
    /// ended the claim closes the position and the last promoter to close takes the pool's
    /// remainder.
    /// @param p The promoter's position.
    /// @param promoters The order's promoter pool bookkeeping.
    /// @param claimed What this promoter claimed so far.
    function commission(
        bytes calldata t,
        IEscrow.OrderState memory s,
        uint256 r,
        IEscrow.Participant memory p,
        IEscrow.PromoterPool memory promoters,
        uint256 claimed
    ) internal pure returns (uint256 due, bool closes) {
        if (p.promoted == 0 || p.closed) return (0, false);
        uint256 total = pool(t, s, r - r * t.feeBps() / BPS);
        closes = ended(s.status);
        if (closes && promoters.closed + 1 == s.promoterCount) {
            due = total - promoters.paid;
        } else {
            due = total * p.promoted / s.promotedUnits - claimed;
        }
    }

    /// @notice A backer's share of what an ended order did not release (`F - R`, pro rata of
    /// units, the last backer refunded taking the remainder).
    /// @return amount The share (it rounds down to 0 for tiny holdings).
    /// @return left What the order did not release, shared by all its backers.
    function endRefund(
        bytes calldata t,
        IEscrow.OrderState memory s,
        IEscrow.OrderAux memory aux,
        uint256 units
    ) internal pure returns (uint256 amount, uint256 left) {
        uint256 funded = uint256(s.unitsPledged) * t.unitPrice();
        left = funded - released(t, s, aux.withheld);
        // left <= funded < 2^96, and the refunds paid so far are part of it.
        unchecked {
            amount = aux.refundedCount + 1 == s.backerCount
                ? left - aux.refundPaid
                : left * units / s.unitsPledged;
        }
    }
}
