// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowHandler} from "./utils/EscrowHandler.sol";

/// @dev Invariants of the Escrow under random sequences of every action by many actors.
contract EscrowInvariantTest is Test {
    Escrow internal escrow;
    DemoStablecoin internal usd;
    EscrowHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        usd = new DemoStablecoin();
        escrow = new Escrow(makeAddr("governance"), makeAddr("treasury"), 250);
        handler = new EscrowHandler(escrow, usd);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](18);
        selectors[0] = EscrowHandler.createOrder.selector;
        selectors[1] = EscrowHandler.pledge.selector;
        selectors[2] = EscrowHandler.unpledge.selector;
        selectors[3] = EscrowHandler.finalize.selector;
        selectors[4] = EscrowHandler.cancel.selector;
        selectors[5] = EscrowHandler.deliver.selector;
        selectors[6] = EscrowHandler.approve.selector;
        selectors[7] = EscrowHandler.release.selector;
        selectors[8] = EscrowHandler.dispute.selector;
        selectors[9] = EscrowHandler.resolve.selector;
        selectors[10] = EscrowHandler.refund.selector;
        selectors[11] = EscrowHandler.claim.selector;
        selectors[12] = EscrowHandler.claimCommission.selector;
        selectors[13] = EscrowHandler.withdraw.selector;
        selectors[14] = EscrowHandler.warp.selector;
        selectors[15] = EscrowHandler.setFee.selector;
        selectors[16] = EscrowHandler.togglePause.selector;
        selectors[17] = EscrowHandler.advance.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function _escrowBalance(address token) internal view returns (uint256) {
        return token == address(0) ? address(escrow).balance : usd.balanceOf(address(escrow));
    }

    /// @dev What the order still owes: unreleased funds, unpaid refunds and unclaimed shares.
    function _obligations(uint256 id, IEscrow.Terms memory t) internal view returns (uint256) {
        IEscrow.OrderState memory s = escrow.orderState(id);
        uint256 funded = uint256(s.unitsPledged) * t.unitPrice;
        if (s.status == IEscrow.Status.Funding) return funded;
        if (s.status == IEscrow.Status.Failed || s.status == IEscrow.Status.Cancelled) {
            address[] memory backers = handler.backers();
            uint256 sum;
            for (uint256 i; i < backers.length; ++i) {
                sum += escrow.backerOf(id, backers[i]).paid;
            }
            return sum;
        }
        uint256 claimed = escrow.promoterPoolOf(id).paid;
        address[] memory roles = handler.roleAccounts();
        for (uint256 i; i < roles.length; ++i) {
            claimed += escrow.claimedOf(id, roles[i]);
        }
        if (s.status == IEscrow.Status.Resolved) {
            IEscrow.OrderPools memory pools = escrow.orderPools(id);
            return pools.refundPool - pools.refundPaid + s.released - claimed;
        }
        return funded - claimed;
    }

    function _remaining(uint256 id) internal view returns (uint256) {
        return handler.ghostOrderIn(id) - handler.ghostOrderOut(id) - handler.ghostOrderClaimed(id);
    }

    /// @dev Per token: the escrow holds exactly what went in minus what went out
    /// (conservation), and that equals every order's remaining money plus every credited
    /// balance; each order's remaining money equals what it owes (solvency, no dust lost).
    function invariant_SolvencyAndConservationPerToken() public view {
        address[] memory tokens = handler.tokens();
        address[] memory accounts = handler.allAccounts();
        for (uint256 k; k < tokens.length; ++k) {
            address token = tokens[k];
            uint256 balance = _escrowBalance(token);
            assertEq(balance, handler.ghostIn(token) - handler.ghostOut(token), "conservation");
            uint256 held;
            uint256 owed;
            for (uint256 i; i < handler.orderCount(); ++i) {
                uint256 id = handler.orderIds(i);
                IEscrow.Terms memory t = handler.termsOf(id);
                if (t.token != token) continue;
                held += _remaining(id);
                owed += _obligations(id, t);
            }
            for (uint256 i; i < accounts.length; ++i) {
                uint256 credited = escrow.balanceOf(token, accounts[i]);
                held += credited;
                owed += credited;
            }
            assertEq(balance, held, "held");
            assertGe(balance, owed, "solvency");
            assertEq(held, owed, "nothing stranded");
        }
    }

    /// @dev Seller-side entitlements plus the promoter pool add up to exactly the released
    /// amount, and nobody was credited beyond them.
    function invariant_EntitlementsAddUpToReleased() public view {
        address[] memory roles = handler.roleAccounts();
        address[] memory promoters = handler.promoters();
        for (uint256 i; i < handler.orderCount(); ++i) {
            uint256 id = handler.orderIds(i);
            IEscrow.Terms memory t = handler.termsOf(id);
            IEscrow.OrderState memory s = escrow.orderState(id);
            uint256 r = s.released;
            uint256 pool;
            if (s.promotedUnits != 0) {
                uint256 afterFee = r - r * t.feeBps / 10_000;
                pool =
                    afterFee * t.promoterBps * s.promotedUnits / (10_000 * uint256(s.unitsPledged));
            }
            uint256 sum = pool;
            for (uint256 j; j < roles.length; ++j) {
                sum += escrow.claimedOf(id, roles[j]) + escrow.claimable(id, t, roles[j]);
            }
            assertEq(sum, r, "roles + pool == released");
            uint256 commissions;
            uint256 closed;
            for (uint256 j; j < promoters.length; ++j) {
                IEscrow.Promoter memory p = escrow.promoterOf(id, promoters[j]);
                commissions += p.claimed + escrow.commissionClaimable(id, t, promoters[j]);
                if (p.closed) ++closed;
            }
            assertLe(commissions, pool, "commissions <= pool");
            IEscrow.PromoterPool memory pp = escrow.promoterPoolOf(id);
            assertEq(pp.closed, closed, "closed count");
            if (pp.count != 0 && pp.closed == pp.count) assertEq(pp.paid, pool, "pool paid out");
        }
    }

    /// @dev Each backer's recorded payment is exactly what the ghost says it paid, and the
    /// order's units match the payments.
    function invariant_BackerPaymentsExact() public view {
        address[] memory backers = handler.backers();
        for (uint256 i; i < handler.orderCount(); ++i) {
            uint256 id = handler.orderIds(i);
            IEscrow.Terms memory t = handler.termsOf(id);
            IEscrow.OrderState memory s = escrow.orderState(id);
            uint256 sum;
            for (uint256 j; j < backers.length; ++j) {
                uint256 paid = escrow.backerOf(id, backers[j]).paid;
                assertEq(paid, handler.ghostPaid(id, backers[j]), "paid");
                assertEq(paid % t.unitPrice, 0, "whole units");
                sum += paid;
            }
            if (s.status == IEscrow.Status.Funding || s.status == IEscrow.Status.Active) {
                assertEq(sum, uint256(s.unitsPledged) * t.unitPrice, "units match payments");
            }
            assertLe(s.released, uint256(s.unitsPledged) * t.unitPrice, "released <= funded");
            IEscrow.OrderPools memory pools = escrow.orderPools(id);
            if (s.status == IEscrow.Status.Resolved && pools.refundedCount == s.backerCount) {
                assertEq(pools.refundPaid, pools.refundPool, "refund pool paid out");
            }
        }
    }

    function invariant_RefundsExact() public view {
        assertEq(handler.inexactRefunds(), 0);
    }

    function invariant_OnlyValidTransitions() public view {
        assertEq(handler.invalidTransitions(), 0);
    }

    function invariant_NoDoubleClaim() public view {
        assertEq(handler.overClaims(), 0);
    }
}
