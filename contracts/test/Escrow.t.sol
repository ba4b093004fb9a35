// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Escrow} from "src/Escrow.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";

/// @dev Unit tests: every flow and every revert of the Escrow.
contract EscrowTest is EscrowFixture {
    // ------------------------------------------------------------ constructor

    function test_Constructor_SetsImmutables() public view {
        assertEq(escrow.governance(), governance);
        assertEq(escrow.treasury(), treasury);
        assertEq(escrow.feeBps(), FEE_BPS);
        assertFalse(escrow.paused());
        assertEq(escrow.orderCount(), 0);
    }

    function test_RevertWhen_ConstructorZeroGovernance() public {
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        new Escrow(address(0), treasury, 0);
    }

    function test_RevertWhen_ConstructorZeroTreasury() public {
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        new Escrow(governance, address(0), 0);
    }

    function test_RevertWhen_ConstructorFeeTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeTooHigh.selector, 501, 500));
        new Escrow(governance, treasury, 501);
    }

    // ----------------------------------------------------------------- create

    function test_CreateOrder_StoresHashAndEmitsTerms() public {
        IEscrow.Terms memory t = _terms();
        bytes32 h = keccak256(abi.encode(t));
        vm.expectEmit(address(escrow));
        emit IEscrow.OrderCreated(1, seller, address(usd), h, t);
        uint256 id = _create(t);
        assertEq(id, 1);
        assertEq(escrow.termsHashOf(id), h);
        assertEq(escrow.hashTerms(t), h);
        assertEq(escrow.orderCount(), 1);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Funding));
        assertEq(_create(t), 2);
    }

    function test_RevertWhen_CreateWhilePaused() public {
        vm.prank(governance);
        escrow.pause();
        IEscrow.Terms memory t = _terms();
        vm.expectRevert(IEscrow.Paused.selector);
        escrow.createOrder(t);
    }

    function test_RevertWhen_CreateWithStaleFee() public {
        IEscrow.Terms memory t = _terms();
        t.feeBps = 100;
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeMismatch.selector, 100, FEE_BPS));
        escrow.createOrder(t);
    }

    function _expectInvalid(IEscrow.Terms memory t, bytes32 reason) internal {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidTerms.selector, reason));
        escrow.createOrder(t);
    }

    function test_RevertWhen_CreateWithZeroSeller() public {
        IEscrow.Terms memory t = _terms();
        t.seller = address(0);
        _expectInvalid(t, "seller");
    }

    function test_RevertWhen_CreateWithZeroPrice() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 0;
        _expectInvalid(t, "unitPrice");
    }

    function test_RevertWhen_CreateWithZeroMinUnits() public {
        IEscrow.Terms memory t = _terms();
        t.minUnits = 0;
        _expectInvalid(t, "units");
    }

    function test_RevertWhen_CreateWithOrderTotalAbove96Bits() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = type(uint96).max;
        t.maxUnits = 2;
        t.minUnits = 1;
        _expectInvalid(t, "maxAmount");
    }

    function test_RevertWhen_CreateWithMinAboveMax() public {
        IEscrow.Terms memory t = _terms();
        t.minUnits = 11;
        _expectInvalid(t, "units");
    }

    function test_RevertWhen_CreateWithPastDeadline() public {
        IEscrow.Terms memory t = _terms();
        t.fundingDeadline = uint40(block.timestamp);
        _expectInvalid(t, "fundingDeadline");
    }

    function test_RevertWhen_CreateWithLongReviewPeriod() public {
        IEscrow.Terms memory t = _terms();
        t.reviewPeriod = uint32(escrow.MAX_REVIEW_PERIOD() + 1);
        _expectInvalid(t, "reviewPeriod");
    }

    function test_RevertWhen_CreateWithPromoterBpsAboveOne() public {
        IEscrow.Terms memory t = _terms();
        t.promoterBps = 10_001;
        _expectInvalid(t, "promoterBps");
    }

    function test_RevertWhen_CreateWithoutArbiter() public {
        IEscrow.Terms memory t = _terms();
        t.arbiter = address(0);
        _expectInvalid(t, "arbiter");
    }

    function test_RevertWhen_CreateWithSellerAsArbiter() public {
        IEscrow.Terms memory t = _terms();
        t.arbiter = seller;
        _expectInvalid(t, "arbiter");
    }

    function test_RevertWhen_CreateWithoutMilestones() public {
        IEscrow.Terms memory t = _terms();
        t.milestoneBps = new uint16[](0);
        _expectInvalid(t, "milestoneCount");
    }

    function test_RevertWhen_CreateWithTooManyMilestones() public {
        IEscrow.Terms memory t = _terms();
        t.milestoneBps = new uint16[](9);
        _expectInvalid(t, "milestoneCount");
    }

    function test_RevertWhen_CreateWithZeroMilestone() public {
        IEscrow.Terms memory t = _terms();
        t.milestoneBps[0] = 0;
        t.milestoneBps[1] = 10_000;
        _expectInvalid(t, "milestoneBps");
    }

    function test_RevertWhen_CreateWithMilestonesNotSummingToWhole() public {
        IEscrow.Terms memory t = _terms();
        t.milestoneBps[1] = 6999;
        _expectInvalid(t, "milestoneBps");
    }

    function test_RevertWhen_CreateWithTooManySplits() public {
        IEscrow.Terms memory t = _terms();
        t.splits = new IEscrow.Split[](6);
        _expectInvalid(t, "splitCount");
    }

    function test_RevertWhen_CreateWithZeroSplitRecipient() public {
        IEscrow.Terms memory t = _terms();
        t.splits[0].recipient = address(0);
        _expectInvalid(t, "split");
    }

    function test_RevertWhen_CreateWithZeroSplitBps() public {
        IEscrow.Terms memory t = _terms();
        t.splits[0].bps = 0;
        _expectInvalid(t, "split");
    }

    function test_RevertWhen_CreateWithSplitsAboveWhole() public {
        IEscrow.Terms memory t = _terms();
        t.splits = new IEscrow.Split[](2);
        t.splits[0] = IEscrow.Split(partner, 6000);
        t.splits[1] = IEscrow.Split(carol, 4001);
        _expectInvalid(t, "splitBps");
    }

    // ----------------------------------------------------------------- pledge

    function test_Pledge_RecordsBackerAndPromoter() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        usd.mint(alice, 30e6);
        vm.prank(alice);
        usd.approve(address(escrow), 30e6);
        vm.expectEmit(address(escrow));
        emit IEscrow.Pledged(id, alice, promoter, 3, 30e6);
        vm.prank(alice);
        escrow.pledge(id, t, 3, promoter);

        IEscrow.Backer memory b = escrow.backerOf(id, alice);
        assertEq(b.paid, 30e6);
        assertEq(b.promoter, promoter);
        assertEq(escrow.promoterOf(id, promoter).units, 3);
        IEscrow.OrderState memory s = escrow.orderState(id);
        assertEq(s.unitsPledged, 3);
        assertEq(s.backerCount, 1);
        assertEq(s.promotedUnits, 3);
        assertEq(escrow.promoterPoolOf(id).count, 1);
        assertEq(usd.balanceOf(address(escrow)), 30e6);
    }

    function test_Pledge_PromoterFixedAtFirstPledge() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, promoter);
        usd.mint(alice, PRICE);
        vm.prank(alice);
        usd.approve(address(escrow), PRICE);
        vm.expectEmit(address(escrow));
        emit IEscrow.Pledged(id, alice, promoter, 1, PRICE);
        vm.prank(alice);
        escrow.pledge(id, t, 1, carol);
        assertEq(escrow.promoterOf(id, promoter).units, 2);
        assertEq(escrow.promoterOf(id, carol).units, 0);
        // A backer without a promoter keeps none.
        _pledge(id, t, bob, 1, address(0));
        _pledge(id, t, bob, 1, carol);
        assertEq(escrow.promoterOf(id, carol).units, 0);
        assertEq(escrow.orderState(id).promotedUnits, 2);
    }

    function test_Pledge_Native() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        t.unitPrice = 0.1 ether;
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        assertEq(address(escrow).balance, 0.2 ether);
        assertEq(escrow.orderState(id).unitsPledged, 2);
    }

    function test_RevertWhen_PledgeWithWrongTerms() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        t.unitPrice = 1;
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, id));
        escrow.pledge(id, t, 1, address(0));
    }

    function test_RevertWhen_PledgeUnknownOrder() public {
        IEscrow.Terms memory t = _terms();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, 7));
        escrow.pledge(7, t, 1, address(0));
    }

    function test_RevertWhen_PledgeWhilePaused() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        vm.prank(governance);
        escrow.pause();
        vm.expectRevert(IEscrow.Paused.selector);
        escrow.pledge(id, t, 1, address(0));
    }

    function test_RevertWhen_PledgeAfterDeadline() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        vm.warp(t.fundingDeadline);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingClosed.selector, id));
        escrow.pledge(id, t, 1, address(0));
    }

    function test_RevertWhen_PledgeZeroUnits() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        vm.expectRevert(IEscrow.ZeroUnits.selector);
        escrow.pledge(id, t, 0, address(0));
    }

    function test_RevertWhen_PledgeAboveCap() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 8, address(0));
        vm.expectRevert(abi.encodeWithSelector(IEscrow.CapExceeded.selector, 2));
        escrow.pledge(id, t, 3, address(0));
    }

    function test_RevertWhen_PledgeByOtherThanSoleBuyer() public {
        IEscrow.Terms memory t = _terms();
        t.soleBuyer = alice;
        uint256 id = _create(t);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotSoleBuyer.selector, bob));
        escrow.pledge(id, t, 1, address(0));
    }

    function test_RevertWhen_PledgeNativeWithWrongValue() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.WrongNativeAmount.selector, 1, PRICE));
        escrow.pledge{value: 1}(id, t, 1, address(0));
    }

    function test_RevertWhen_PledgeTokenWithNativeValue() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        usd.mint(alice, PRICE);
        vm.deal(alice, 1);
        vm.startPrank(alice);
        usd.approve(address(escrow), PRICE);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.WrongNativeAmount.selector, 1, 0));
        escrow.pledge{value: 1}(id, t, 1, address(0));
        vm.stopPrank();
    }

    function test_RevertWhen_PledgeWithoutAllowance() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        usd.mint(alice, PRICE);
        vm.prank(alice);
        vm.expectRevert();
        escrow.pledge(id, t, 1, address(0));
    }

    function test_RevertWhen_PledgeAfterFinalize() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Active)
        );
        escrow.pledge(id, t, 1, address(0));
    }

    function _permit(uint256 pk, uint256 amount, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        address owner = vm.addr(pk);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                owner,
                address(escrow),
                amount,
                usd.nonces(owner),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", usd.DOMAIN_SEPARATOR(), structHash));
        return vm.sign(pk, digest);
    }

    function test_PledgeWithPermit() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        (address dave, uint256 pk) = makeAddrAndKey("dave");
        usd.mint(dave, 2 * PRICE);
        (uint8 v, bytes32 r, bytes32 s) = _permit(pk, 2 * PRICE, block.timestamp);
        vm.prank(dave);
        escrow.pledgeWithPermit(id, t, 2, address(0), block.timestamp, v, r, s);
        assertEq(escrow.orderState(id).unitsPledged, 2);
        assertEq(usd.balanceOf(address(escrow)), 2 * PRICE);
    }

    function test_PledgeWithPermit_FrontRunPermitStillPledges() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        (address dave, uint256 pk) = makeAddrAndKey("dave");
        usd.mint(dave, 2 * PRICE);
        (uint8 v, bytes32 r, bytes32 s) = _permit(pk, 2 * PRICE, block.timestamp);
        // Someone submits the permit first: the pledge must go through on the allowance.
        usd.permit(dave, address(escrow), 2 * PRICE, block.timestamp, v, r, s);
        vm.prank(dave);
        escrow.pledgeWithPermit(id, t, 2, address(0), block.timestamp, v, r, s);
        assertEq(escrow.orderState(id).unitsPledged, 2);
    }

    function test_RevertWhen_PledgeWithBadPermitAndNoAllowance() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        (address dave,) = makeAddrAndKey("dave");
        usd.mint(dave, PRICE);
        vm.prank(dave);
        vm.expectRevert();
        escrow.pledgeWithPermit(id, t, 1, address(0), block.timestamp, 27, bytes32(0), bytes32(0));
    }

    function test_RevertWhen_PledgeWithPermitInNative() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.WrongNativeAmount.selector, 0, PRICE));
        escrow.pledgeWithPermit(id, t, 1, address(0), 0, 0, 0, 0);
    }

    // --------------------------------------------------------------- unpledge

    function test_Unpledge_RefundsExactlyAndUpdatesCounts() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 3, promoter);
        vm.expectEmit(address(escrow));
        emit IEscrow.Unpledged(id, alice, promoter, 1, PRICE);
        vm.prank(alice);
        escrow.unpledge(id, t, 1);
        assertEq(usd.balanceOf(alice), PRICE);
        IEscrow.Backer memory b = escrow.backerOf(id, alice);
        assertEq(b.paid, 2 * PRICE);
        assertEq(escrow.promoterOf(id, promoter).units, 2);

        vm.prank(alice);
        escrow.unpledge(id, t, 2);
        assertEq(usd.balanceOf(alice), 3 * PRICE);
        IEscrow.OrderState memory s = escrow.orderState(id);
        assertEq(s.unitsPledged, 0);
        assertEq(s.backerCount, 0);
        assertEq(s.promotedUnits, 0);
        assertEq(escrow.promoterPoolOf(id).count, 0);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_Unpledge_Native() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        vm.prank(alice);
        escrow.unpledge(id, t, 2);
        assertEq(alice.balance, 2 * PRICE);
        assertEq(address(escrow).balance, 0);
    }

    function test_Unpledge_AllowedWhilePaused() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        vm.prank(governance);
        escrow.pause();
        vm.prank(alice);
        escrow.unpledge(id, t, 2);
        assertEq(usd.balanceOf(alice), 2 * PRICE);
    }

    function test_RevertWhen_UnpledgeMoreThanHeld() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InsufficientUnits.selector, 2));
        escrow.unpledge(id, t, 3);
    }

    function test_RevertWhen_UnpledgeZero() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        vm.expectRevert(IEscrow.ZeroUnits.selector);
        escrow.unpledge(id, t, 0);
    }

    function test_RevertWhen_UnpledgeAfterDeadline() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        vm.warp(t.fundingDeadline);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingClosed.selector, id));
        escrow.unpledge(id, t, 1);
    }

    function test_RevertWhen_UnpledgeAfterCancel() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        vm.prank(seller);
        escrow.cancel(id, t);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Cancelled)
        );
        escrow.unpledge(id, t, 1);
    }

    // --------------------------------------------------------------- finalize

    function test_Finalize_GoalMetAfterDeadline() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 5, address(0));
        vm.warp(t.fundingDeadline);
        vm.expectEmit(address(escrow));
        emit IEscrow.Finalized(id, IEscrow.Status.Active, 5, 5 * PRICE);
        assertEq(uint8(escrow.finalize(id, t)), uint8(IEscrow.Status.Active));
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Active));
    }

    function test_Finalize_CapReachedBeforeDeadline() public {
        (uint256 id,) = _activeOrder();
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Active));
    }

    function test_Finalize_GoalMissed() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 4, address(0));
        vm.warp(t.fundingDeadline);
        vm.expectEmit(address(escrow));
        emit IEscrow.Finalized(id, IEscrow.Status.Failed, 4, 4 * PRICE);
        escrow.finalize(id, t);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Failed));
    }

    function test_RevertWhen_FinalizeWhileFundingOpen() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 9, address(0));
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingOpen.selector, id));
        escrow.finalize(id, t);
    }

    function test_RevertWhen_FinalizeTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Active)
        );
        escrow.finalize(id, t);
    }

    // ----------------------------------------------------------------- cancel

    function test_Cancel_OpensRefunds() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 3, address(0));
        vm.expectEmit(address(escrow));
        emit IEscrow.Cancelled(id);
        vm.prank(seller);
        escrow.cancel(id, t);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Cancelled));
        escrow.refund(id, t, alice);
        assertEq(usd.balanceOf(alice), 3 * PRICE);
    }

    function test_RevertWhen_CancelByOtherThanSeller() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotSeller.selector, alice));
        escrow.cancel(id, t);
    }

    function test_RevertWhen_CancelAfterDeadline() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        vm.warp(t.fundingDeadline);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingClosed.selector, id));
        escrow.cancel(id, t);
    }

    function test_RevertWhen_CancelActiveOrder() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Active)
        );
        escrow.cancel(id, t);
    }

    // ------------------------------------------------------------- milestones

    function test_Deliver_StartsReviewWindow() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneDelivered(id, 0, keccak256("proof"), block.timestamp + 3 days);
        _deliver(id, t);
        assertEq(
            uint8(escrow.orderState(id).milestoneState), uint8(IEscrow.MilestoneState.Delivered)
        );
        assertEq(escrow.orderAux(id).deliveredAt, block.timestamp);
    }

    function test_RevertWhen_DeliverByOtherThanSeller() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotSeller.selector, alice));
        escrow.deliverMilestone(id, t, 0);
    }

    function test_RevertWhen_DeliverDuringFunding() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Funding)
        );
        escrow.deliverMilestone(id, t, 0);
    }

    function test_RevertWhen_DeliverTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Delivered
            )
        );
        escrow.deliverMilestone(id, t, 0);
    }

    function test_Release_AfterReviewPeriodCreditsLazily() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.warp(block.timestamp + t.reviewPeriod);
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneReleased(id, 0, 30e6, 30e6);
        vm.prank(carol);
        escrow.release(id, t);
        IEscrow.OrderState memory s = escrow.orderState(id);
        assertEq(s.released, 30e6);
        assertEq(s.milestone, 1);
        assertEq(uint8(s.milestoneState), uint8(IEscrow.MilestoneState.Pending));
        // Nothing moved: parties claim.
        assertEq(usd.balanceOf(address(escrow)), 100e6);
        assertEq(usd.balanceOf(seller), 0);
    }

    function test_Release_LastMilestoneCompletes() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliverAndRelease(id, t);
        _deliver(id, t);
        vm.warp(block.timestamp + t.reviewPeriod);
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneReleased(id, 1, 70e6, 100e6);
        vm.expectEmit(address(escrow));
        emit IEscrow.Completed(id);
        escrow.release(id, t);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Completed));
        assertEq(escrow.orderState(id).released, 100e6);
    }

    function test_RevertWhen_ReleaseDuringReview() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.warp(block.timestamp + t.reviewPeriod - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.ReviewPeriodActive.selector, block.timestamp + 1)
        );
        escrow.release(id, t);
    }

    function test_RevertWhen_ReleaseUndelivered() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Pending
            )
        );
        escrow.release(id, t);
    }

    function test_RevertWhen_ReleaseCompletedOrder() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Completed)
        );
        escrow.release(id, t);
    }

    function test_Approve_MajorityReleasesEarly() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.MilestoneApproved(id, 0, alice, 6, 6);
        vm.prank(alice);
        assertTrue(escrow.approveMilestone(id, t));
        assertEq(escrow.orderState(id).released, 30e6);
    }

    function test_Approve_MinorityWaitsForMore() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.prank(bob);
        assertFalse(escrow.approveMilestone(id, t));
        assertEq(escrow.orderState(id).released, 0);
        assertEq(escrow.orderAux(id).approvalUnits, 4);
        vm.prank(alice);
        assertTrue(escrow.approveMilestone(id, t));
        assertEq(escrow.orderState(id).released, 30e6);
    }

    function test_Approve_ExactlyHalfDoesNotRelease() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 5, address(0));
        _pledge(id, t, bob, 5, address(0));
        escrow.finalize(id, t);
        _deliver(id, t);
        vm.prank(alice);
        assertFalse(escrow.approveMilestone(id, t));
    }

    function test_Approve_CountsFreshForEachMilestone() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.prank(bob);
        escrow.approveMilestone(id, t);
        vm.prank(alice);
        escrow.approveMilestone(id, t);
        _deliver(id, t);
        assertEq(escrow.orderAux(id).approvalUnits, 0);
        vm.prank(bob);
        assertFalse(escrow.approveMilestone(id, t));
        vm.prank(alice);
        assertTrue(escrow.approveMilestone(id, t));
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Completed));
    }

    function test_Approve_SoleBuyerReleasesAtOnce() public {
        IEscrow.Terms memory t = _terms();
        t.soleBuyer = alice;
        t.minUnits = 1;
        t.maxUnits = 1;
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, address(0));
        escrow.finalize(id, t);
        _deliver(id, t);
        vm.prank(alice);
        assertTrue(escrow.approveMilestone(id, t));
        assertEq(escrow.orderState(id).released, 3e6);
    }

    function test_RevertWhen_ApproveTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.prank(bob);
        escrow.approveMilestone(id, t);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.AlreadyApproved.selector, bob));
        escrow.approveMilestone(id, t);
    }

    function test_RevertWhen_ApproveByNonBacker() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotBacker.selector, carol));
        escrow.approveMilestone(id, t);
    }

    function test_RevertWhen_ApproveUndelivered() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Pending
            )
        );
        escrow.approveMilestone(id, t);
    }

    // ------------------------------------------------------ dispute / resolve

    function test_Dispute_DeliveredWithinReview() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.Disputed(id, 0, bob);
        vm.prank(bob);
        escrow.dispute(id, t);
        assertEq(
            uint8(escrow.orderState(id).milestoneState), uint8(IEscrow.MilestoneState.Disputed)
        );
    }

    function test_Dispute_NonDelivery() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.warp(block.timestamp + 365 days);
        vm.prank(alice);
        escrow.dispute(id, t);
        assertEq(
            uint8(escrow.orderState(id).milestoneState), uint8(IEscrow.MilestoneState.Disputed)
        );
    }

    function test_RevertWhen_DisputeAfterReview() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        uint256 endsAt = block.timestamp + t.reviewPeriod;
        vm.warp(endsAt);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ReviewPeriodOver.selector, endsAt));
        escrow.dispute(id, t);
    }

    function test_RevertWhen_DisputeByNonBacker() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotBacker.selector, seller));
        escrow.dispute(id, t);
    }

    function test_RevertWhen_DisputeTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(bob);
        escrow.dispute(id, t);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Disputed
            )
        );
        escrow.dispute(id, t);
    }

    function test_RevertWhen_DisputeFundingOrder() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, address(0));
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Funding)
        );
        escrow.dispute(id, t);
    }

    function test_RevertWhen_ReleaseWhileDisputed() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.prank(bob);
        escrow.dispute(id, t);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Disputed
            )
        );
        escrow.release(id, t);
    }

    function test_Resolve_SplitsHeldIntoRefundAndRelease() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliverAndRelease(id, t); // 30 released, 70 held
        _deliver(id, t);
        vm.prank(bob);
        escrow.dispute(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.Resolved(id, 1, 40e6, 30e6, 60e6);
        vm.prank(arbiter);
        escrow.resolve(id, t, 40e6);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Resolved));
        assertEq(escrow.orderState(id).released, 60e6);
        assertEq(escrow.orderPools(id).refundPool, 40e6);

        // Pro rata of what was paid: alice 60%, bob 40%.
        assertEq(escrow.refund(id, t, alice), 24e6);
        assertEq(escrow.refund(id, t, bob), 16e6);
        assertEq(usd.balanceOf(alice), 24e6);
        assertEq(usd.balanceOf(bob), 16e6);
    }

    function test_Resolve_LastRefundTakesRemainder() public {
        IEscrow.Terms memory t = _terms();
        t.minUnits = 3;
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, address(0));
        _pledge(id, t, bob, 1, address(0));
        _pledge(id, t, carol, 1, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, t);
        vm.prank(alice);
        escrow.dispute(id, t);
        vm.prank(arbiter);
        escrow.resolve(id, t, 10e6 + 1); // not divisible by 3
        uint256 a = escrow.refund(id, t, alice);
        uint256 b = escrow.refund(id, t, bob);
        uint256 c = escrow.refund(id, t, carol);
        assertEq(a, 3_333_333);
        assertEq(b, 3_333_333);
        assertEq(c, 3_333_335);
        assertEq(a + b + c, 10e6 + 1);
        assertEq(escrow.orderPools(id).refundPaid, 10e6 + 1);
    }

    function test_Resolve_FullRefund() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(alice);
        escrow.dispute(id, t);
        vm.prank(arbiter);
        escrow.resolve(id, t, 100e6);
        escrow.refund(id, t, alice);
        escrow.refund(id, t, bob);
        assertEq(usd.balanceOf(alice), 60e6);
        assertEq(usd.balanceOf(bob), 40e6);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_RevertWhen_ResolveByOtherThanArbiter() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(alice);
        escrow.dispute(id, t);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotArbiter.selector, seller));
        escrow.resolve(id, t, 0);
    }

    function test_RevertWhen_ResolveUndisputed() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(arbiter);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Pending
            )
        );
        escrow.resolve(id, t, 0);
    }

    function test_RevertWhen_ResolveRefundAboveHeld() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliverAndRelease(id, t);
        vm.prank(alice);
        escrow.dispute(id, t);
        vm.prank(arbiter);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.RefundTooHigh.selector, 70e6 + 1, 70e6));
        escrow.resolve(id, t, 70e6 + 1);
    }

    // ----------------------------------------------------------------- refund

    function test_Refund_FailedOrderPaysExactlyWhatWasPaid() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 3, promoter);
        _pledge(id, t, bob, 1, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.Refunded(id, alice, 30e6);
        vm.prank(carol); // anyone may trigger; the money goes to the backer
        assertEq(escrow.refund(id, t, alice), 30e6);
        assertEq(usd.balanceOf(alice), 30e6);
        assertEq(usd.balanceOf(carol), 0);
        escrow.refund(id, t, bob);
        assertEq(usd.balanceOf(bob), 10e6);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_RevertWhen_RefundTwice() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 3, address(0));
        vm.prank(seller);
        escrow.cancel(id, t);
        escrow.refund(id, t, alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, alice));
        escrow.refund(id, t, alice);
    }

    function test_RevertWhen_RefundActiveOrder() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Active)
        );
        escrow.refund(id, t, alice);
    }

    function test_RevertWhen_RefundResolvedWithoutRefundPool() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(alice);
        escrow.dispute(id, t);
        vm.prank(arbiter);
        escrow.resolve(id, t, 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, alice));
        escrow.refund(id, t, alice);
    }

    function test_RevertWhen_RefundResolvedTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(alice);
        escrow.dispute(id, t);
        vm.prank(arbiter);
        escrow.resolve(id, t, 50e6);
        escrow.refund(id, t, alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, alice));
        escrow.refund(id, t, alice);
    }

    // ----------------------------------------------------------------- claims

    function test_Claim_EveryPartyAndNoDust() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        // R = 100: fee 2.5, pool = 97.5 * 5% * 6/10 = 2.925, net 94.575, partner 20% = 18.915.
        uint256 fee = 2_500_000;
        uint256 pool = 2_925_000;
        uint256 part = 18_915_000;
        uint256 rest = 100e6 - fee - pool - part;
        assertEq(escrow.claimable(id, t, treasury), fee);
        assertEq(escrow.commissionClaimable(id, t, promoter), pool);
        assertEq(escrow.claimable(id, t, partner), part);
        assertEq(escrow.claimable(id, t, seller), rest);
        assertEq(escrow.claimable(id, t, alice), 0);

        vm.expectEmit(address(escrow));
        emit IEscrow.Claimed(id, seller, address(usd), rest);
        assertEq(escrow.claim(id, t, seller), rest);
        escrow.claim(id, t, partner);
        escrow.claim(id, t, treasury);
        escrow.claimCommission(id, t, promoter);
        assertEq(escrow.balanceOf(address(usd), seller), rest);

        vm.expectEmit(address(escrow));
        emit IEscrow.Withdrawn(address(usd), seller, rest);
        escrow.withdraw(address(usd), seller);
        escrow.withdraw(address(usd), partner);
        escrow.withdraw(address(usd), treasury);
        escrow.withdraw(address(usd), promoter);
        assertEq(usd.balanceOf(seller), rest);
        assertEq(usd.balanceOf(partner), part);
        assertEq(usd.balanceOf(treasury), fee);
        assertEq(usd.balanceOf(promoter), pool);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_Claim_GrowsWithEachRelease() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliverAndRelease(id, t);
        uint256 first = escrow.claim(id, t, seller);
        assertEq(escrow.claimedOf(id, seller), first);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, seller));
        escrow.claim(id, t, seller);
        uint256 p1 = escrow.claimCommission(id, t, promoter);
        assertEq(escrow.promoterPoolOf(id).paid, p1);
        assertFalse(escrow.promoterOf(id, promoter).closed);
        _deliverAndRelease(id, t);
        uint256 second = escrow.claim(id, t, seller);
        uint256 p2 = escrow.claimCommission(id, t, promoter);
        assertEq(first + second, 100e6 - 2_500_000 - 2_925_000 - 18_915_000);
        assertEq(p1 + p2, 2_925_000);
        assertTrue(escrow.promoterOf(id, promoter).closed);
    }

    function test_Claim_AccountInSeveralRoles() public {
        IEscrow.Terms memory t = _terms();
        t.splits[0].recipient = seller;
        uint256 id = _create(t);
        _pledge(id, t, alice, 10, seller);
        escrow.finalize(id, t);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        assertEq(
            escrow.claim(id, t, seller) + escrow.claimCommission(id, t, seller), 100e6 - 2_500_000
        );
    }

    function test_Claim_LastPromoterTakesPoolRemainder() public {
        IEscrow.Terms memory t = _terms();
        t.minUnits = 3;
        t.maxUnits = 3;
        t.unitPrice = 1e6 + 1;
        t.promoterBps = 3333;
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, makeAddr("p1"));
        _pledge(id, t, bob, 1, makeAddr("p2"));
        _pledge(id, t, carol, 1, makeAddr("p3"));
        escrow.finalize(id, t);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        uint256 r = 3 * (1e6 + 1);
        uint256 pool = (r - r * FEE_BPS / 10_000) * 3333 / 10_000;
        uint256 sum = escrow.claimCommission(id, t, makeAddr("p1"))
            + escrow.claimCommission(id, t, makeAddr("p2"))
            + escrow.claimCommission(id, t, makeAddr("p3"));
        assertEq(sum, pool);
        assertEq(escrow.promoterPoolOf(id).paid, pool);
        assertEq(escrow.promoterPoolOf(id).closed, 3);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, makeAddr("p1")));
        escrow.claimCommission(id, t, makeAddr("p1"));
    }

    function test_RevertWhen_ClaimCommissionWithoutUnits() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliverAndRelease(id, t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, carol));
        escrow.claimCommission(id, t, carol);
        assertEq(escrow.commissionClaimable(id, t, carol), 0);
    }

    function test_ClaimCommission_EmitsClosedOnFinalClaim() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliverAndRelease(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.CommissionClaimed(id, promoter, address(usd), 877_500, false);
        escrow.claimCommission(id, t, promoter);
        _deliverAndRelease(id, t);
        vm.expectEmit(address(escrow));
        emit IEscrow.CommissionClaimed(id, promoter, address(usd), 2_925_000 - 877_500, true);
        escrow.claimCommission(id, t, promoter);
    }

    function test_Approve_RecordsMarker() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _deliver(id, t);
        vm.prank(bob);
        escrow.approveMilestone(id, t);
        assertEq(escrow.approvedOf(id, bob), 1);
    }

    function test_RevertWhen_ClaimNothing() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, seller));
        escrow.claim(id, t, seller);
        _deliverAndRelease(id, t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, carol));
        escrow.claim(id, t, carol);
    }

    function test_RevertWhen_ClaimWithWrongTerms() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        t.splits[0].recipient = carol;
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, id));
        escrow.claim(id, t, carol);
    }

    function test_RevertWhen_WithdrawNothing() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.NothingToWithdraw.selector, seller, address(usd))
        );
        escrow.withdraw(address(usd), seller);
    }

    // ------------------------------------------------------------- governance

    function test_SetFeeBps_OnlyAffectsNewOrders() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.expectEmit(address(escrow));
        emit IEscrow.FeeBpsSet(FEE_BPS, 500);
        vm.prank(governance);
        escrow.setFeeBps(500);
        assertEq(escrow.feeBps(), 500);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        // The order keeps the 2.5% it was created with.
        assertEq(escrow.claim(id, t, treasury), 2_500_000);
        // Terms carrying the old fee can no longer create orders.
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeMismatch.selector, FEE_BPS, 500));
        escrow.createOrder(t);
    }

    function test_RevertWhen_SetFeeBpsByOtherThanGovernance() public {
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, seller));
        escrow.setFeeBps(100);
    }

    function test_RevertWhen_SetFeeBpsAboveCap() public {
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeTooHigh.selector, 501, 500));
        escrow.setFeeBps(501);
    }

    function test_Pause_AndUnpause() public {
        vm.expectEmit(address(escrow));
        emit IEscrow.PausedSet(true);
        vm.prank(governance);
        escrow.pause();
        assertTrue(escrow.paused());
        vm.prank(governance);
        escrow.unpause();
        assertFalse(escrow.paused());
        _create(_terms());
    }

    function test_RevertWhen_PauseByOtherThanGovernance() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, alice));
        escrow.pause();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, alice));
        escrow.unpause();
    }

    function test_RevertWhen_PauseTwice() public {
        vm.prank(governance);
        escrow.pause();
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.PauseUnchanged.selector, true));
        escrow.pause();
    }

    function test_RevertWhen_UnpauseWhileRunning() public {
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.PauseUnchanged.selector, false));
        escrow.unpause();
    }

    function test_Views_ForUnknownOrder() public view {
        assertEq(escrow.termsHashOf(42), bytes32(0));
        assertEq(escrow.orderPools(42).refundPool, 0);
    }
}
