// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";
import {
    BlacklistToken,
    FeeOnTransferToken,
    MintableToken,
    NoReturnToken,
    RejectingReceiver,
    ReentrantReceiver,
    ReentrantToken
} from "./utils/EscrowTokens.sol";

/// @dev One clearly named test per money rule of DESIGN.md, plus odd tokens.
contract EscrowMoneyRulesTest is EscrowFixture {
    /// @dev Runs the order through both milestones.
    function _complete(uint256 id, IEscrow.Terms memory t) internal {
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
    }

    function _claimAll(uint256 id, IEscrow.Terms memory t) internal {
        _claimIfDue(id, t, seller);
        _claimIfDue(id, t, treasury);
        for (uint256 i; i < t.splits.length; ++i) {
            _claimIfDue(id, t, t.splits[i].recipient);
        }
    }

    function _claimIfDue(uint256 id, IEscrow.Terms memory t, address who) internal {
        if (lens.claimable(id, _pack(t), who) != 0) escrow.claim(id, _pack(t), who);
    }

    // ------------------------------------------------------------ pull payments

    function test_PullPayment_ReleaseMovesNoMoney() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        _complete(id, t);
        assertEq(usd.balanceOf(address(escrow)), 100e6);
        assertEq(usd.balanceOf(seller) + usd.balanceOf(partner) + usd.balanceOf(treasury), 0);
    }

    function test_PullPayment_RevertingRecipientDoesNotBlockOthers() public {
        RejectingReceiver rejecting = new RejectingReceiver();
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        t.splits[0].recipient = address(rejecting);
        uint256 id = _create(t);
        _pledge(id, t, alice, 10, address(0));
        escrow.finalize(id, _pack(t));
        _complete(id, t);
        _claimAll(id, t);

        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.NativeTransferFailed.selector, address(rejecting))
        );
        escrow.withdraw(address(0), address(rejecting), address(rejecting));

        uint256 sellerDue = escrow.balanceOf(address(0), seller);
        escrow.withdraw(address(0), seller, seller);
        escrow.withdraw(address(0), treasury, treasury);
        assertEq(seller.balance, sellerDue);
        assertEq(treasury.balance, 2_500_000);
        // The refused share stays credited and fully backed.
        assertEq(address(escrow).balance, escrow.balanceOf(address(0), address(rejecting)));
    }

    function test_PullPayment_BlacklistedRecipientDoesNotBlockOthers() public {
        BlacklistToken blk = new BlacklistToken();
        _allow(address(blk));
        IEscrow.Terms memory t = _terms();
        t.token = address(blk);
        uint256 id = _create(t);
        _pledge(id, t, alice, 10, address(0));
        escrow.finalize(id, _pack(t));
        _complete(id, t);
        _claimAll(id, t);
        blk.setBlacklisted(partner, true);

        vm.expectRevert(abi.encodeWithSelector(BlacklistToken.Blacklisted.selector, partner));
        escrow.withdraw(address(blk), partner, partner);
        escrow.withdraw(address(blk), seller, seller);
        escrow.withdraw(address(blk), treasury, treasury);
        assertEq(blk.balanceOf(treasury), 2_500_000);
        assertEq(blk.balanceOf(address(escrow)), escrow.balanceOf(address(blk), partner));
    }

    function test_PullPayment_BlacklistedBackerDoesNotBlockOtherRefunds() public {
        BlacklistToken blk = new BlacklistToken();
        _allow(address(blk));
        IEscrow.Terms memory t = _terms();
        t.token = address(blk);
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        _pledge(id, t, bob, 2, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, _pack(t));
        blk.setBlacklisted(alice, true);
        vm.expectRevert(abi.encodeWithSelector(BlacklistToken.Blacklisted.selector, alice));
        escrow.refund(id, _pack(t), alice, alice);
        escrow.refund(id, _pack(t), bob, bob);
        assertEq(blk.balanceOf(bob), 2 * PRICE);
        // Once lifted, alice still gets exactly what she paid.
        blk.setBlacklisted(alice, false);
        escrow.refund(id, _pack(t), alice, alice);
        assertEq(blk.balanceOf(alice), 2 * PRICE);
    }

    // ----------------------------------------------------------- exact refunds

    function test_ExactRefund_FailedOrderReturnsWhatWasPaid() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 3_333_333;
        uint256 id = _create(t);
        uint256 paid = _pledge(id, t, alice, 3, promoter);
        paid += _pledge(id, t, alice, 1, address(0));
        vm.prank(alice);
        escrow.unpledge(id, _pack(t), 2);
        paid -= 2 * t.unitPrice;
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, _pack(t));
        uint256 before = usd.balanceOf(alice);
        assertEq(escrow.refund(id, _pack(t), alice, alice), paid);
        assertEq(usd.balanceOf(alice) - before, paid);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_ExactRefund_CancelledNativeOrder() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        t.unitPrice = 0.123456789 ether;
        uint256 id = _create(t);
        _pledge(id, t, alice, 7, address(0));
        vm.prank(seller);
        escrow.cancel(id, _pack(t));
        escrow.refund(id, _pack(t), alice, alice);
        assertEq(alice.balance, 7 * 0.123456789 ether);
        assertEq(address(escrow).balance, 0);
    }

    // --------------------------------------------------------------------- fee

    function test_Fee_OnlyOnReleasedMoney() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        assertEq(lens.claimable(id, _pack(t), treasury), 0);
        _deliverAndRelease(id, t); // 30 released
        assertEq(lens.claimable(id, _pack(t), treasury), 30e6 * uint256(FEE_BPS) / 10_000);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        escrow.rule(id, _pack(t), 0, true); // everything left goes back: no fee on it
        assertEq(lens.claimable(id, _pack(t), treasury), 30e6 * uint256(FEE_BPS) / 10_000);
    }

    function test_Fee_NoneOnFailedOrder() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 4, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, _pack(t));
        assertEq(lens.claimable(id, _pack(t), treasury), 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, treasury));
        escrow.claim(id, _pack(t), treasury);
    }

    function test_Fee_FixedAtCreationWhateverGovernanceDoesLater() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(governance);
        escrow.setFeeBps(0);
        _complete(id, t);
        assertEq(escrow.claim(id, _pack(t), treasury), 2_500_000);
    }

    // ------------------------------------------------------------ token intake

    function test_MeasuredIntake_RejectsFeeOnTransferToken() public {
        FeeOnTransferToken fot = new FeeOnTransferToken();
        _allow(address(fot));
        IEscrow.Terms memory t = _terms();
        t.token = address(fot);
        t.unitPrice = 1e18;
        uint256 id = _create(t);
        fot.mint(alice, 1e18);
        vm.startPrank(alice);
        fot.approve(address(escrow), 1e18);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.InsufficientTokenReceived.selector, 1e18, 0.99e18)
        );
        escrow.pledge(id, _pack(t), 1, address(0));
        vm.stopPrank();
    }

    function test_NoReturnValueToken_FullLifecycle() public {
        NoReturnToken usdt = new NoReturnToken();
        _allow(address(usdt));
        IEscrow.Terms memory t = _terms();
        t.token = address(usdt);
        t.maxUnits = 11;
        uint256 id = _create(t);
        _pledge(id, t, alice, 6, address(0));
        _pledge(id, t, bob, 5, address(0));
        vm.prank(bob);
        escrow.unpledge(id, _pack(t), 1);
        assertEq(usdt.balanceOf(bob), PRICE);
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, _pack(t));
        _complete(id, t);
        _claimAll(id, t);
        escrow.withdraw(address(usdt), seller, seller);
        escrow.withdraw(address(usdt), partner, partner);
        escrow.withdraw(address(usdt), treasury, treasury);
        assertEq(usdt.balanceOf(address(escrow)), 0);
        assertEq(usdt.balanceOf(seller) + usdt.balanceOf(partner) + usdt.balanceOf(treasury), 100e6);
    }

    function test_Decimals18Token_LargeAmounts() public {
        MintableToken weth = new MintableToken("WETH", 18);
        _allow(address(weth));
        IEscrow.Terms memory t = _terms();
        t.token = address(weth);
        t.unitPrice = 1_000_000e18;
        t.maxUnits = 10_000;
        uint256 id = _create(t);
        _pledge(id, t, alice, 10_000, promoter);
        escrow.finalize(id, _pack(t));
        _complete(id, t);
        _claimAll(id, t);
        escrow.claimCommission(id, _pack(t), promoter);
        uint256 sum = escrow.balanceOf(address(weth), seller)
            + escrow.balanceOf(address(weth), partner) + escrow.balanceOf(address(weth), treasury)
            + escrow.balanceOf(address(weth), promoter);
        assertEq(sum, 10_000 * 1_000_000e18);
    }

    function test_Decimals6Token_SmallAmountsLeaveNoDust() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 7;
        t.minUnits = 1;
        t.maxUnits = 3;
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, promoter);
        _pledge(id, t, bob, 1, carol);
        escrow.finalize(id, _pack(t));
        _complete(id, t);
        _claimAll(id, t);
        escrow.claimCommission(id, _pack(t), promoter);
        escrow.claimCommission(id, _pack(t), carol);
        uint256 sum = escrow.balanceOf(address(usd), seller)
            + escrow.balanceOf(address(usd), partner) + escrow.balanceOf(address(usd), treasury)
            + escrow.balanceOf(address(usd), promoter) + escrow.balanceOf(address(usd), carol);
        assertEq(sum, 21);
    }

    // -------------------------------------------------------------- reentrancy

    function test_Reentrancy_TokenCannotReenterWithdraw() public {
        ReentrantToken ree = new ReentrantToken();
        _allow(address(ree));
        IEscrow.Terms memory t = _terms();
        t.token = address(ree);
        uint256 id = _create(t);
        _pledge(id, t, alice, 10, address(0));
        escrow.finalize(id, _pack(t));
        _complete(id, t);
        escrow.claim(id, _pack(t), seller);
        uint256 due = escrow.balanceOf(address(ree), seller);
        ree.arm(address(escrow), abi.encodeCall(escrow.withdraw, (address(ree), seller, seller)));
        escrow.withdraw(address(ree), seller, seller);
        assertFalse(ree.reentered());
        assertEq(
            ree.reentryError(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
        assertEq(ree.balanceOf(seller), due);
        assertEq(ree.balanceOf(address(escrow)), 100e6 - due);
    }

    function test_Reentrancy_TokenCannotReenterPledge() public {
        ReentrantToken ree = new ReentrantToken();
        _allow(address(ree));
        IEscrow.Terms memory t = _terms();
        t.token = address(ree);
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, address(0));
        ree.arm(address(escrow), abi.encodeCall(escrow.refund, (id, _pack(t), alice, alice)));
        _pledge(id, t, bob, 1, address(0));
        assertFalse(ree.reentered());
        assertEq(_state(id).unitsPledged, 2);
    }

    function test_Reentrancy_NativeRecipientCannotReenterRefund() public {
        ReentrantReceiver attacker = new ReentrantReceiver();
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, address(0));
        vm.deal(address(attacker), 2 * PRICE);
        attacker.call{value: 2 * PRICE}(
            address(escrow), abi.encodeCall(escrow.pledge, (id, _pack(t), 2, address(0)))
        );
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, _pack(t));
        attacker.arm(
            address(escrow),
            abi.encodeCall(escrow.refund, (id, _pack(t), address(attacker), address(attacker)))
        );
        escrow.refund(id, _pack(t), address(attacker), address(attacker));
        assertFalse(attacker.reentered());
        assertEq(attacker.received(), 2 * PRICE);
        assertEq(address(escrow).balance, PRICE);
    }

    function test_Reentrancy_NativeRecipientCannotReenterUnpledge() public {
        ReentrantReceiver attacker = new ReentrantReceiver();
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        vm.deal(address(attacker), 2 * PRICE);
        attacker.call{value: 2 * PRICE}(
            address(escrow), abi.encodeCall(escrow.pledge, (id, _pack(t), 2, address(0)))
        );
        attacker.arm(address(escrow), abi.encodeCall(escrow.unpledge, (id, _pack(t), 1)));
        attacker.call(address(escrow), abi.encodeCall(escrow.unpledge, (id, _pack(t), 1)));
        assertFalse(attacker.reentered());
        assertEq(attacker.received(), PRICE);
        assertEq(_state(id).unitsPledged, 1);
    }

    // -------------------------------------------------------------- governance

    function test_Governance_CannotMoveEscrowedMoney() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.startPrank(governance);
        escrow.setFeeBps(uint16(escrow.MAX_FEE_BPS()));
        escrow.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.NothingToWithdraw.selector, governance, address(usd))
        );
        escrow.withdraw(address(usd), governance, governance);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, governance));
        escrow.claim(id, _pack(t), governance);
        vm.stopPrank();
        assertEq(usd.balanceOf(address(escrow)), 100e6);
        assertEq(usd.balanceOf(governance), 0);
    }

    function test_Pause_NeverBlocksRefundsReleasesClaimsOrWithdrawals() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        IEscrow.Terms memory t2 = _terms();
        uint256 failing = _create(t2);
        _pledge(failing, t2, carol, 1, address(0));
        vm.prank(governance);
        escrow.pause();

        _deliver(id, t);
        vm.prank(alice);
        escrow.approveMilestone(id, _pack(t));
        vm.prank(bob);
        escrow.approveMilestone(id, _pack(t));
        // Disputes and rulings too: they protect backers.
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        escrow.rule(id, _pack(t), 70e6, false);
        escrow.claim(id, _pack(t), seller);
        escrow.claimCommission(id, _pack(t), promoter);
        escrow.withdraw(address(usd), seller, seller);
        escrow.withdraw(address(usd), promoter, promoter);

        vm.warp(t2.fundingDeadline);
        escrow.finalize(failing, _pack(t2));
        escrow.refund(failing, _pack(t2), carol, carol);
        assertEq(usd.balanceOf(carol), PRICE);
        assertGt(usd.balanceOf(seller), 0);
    }

    // ---------------------------------------------------------- rounding dust

    function test_Dust_EverythingPaidOutExactly() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 9_999_991;
        t.minUnits = 3;
        t.maxUnits = 7;
        t.promoterBps = 777;
        t.milestones = new IEscrow.Milestone[](3);
        t.milestones[0] = IEscrow.Milestone(3333, DELIVERY);
        t.milestones[1] = IEscrow.Milestone(3333, DELIVERY);
        t.milestones[2] = IEscrow.Milestone(3334, DELIVERY);
        t.splits = new IEscrow.Split[](3);
        t.splits[0] = IEscrow.Split(partner, 1111);
        t.splits[1] = IEscrow.Split(makeAddr("s2"), 2222);
        t.splits[2] = IEscrow.Split(makeAddr("s3"), 3333);
        uint256 id = _create(t);
        _pledge(id, t, alice, 3, promoter);
        _pledge(id, t, bob, 2, carol);
        _pledge(id, t, makeAddr("dave"), 2, address(0));
        escrow.finalize(id, _pack(t));
        _deliverAndRelease(id, t);
        _claimAll(id, t);
        escrow.claimCommission(id, _pack(t), carol);
        _deliverAndRelease(id, t);
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        escrow.rule(id, _pack(t), 12_345_677, true);
        _claimAll(id, t);
        escrow.claimCommission(id, _pack(t), promoter);
        escrow.claimCommission(id, _pack(t), carol);
        escrow.refund(id, _pack(t), alice, alice);
        escrow.refund(id, _pack(t), bob, bob);
        escrow.refund(id, _pack(t), makeAddr("dave"), makeAddr("dave"));
        address[6] memory parties =
            [seller, treasury, partner, makeAddr("s2"), makeAddr("s3"), promoter];
        for (uint256 i; i < parties.length; ++i) {
            if (escrow.balanceOf(address(usd), parties[i]) != 0) {
                escrow.withdraw(address(usd), parties[i], parties[i]);
            }
        }
        escrow.withdraw(address(usd), carol, carol);
        escrow.withdraw(address(usd), bob, bob); // the upheld dispute's bond
        assertEq(usd.balanceOf(address(escrow)), 0);
    }
}
