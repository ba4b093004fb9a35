// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";

/// @dev Unit tests of payouts: refunds, claims along the cascade, commissions, the one-call
/// "get paid" path and withdrawals, and the lens's views of them.
contract EscrowPayoutsTest is EscrowFixture {
    // R = 100: fee 2.5, pool = 97.5 * 5% * 6/10 = 2.925, net 94.575, partner 20% = 18.915.
    uint256 internal constant FEE = 2_500_000;
    uint256 internal constant POOL = 2_925_000;
    uint256 internal constant PART = 18_915_000;
    uint256 internal constant REST = 100e6 - FEE - POOL - PART;

    // ---------------------------------------------------------------- refunds

    function test_Refund_FailedOrderPaysExactlyWhatWasPaid() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 3, promoter);
        _pledge(id, t, bob, 1, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, p);
        vm.expectEmit(address(escrow));
        emit IEscrow.Refunded(id, alice, alice, 30e6);
        vm.prank(carol); // anyone may trigger; the money goes to the backer
        assertEq(escrow.refund(id, p, alice, alice), 30e6);
        assertEq(usd.balanceOf(alice), 30e6);
        assertEq(usd.balanceOf(carol), 0);
        escrow.refund(id, p, bob, bob);
        assertEq(usd.balanceOf(bob), 10e6);
        assertEq(usd.balanceOf(address(escrow)), 0);
        // A promoter keeps its slot (its promoted units) after its own refund.
        assertEq(lens.participantOf(id, promoter).promoted, 3);
    }

    function test_Refund_PromoterThatBackedKeepsItsPromotedUnits() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 2, promoter);
        _pledge(id, t, promoter, 1, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, p);
        assertEq(escrow.refund(id, p, promoter, promoter), PRICE);
        IEscrow.Participant memory part = lens.participantOf(id, promoter);
        assertEq(part.units, 0);
        assertEq(part.promoted, 2);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, promoter));
        escrow.refund(id, p, promoter, promoter);
    }

    function test_Refund_ToAnotherAddressTheBackerNames() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 3, address(0));
        vm.prank(seller);
        escrow.cancel(id, p);
        address other = makeAddr("other");
        vm.expectEmit(address(escrow));
        emit IEscrow.Refunded(id, alice, other, 30e6);
        vm.prank(alice);
        escrow.refund(id, p, alice, other);
        assertEq(usd.balanceOf(other), 30e6);
    }

    function test_RevertWhen_RefundToAnotherAddressBySomeoneElse() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 3, address(0));
        vm.prank(seller);
        escrow.cancel(id, p);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyAccount.selector, carol));
        escrow.refund(id, p, alice, carol);
        vm.prank(alice);
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        escrow.refund(id, p, alice, address(0));
    }

    function test_RevertWhen_RefundTwice() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 3, address(0));
        vm.prank(seller);
        escrow.cancel(id, p);
        escrow.refund(id, p, alice, alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, alice));
        escrow.refund(id, p, alice, alice);
        assertEq(lens.refundable(id, p, alice), 0);
    }

    function test_RevertWhen_RefundActiveOrder() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        assertEq(lens.refundable(id, p, alice), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Active)
        );
        escrow.refund(id, p, alice, alice);
    }

    function test_Refund_TinyShareStillCountsSoTheLastTakesTheRest() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 1;
        t.minUnits = 1;
        t.maxUnits = 1000;
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 1, address(0));
        _pledge(id, t, bob, 999, address(0));
        escrow.finalize(id, _pack(t));
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        escrow.rule(id, p, 300, true); // 700 left for backers
        assertEq(escrow.refund(id, p, alice, alice), 0);
        assertEq(escrow.refund(id, p, bob, bob), 700);
    }

    // ----------------------------------------------------------------- claims

    function test_Claim_EveryPartyAndNoDust() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        assertEq(lens.claimable(id, p, treasury), FEE);
        assertEq(lens.commissionClaimable(id, p, promoter), POOL);
        assertEq(lens.claimable(id, p, partner), PART);
        assertEq(lens.claimable(id, p, seller), REST);
        assertEq(lens.claimable(id, p, alice), 0);

        vm.expectEmit(address(escrow));
        emit IEscrow.Claimed(id, seller, address(usd), REST);
        assertEq(escrow.claim(id, p, seller), REST);
        escrow.claim(id, p, partner);
        escrow.claim(id, p, treasury);
        escrow.claimCommission(id, p, promoter);
        assertEq(escrow.balanceOf(address(usd), seller), REST);
        assertEq(lens.claimedOf(id, seller), REST);

        vm.expectEmit(address(escrow));
        emit IEscrow.Withdrawn(address(usd), seller, seller, REST);
        escrow.withdraw(address(usd), seller, seller);
        escrow.withdraw(address(usd), partner, partner);
        escrow.withdraw(address(usd), treasury, treasury);
        escrow.withdraw(address(usd), promoter, promoter);
        assertEq(usd.balanceOf(seller), REST);
        assertEq(usd.balanceOf(partner), PART);
        assertEq(usd.balanceOf(treasury), FEE);
        assertEq(usd.balanceOf(promoter), POOL);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_Claim_GrowsWithEachRelease() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        uint256 first = escrow.claim(id, p, seller);
        assertEq(lens.claimedOf(id, seller), first);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, seller));
        escrow.claim(id, p, seller);
        uint256 p1 = escrow.claimCommission(id, p, promoter);
        assertEq(lens.promoterPoolOf(id).paid, p1);
        assertFalse(lens.participantOf(id, promoter).closed);
        _deliverAndRelease(id, t);
        uint256 second = escrow.claim(id, p, seller);
        uint256 p2 = escrow.claimCommission(id, p, promoter);
        assertEq(first + second, REST);
        assertEq(p1 + p2, POOL);
        assertTrue(lens.participantOf(id, promoter).closed);
    }

    function test_Claim_AccountInSeveralSellerSideRoles() public {
        IEscrow.Terms memory t = _terms();
        t.splits[0].recipient = seller;
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 10, address(0));
        escrow.finalize(id, p);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        assertEq(escrow.claim(id, p, seller), 100e6 - FEE);
    }

    function test_Claim_LastPromoterTakesPoolRemainder() public {
        IEscrow.Terms memory t = _terms();
        t.minUnits = 3;
        t.maxUnits = 3;
        t.unitPrice = 1e6 + 1;
        t.promoterBps = 3333;
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 1, makeAddr("p1"));
        _pledge(id, t, bob, 1, makeAddr("p2"));
        _pledge(id, t, carol, 1, makeAddr("p3"));
        escrow.finalize(id, p);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        uint256 r = 3 * (1e6 + 1);
        uint256 pool = (r - r * FEE_BPS / 10_000) * 3333 / 10_000;
        uint256 sum = escrow.claimCommission(id, p, makeAddr("p1"))
            + escrow.claimCommission(id, p, makeAddr("p2"))
            + escrow.claimCommission(id, p, makeAddr("p3"));
        assertEq(sum, pool);
        assertEq(lens.promoterPoolOf(id).paid, pool);
        assertEq(lens.promoterPoolOf(id).closed, 3);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, makeAddr("p1")));
        escrow.claimCommission(id, p, makeAddr("p1"));
    }

    function test_RevertWhen_ClaimCommissionWithoutUnits() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, carol));
        escrow.claimCommission(id, p, carol);
        assertEq(lens.commissionClaimable(id, p, carol), 0);
    }

    function test_ClaimCommission_EmitsClosedOnFinalClaim() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.CommissionClaimed(id, promoter, address(usd), 877_500, false);
        escrow.claimCommission(id, p, promoter);
        _deliverAndRelease(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.CommissionClaimed(id, promoter, address(usd), POOL - 877_500, true);
        escrow.claimCommission(id, p, promoter);
    }

    function test_RevertWhen_ClaimNothing() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, seller));
        escrow.claim(id, p, seller);
        _deliverAndRelease(id, t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, carol));
        escrow.claim(id, p, carol);
    }

    function test_RevertWhen_ClaimWithWrongTerms() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        t.splits[0].recipient = carol;
        bytes memory p = _pack(t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, id));
        escrow.claim(id, p, carol);
    }

    // ---------------------------------------------------------------- collect

    function test_Collect_ReleasesClaimsAndPaysInOneCall() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        _deliver(id, t);
        vm.warp(block.timestamp + REVIEW);
        address wallet = makeAddr("seller's cold wallet");
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneReleased(id, 1, 70e6, 100e6, 0);
        vm.expectEmit(address(escrow));
        emit IEscrow.Completed(id);
        vm.expectEmit(address(escrow));
        emit IEscrow.Claimed(id, seller, address(usd), REST);
        vm.expectEmit(address(escrow));
        emit IEscrow.Withdrawn(address(usd), seller, wallet, REST);
        vm.prank(seller);
        assertEq(escrow.collect(id, p, wallet), REST);
        assertEq(usd.balanceOf(wallet), REST);
        assertEq(escrow.balanceOf(address(usd), seller), 0);
        assertEq(lens.claimedOf(id, seller), REST);
    }

    function test_Collect_IncludesEarlierCreditsAndSkipsReleaseInReview() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        escrow.rule(id, p, 30e6, false); // dismissed: the bond is the seller's
        _deliver(id, t); // in review: collect must not release it
        uint256 due = lens.claimable(id, p, seller);
        vm.prank(seller);
        assertEq(escrow.collect(id, p, seller), due + 1_500_000);
        assertEq(_released(id, t), 30e6);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.NothingToWithdraw.selector, seller, address(usd))
        );
        escrow.collect(id, p, seller);
    }

    function test_RevertWhen_CollectToZero() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.prank(seller);
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        escrow.collect(id, p, address(0));
    }

    // --------------------------------------------------------------- withdraw

    function test_RevertWhen_WithdrawNothing() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.NothingToWithdraw.selector, seller, address(usd))
        );
        escrow.withdraw(address(usd), seller, seller);
    }

    function test_Withdraw_ToAnotherAddressOnlyByTheAccount() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        escrow.claim(id, p, partner);
        uint256 due = escrow.balanceOf(address(usd), partner);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyAccount.selector, carol));
        escrow.withdraw(address(usd), partner, carol);
        vm.prank(partner);
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        escrow.withdraw(address(usd), partner, address(0));
        vm.prank(partner);
        escrow.withdraw(address(usd), partner, carol);
        assertEq(usd.balanceOf(carol), due);
    }

    // ------------------------------------------------------------------ views

    function test_Lens_MilestoneAmountsAndBounds() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        assertEq(lens.milestoneAmount(id, p, 0), 30e6);
        assertEq(lens.milestoneAmount(id, p, 1), 70e6);
        assertEq(lens.milestoneAmount(id, p, 2), 0);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        assertEq(lens.disputeBond(id, p), 0);
        assertEq(lens.deadlineOf(id, p), 0);
        assertEq(address(lens.escrow()), address(escrow));
        assertEq(lens.domainSeparator(), verifier.domainSeparator(address(escrow)));
    }
}
