// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";

/// @dev Unit tests of the milestone schedule: delivery and its deadline, approvals, releases,
/// disputes, rulings and the default ruling. The default order holds 100 dUSD (alice 6 units
/// through the promoter, bob 4), milestones release 30 and 70, a dispute bond is 5 % of the
/// disputed milestone.
contract EscrowMilestonesTest is EscrowFixture {
    uint256 internal constant BOND_M0 = 1_500_000;
    uint256 internal constant BOND_M1 = 3_500_000;

    // --------------------------------------------------------------- delivery

    function test_Deliver_StartsReviewWindow() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.warp(block.timestamp + 1 days);
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneDelivered(id, 0, keccak256("proof"), block.timestamp + REVIEW);
        _deliver(id, t);
        IEscrow.OrderState memory s = _state(id);
        assertEq(uint8(s.milestoneState), uint8(IEscrow.MilestoneState.Delivered));
        assertEq(s.since, block.timestamp);
        assertEq(lens.deadlineOf(id, _pack(t)), block.timestamp + REVIEW);
    }

    function test_RevertWhen_DeliverByOtherThanSeller() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlySeller.selector, alice));
        escrow.deliverMilestone(id, p, 0);
    }

    function test_RevertWhen_DeliverDuringFunding() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Funding)
        );
        escrow.deliverMilestone(id, p, 0);
    }

    function test_RevertWhen_DeliverTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Delivered
            )
        );
        escrow.deliverMilestone(id, p, 0);
    }

    function test_RevertWhen_DeliverAfterDeadline() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        uint256 deadline = block.timestamp + DELIVERY;
        vm.warp(deadline);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlinePassed.selector, deadline));
        escrow.deliverMilestone(id, p, 0);
    }

    // ----------------------------------------------------------------- expiry

    function test_Expire_NothingDeliveredRefundsEverything() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.warp(block.timestamp + DELIVERY);
        vm.expectEmit(address(escrow));
        emit IEscrow.Expired(id, 0, 0);
        vm.prank(carol); // anyone
        escrow.expire(id, p);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Expired));
        assertEq(lens.deadlineOf(id, p), 0);
        assertEq(lens.refundable(id, p, alice), 60e6);
        escrow.refund(id, p, alice, alice);
        escrow.refund(id, p, bob, bob);
        assertEq(usd.balanceOf(alice), 60e6);
        assertEq(usd.balanceOf(bob), 40e6);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_Expire_LaterMilestoneReturnsUndeliveredShare() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        // The second milestone's clock started at the release.
        uint256 deadline = block.timestamp + DELIVERY;
        assertEq(lens.deadlineOf(id, p), deadline);
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlineNotReached.selector, deadline));
        escrow.expire(id, p);
        vm.warp(deadline);
        vm.expectEmit(address(escrow));
        emit IEscrow.Expired(id, 1, 30e6);
        escrow.expire(id, p);
        assertEq(_released(id, t), 30e6);
        assertEq(escrow.refund(id, p, alice, alice), 42e6);
        assertEq(escrow.refund(id, p, bob, bob), 28e6);
        // The seller side keeps what was released.
        escrow.claim(id, p, seller);
        escrow.claim(id, p, partner);
        escrow.claim(id, p, treasury);
        escrow.claimCommission(id, p, promoter);
        assertEq(lens.promoterPoolOf(id).closed, 1);
    }

    function test_RevertWhen_ExpireDelivered() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.warp(block.timestamp + DELIVERY);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Delivered
            )
        );
        escrow.expire(id, p);
    }

    // ---------------------------------------------------------------- release

    function test_Release_AfterReviewPeriodCreditsLazily() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.warp(block.timestamp + REVIEW);
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneReleased(id, 0, 30e6, 30e6, block.timestamp + DELIVERY);
        vm.prank(carol);
        escrow.release(id, p);
        IEscrow.OrderState memory s = _state(id);
        assertEq(_released(id, t), 30e6);
        assertEq(s.milestone, 1);
        assertEq(uint8(s.milestoneState), uint8(IEscrow.MilestoneState.Pending));
        assertEq(s.since, block.timestamp);
        // Nothing moved: parties claim.
        assertEq(usd.balanceOf(address(escrow)), 100e6);
        assertEq(usd.balanceOf(seller), 0);
    }

    function test_Release_LastMilestoneCompletes() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        _deliver(id, t);
        vm.warp(block.timestamp + REVIEW);
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneReleased(id, 1, 70e6, 100e6, 0);
        vm.expectEmit(address(escrow));
        emit IEscrow.Completed(id);
        escrow.release(id, p);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Completed));
        assertEq(_released(id, t), 100e6);
        assertEq(lens.refundable(id, p, alice), 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, alice));
        escrow.refund(id, p, alice, alice);
    }

    function test_RevertWhen_ReleaseDuringReview() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        uint256 endsAt = block.timestamp + REVIEW;
        vm.warp(endsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlineNotReached.selector, endsAt));
        escrow.release(id, p);
    }

    function test_RevertWhen_ReleaseUndelivered() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Pending
            )
        );
        escrow.release(id, p);
    }

    function test_RevertWhen_ReleaseCompletedOrder() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Completed)
        );
        escrow.release(id, p);
    }

    // -------------------------------------------------------------- approvals

    function test_Approve_EveryWeightedUnitReleasesEarly() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneApproved(id, 0, alice, 6, 6);
        vm.prank(alice);
        assertFalse(escrow.approveMilestone(id, p));
        assertEq(_state(id).approvalUnits, 6);
        vm.prank(bob);
        assertTrue(escrow.approveMilestone(id, p));
        assertEq(_released(id, t), 30e6);
        assertEq(_state(id).approvalUnits, 0);
    }

    function test_Approve_MajorityWaitsForTheReviewWindow() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.prank(alice);
        assertFalse(escrow.approveMilestone(id, p));
        assertEq(_released(id, t), 0);
        // bob keeps his window: he can still dispute.
        _dispute(id, t, bob);
    }

    function test_Approve_CountsFreshForEachMilestone() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.prank(bob);
        escrow.approveMilestone(id, p);
        vm.prank(alice);
        escrow.approveMilestone(id, p);
        _deliver(id, t);
        assertEq(_state(id).approvalUnits, 0);
        vm.prank(bob);
        assertFalse(escrow.approveMilestone(id, p));
        assertEq(lens.participantOf(id, bob).approved, 2);
        vm.prank(alice);
        assertTrue(escrow.approveMilestone(id, p));
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Completed));
    }

    function test_Approve_SoleBuyerReleasesAtOnce() public {
        IEscrow.Terms memory t = _terms();
        t.soleBuyer = alice;
        t.minUnits = 1;
        t.maxUnits = 1;
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 1, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        vm.prank(alice);
        assertTrue(escrow.approveMilestone(id, p));
        assertEq(_released(id, t), 3e6);
    }

    function test_Approve_WithoutWeightedBackersWaitsForTheWindow() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, seller, 5, address(0));
        _pledge(id, t, partner, 5, address(0));
        escrow.finalize(id, p);
        assertEq(_state(id).weightedUnits, 0);
        _deliver(id, t);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoWeight.selector, seller));
        escrow.approveMilestone(id, p);
        vm.warp(block.timestamp + REVIEW);
        escrow.release(id, p);
        assertEq(_released(id, t), 30e6);
    }

    function test_RevertWhen_ApproveTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.prank(bob);
        escrow.approveMilestone(id, p);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.AlreadyApproved.selector, bob));
        escrow.approveMilestone(id, p);
    }

    function test_RevertWhen_ApproveByNonBacker() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoWeight.selector, carol));
        escrow.approveMilestone(id, p);
    }

    function test_RevertWhen_ApproveUndelivered() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Pending
            )
        );
        escrow.approveMilestone(id, p);
    }

    function test_RevertWhen_ApproveAfterReview() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        uint256 endsAt = block.timestamp + REVIEW;
        vm.warp(endsAt);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlinePassed.selector, endsAt));
        escrow.approveMilestone(id, p);
    }

    // --------------------------------------------------------------- disputes

    function test_Dispute_PostsBondAndStartsRulingClock() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        assertEq(lens.disputeBond(id, p), BOND_M0);
        _fund(address(usd), bob, BOND_M0);
        vm.expectEmit(address(escrow));
        emit IEscrow.Disputed(
            id, 0, bob, BOND_M0, block.timestamp + RULING, "The wool is not as promised."
        );
        vm.prank(bob);
        escrow.dispute(id, p, "The wool is not as promised.");
        IEscrow.OrderState memory s = _state(id);
        assertEq(uint8(s.milestoneState), uint8(IEscrow.MilestoneState.Disputed));
        assertEq(s.since, block.timestamp);
        IEscrow.Dispute memory d = lens.disputeOf(id);
        assertEq(d.disputer, bob);
        assertEq(d.bond, BOND_M0);
        assertEq(usd.balanceOf(address(escrow)), 100e6 + BOND_M0);
        assertEq(lens.deadlineOf(id, p), block.timestamp + RULING);
    }

    function test_Dispute_NeedsAReasonOfBoundedLength() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _fund(address(usd), bob, BOND_M0);
        uint256 max = escrow.MAX_REASON_BYTES();
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ReasonLength.selector, 0, max));
        escrow.dispute(id, p, "");
        bytes memory text = new bytes(max + 1);
        for (uint256 i; i < text.length; ++i) {
            text[i] = "w";
        }
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ReasonLength.selector, max + 1, max));
        escrow.dispute(id, p, string(text));
        // The longest allowed reason goes on the record whole.
        assembly ("memory-safe") {
            mstore(text, max)
        }
        string memory longest = string(text);
        vm.expectEmit(address(escrow));
        emit IEscrow.Disputed(id, 0, bob, BOND_M0, block.timestamp + RULING, longest);
        escrow.dispute(id, p, longest);
        vm.stopPrank();
    }

    function test_Dispute_NativeBond() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 10, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        vm.deal(alice, BOND_M0);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongNativeAmount.selector, BOND_M0 - 1, BOND_M0)
        );
        escrow.dispute{value: BOND_M0 - 1}(id, p, "The wool is not as promised.");
        vm.prank(alice);
        escrow.dispute{value: BOND_M0}(id, p, "The wool is not as promised.");
        assertEq(address(escrow).balance, 100e6 + BOND_M0);
    }

    function test_Dispute_BondIsAtLeastOneUnitOfToken() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 1;
        t.minUnits = 1;
        t.maxUnits = 1;
        t.bondBps = 100;
        t.milestones[0] = IEscrow.Milestone(1, DELIVERY);
        t.milestones[1] = IEscrow.Milestone(9999, DELIVERY);
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 1, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        assertEq(lens.milestoneAmount(id, p, 0), 0);
        assertEq(lens.disputeBond(id, p), 1);
    }

    function test_RevertWhen_DisputeAfterReview() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        uint256 endsAt = block.timestamp + REVIEW;
        vm.warp(endsAt);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlinePassed.selector, endsAt));
        escrow.dispute(id, p, "The wool is not as promised.");
    }

    function test_RevertWhen_DisputeWithoutWeight() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoWeight.selector, seller));
        escrow.dispute(id, p, "The wool is not as promised.");
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoWeight.selector, carol));
        escrow.dispute(id, p, "The wool is not as promised.");
    }

    function test_RevertWhen_DisputeWithoutBond() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        vm.prank(bob);
        vm.expectRevert();
        escrow.dispute(id, p, "The wool is not as promised.");
    }

    function test_RevertWhen_DisputeTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Disputed
            )
        );
        escrow.dispute(id, p, "The wool is not as promised.");
    }

    function test_RevertWhen_DisputeFundingOrder() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 1, address(0));
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Funding)
        );
        escrow.dispute(id, p, "The wool is not as promised.");
    }

    function test_RevertWhen_ReleaseOrExpireWhileDisputed() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.warp(block.timestamp + 365 days);
        bytes memory err = abi.encodeWithSelector(
            IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Disputed
        );
        vm.expectRevert(err);
        escrow.release(id, p);
        vm.expectRevert(err);
        escrow.expire(id, p);
    }

    // ---------------------------------------------------------------- rulings

    function test_Rule_DismissReleasesMilestoneAndScheduleContinues() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.warp(block.timestamp + 1 days);
        vm.expectEmit(address(escrow));
        emit IEscrow.DisputeRuled(
            id, 0, 30e6, 0, 30e6, false, false, false, seller, BOND_M0, block.timestamp + DELIVERY
        );
        vm.prank(arbiter);
        escrow.rule(id, p, 30e6, false);
        IEscrow.OrderState memory s = _state(id);
        assertEq(uint8(s.status), uint8(IEscrow.Status.Active));
        assertEq(s.milestone, 1);
        assertEq(uint8(s.milestoneState), uint8(IEscrow.MilestoneState.Pending));
        assertEq(_released(id, t), 30e6);
        // The dismissed bond goes to the seller.
        assertEq(escrow.balanceOf(address(usd), seller), BOND_M0);
        assertEq(lens.disputeOf(id).disputer, address(0));
        _deliverAndRelease(id, t);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Completed));
    }

    function test_Rule_WithholdPartAndContinue() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        escrow.rule(id, p, 10e6, false);
        assertEq(lens.orderAux(id).withheld, 20e6);
        assertEq(_released(id, t), 10e6);
        // Upheld: the bond goes back to bob.
        assertEq(escrow.balanceOf(address(usd), bob), BOND_M0);
        _deliverAndRelease(id, t);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Completed));
        assertEq(_released(id, t), 80e6);
        // What was withheld goes back pro rata once the order ended.
        assertEq(escrow.refund(id, p, alice, alice), 12e6);
        assertEq(escrow.refund(id, p, bob, bob), 8e6);
    }

    function test_Rule_EndOrderRefundsEverythingHeld() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t); // 30 released, 70 held
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.expectEmit(address(escrow));
        emit IEscrow.DisputeRuled(id, 1, 35e6, 35e6, 65e6, true, true, false, bob, BOND_M1, 0);
        vm.prank(arbiter);
        escrow.rule(id, p, 35e6, true);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Resolved));
        assertEq(_released(id, t), 65e6);
        assertEq(lens.refundable(id, p, alice), 21e6);
        assertEq(escrow.refund(id, p, alice, alice), 21e6);
        assertEq(escrow.refund(id, p, bob, bob), 14e6);
    }

    function test_Rule_EndOrderWithFullMilestoneStillUpholds() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        escrow.rule(id, p, 30e6, true);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Resolved));
        assertEq(escrow.balanceOf(address(usd), bob), BOND_M0);
        assertEq(escrow.refund(id, p, alice, alice), 42e6);
    }

    function test_Rule_DismissOnLastMilestoneCompletes() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        _deliver(id, t);
        _dispute(id, t, alice);
        vm.expectEmit(address(escrow));
        emit IEscrow.Completed(id);
        vm.prank(arbiter);
        escrow.rule(id, p, 70e6, false);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Completed));
        assertEq(_released(id, t), 100e6);
    }

    function test_RevertWhen_RuleByOtherThanArbiter() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotArbiter.selector, seller));
        escrow.rule(id, p, 0, true);
    }

    function test_RevertWhen_RuleUndisputed() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.prank(arbiter);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Pending
            )
        );
        escrow.rule(id, p, 0, true);
    }

    function test_RevertWhen_RuleReleasesMoreThanTheMilestone() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ReleaseTooHigh.selector, 30e6 + 1, 30e6));
        escrow.rule(id, p, 30e6 + 1, false);
    }

    function test_RevertWhen_RuleAfterRulingPeriod() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliver(id, t);
        _dispute(id, t, bob);
        uint256 endsAt = block.timestamp + RULING;
        vm.warp(endsAt);
        vm.prank(arbiter);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlinePassed.selector, endsAt));
        escrow.rule(id, p, 30e6, false);
    }

    function test_RuleByDefault_RefundsEverythingHeldAndReturnsBond() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        _deliverAndRelease(id, t);
        _deliver(id, t);
        _dispute(id, t, alice);
        uint256 endsAt = block.timestamp + RULING;
        vm.warp(endsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlineNotReached.selector, endsAt));
        escrow.ruleByDefault(id, p);
        vm.warp(endsAt);
        vm.expectEmit(address(escrow));
        emit IEscrow.DisputeRuled(id, 1, 0, 70e6, 30e6, true, true, true, alice, BOND_M1, 0);
        vm.prank(carol); // anyone
        escrow.ruleByDefault(id, p);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Resolved));
        assertEq(escrow.balanceOf(address(usd), alice), BOND_M1);
        assertEq(escrow.refund(id, p, alice, alice), 42e6);
        assertEq(escrow.refund(id, p, bob, bob), 28e6);
    }

    function test_Resolve_LastRefundTakesRemainder() public {
        IEscrow.Terms memory t = _terms();
        t.minUnits = 3;
        t.unitPrice = 3_333_334;
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 1, address(0));
        _pledge(id, t, bob, 1, address(0));
        _pledge(id, t, carol, 1, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, p);
        _deliver(id, t);
        _dispute(id, t, alice);
        vm.prank(arbiter);
        escrow.rule(id, p, 1, true); // held 10 000 002 - 1, not divisible by 3
        uint256 a = escrow.refund(id, p, alice, alice);
        uint256 b = escrow.refund(id, p, bob, bob);
        uint256 c = escrow.refund(id, p, carol, carol);
        assertEq(a, 3_333_333);
        assertEq(b, 3_333_333);
        assertEq(c, 3_333_335);
        assertEq(a + b + c, 10_000_001);
        IEscrow.OrderAux memory aux = lens.orderAux(id);
        assertEq(aux.refundPaid, 10_000_001);
        assertEq(aux.refundedCount, 3);
    }

    function test_RevertWhen_RefundEndedOrderTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.warp(block.timestamp + DELIVERY);
        escrow.expire(id, p);
        escrow.refund(id, p, alice, alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, alice));
        escrow.refund(id, p, alice, alice);
    }
}
