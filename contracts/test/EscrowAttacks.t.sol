// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {Escrow} from "src/Escrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";
import {BlacklistToken} from "./utils/EscrowTokens.sol";

/// @dev A contract a seller controls: buys units and ends funding in one transaction.
contract MajorityBuyer {
    function buyAndFinalize(Escrow escrow, uint256 id, IEscrow.Terms calldata t, uint256 units)
        external
    {
        (bool ok,) = t.token
            .call(
                abi.encodeWithSignature(
                    "approve(address,uint256)", address(escrow), units * t.unitPrice
                )
            );
        require(ok, "approve");
        escrow.pledge(id, t, units, address(0));
        escrow.finalize(id, t);
    }

    function approve(Escrow escrow, uint256 id, IEscrow.Terms calldata t) external {
        escrow.approveMilestone(id, t);
    }
}

/// @dev Records whether anyone called `permit` on it.
contract PermitSpy {
    uint256 public permits;

    function permit(address, address, uint256, uint256, uint8, bytes32, bytes32) external {
        ++permits;
    }
}

/// @dev One test per attack of issue 12, named for the attack. Each asserts that the attack
/// fails; on the v1 escrow every one of them fails (the attack succeeds).
contract EscrowAttacksTest is EscrowFixture {
    /// @dev A seller-controlled contract buys the majority of the units at the last moment and
    /// finalizes in the same transaction; the seller then delivers and approves every milestone
    /// at once. The minority backer must keep its review window: nothing may be released yet.
    function test_Attack_SellerSelfApprovalByLastMinuteMajority() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 3, address(0));
        vm.warp(t.fundingDeadline - 1);
        MajorityBuyer buyer = new MajorityBuyer();
        usd.mint(address(buyer), 7 * PRICE);
        buyer.buyAndFinalize(escrow, id, t, 7);
        for (uint256 i; i < t.milestoneBps.length; ++i) {
            _deliver(id, t);
            try buyer.approve(escrow, id, t) {} catch {}
        }
        assertEq(escrow.orderState(id).released, 0, "minority's review window skipped");
    }

    /// @dev A backer holding one unit worth one wei disputes before anything is delivered and the
    /// arbiter never acts. Past every deadline, the other backers must be able to get back what
    /// is held without anyone's cooperation.
    function test_Attack_OneUnitDisputeFreezesOrderForever() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 1;
        t.minUnits = 1;
        t.maxUnits = 1_000_000;
        uint256 id = _create(t);
        _pledge(id, t, bob, 999_999, address(0));
        _pledge(id, t, carol, 1, address(0));
        escrow.finalize(id, t);
        vm.prank(carol);
        escrow.dispute(id, t);
        vm.warp(block.timestamp + 3650 days);
        escrow.refund(id, t, bob);
        assertEq(usd.balanceOf(bob), 999_999, "bob's money is frozen");
    }

    /// @dev A dispute of a milestone that was never delivered is a non-delivery claim; it must
    /// wait for the delivery deadline, not freeze the order at once.
    function test_Attack_DisputeBeforeAnyDelivery() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(bob);
        vm.expectRevert();
        escrow.dispute(id, t);
    }

    /// @dev A one-unit troll disputes a delivered milestone for free: a dispute must cost a bond.
    function test_Attack_OneUnitTrollDisputesForFree() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 1;
        t.minUnits = 1;
        t.maxUnits = 1_000_000;
        uint256 id = _create(t);
        _pledge(id, t, bob, 999_999, address(0));
        _pledge(id, t, carol, 1, address(0));
        escrow.finalize(id, t);
        _deliver(id, t);
        uint256 before = usd.balanceOf(address(escrow));
        vm.prank(carol);
        try escrow.dispute(id, t) {} catch {}
        bool disputed = escrow.orderState(id).milestoneState == IEscrow.MilestoneState.Disputed;
        assertTrue(!disputed || usd.balanceOf(address(escrow)) > before, "free dispute");
    }

    /// @dev The arbiter resolves a dispute of a milestone that was never delivered by releasing
    /// everything to the seller side: no ruling may release undelivered work.
    function test_Attack_RulingPaysUndeliveredWork() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.prank(bob);
        escrow.dispute(id, t);
        vm.prank(arbiter);
        try escrow.resolve(id, t, 0) {} catch {}
        assertEq(escrow.orderState(id).released, 0, "undelivered work paid");
    }

    /// @dev Anyone creates an order naming a victim as seller, with the attacker's own arbiter.
    function test_Attack_OrderInSomeoneElsesName() public {
        IEscrow.Terms memory t = _terms();
        t.arbiter = makeAddr("attacker's arbiter");
        vm.prank(makeAddr("attacker"));
        vm.expectRevert();
        escrow.createOrder(t);
    }

    /// @dev A backer names itself as its promoter and earns commission on its own pledge.
    function test_Attack_SelfReferral() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        usd.mint(alice, PRICE);
        vm.startPrank(alice);
        usd.approve(address(escrow), PRICE);
        vm.expectRevert();
        escrow.pledge(id, t, 1, alice);
        vm.stopPrank();
    }

    /// @dev A split recipient buys the majority and approves its own payout at once.
    function test_Attack_SplitRecipientApprovesOwnPayout() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 4, address(0));
        _pledge(id, t, partner, 6, address(0));
        escrow.finalize(id, t);
        _deliver(id, t);
        vm.prank(partner);
        try escrow.approveMilestone(id, t) {} catch {}
        assertEq(escrow.orderState(id).released, 0, "split recipient skipped the review");
    }

    /// @dev The arbiter backs the order with one unit, disputes, and rules on its own dispute.
    function test_Attack_ArbiterDisputesAndRulesOnOwnDispute() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 9, address(0));
        _pledge(id, t, arbiter, 1, address(0));
        escrow.finalize(id, t);
        _deliver(id, t);
        vm.prank(arbiter);
        vm.expectRevert();
        escrow.dispute(id, t);
    }

    /// @dev A promoter backs the order and approves the release its commission depends on.
    function test_Attack_PromoterApprovesOwnCommission() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 4, promoter);
        _pledge(id, t, promoter, 6, address(0));
        escrow.finalize(id, t);
        _deliver(id, t);
        vm.prank(promoter);
        try escrow.approveMilestone(id, t) {} catch {}
        assertEq(escrow.orderState(id).released, 0, "promoter skipped the review");
    }

    /// @dev A review period of zero lets the seller deliver and release in the same block.
    function test_Attack_ZeroReviewPeriodSkipsReview() public {
        IEscrow.Terms memory t = _terms();
        t.reviewPeriod = 0;
        vm.prank(seller);
        vm.expectRevert();
        escrow.createOrder(t);
    }

    /// @dev A backer that unpledged everything is still tied to its first promoter.
    function test_Attack_PromoterStaysAfterFullUnpledge() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, promoter);
        vm.prank(alice);
        escrow.unpledge(id, t, 2);
        _pledge(id, t, alice, 2, carol);
        assertEq(escrow.backerOf(id, alice).promoter, carol, "old promoter kept");
    }

    /// @dev `pledgeWithPermit` calls `permit` on whatever token the caller's terms name before
    /// it checks the terms: an arbitrary external call made by the escrow.
    function test_Attack_PermitCalledBeforeTermsCheck() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        PermitSpy spy = new PermitSpy();
        t.token = address(spy);
        vm.expectCall(address(spy), abi.encodeWithSelector(PermitSpy.permit.selector), 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, id));
        escrow.pledgeWithPermit(id, t, 1, address(0), block.timestamp, 27, bytes32(0), bytes32(0));
    }

    /// @dev A backer blacklisted by the token cannot take its refund to any other address.
    function test_Attack_BlacklistedBackerRefundStuck() public {
        BlacklistToken blk = new BlacklistToken();
        IEscrow.Terms memory t = _terms();
        t.token = address(blk);
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, t);
        blk.setBlacklisted(alice, true);
        address other = makeAddr("alice's other wallet");
        vm.prank(alice);
        (bool ok,) = address(escrow)
            .call(
                abi.encodeWithSignature("refundTo(uint256,bytes,address)", id, abi.encode(t), other)
            );
        assertTrue(ok, "no way to name another address");
        assertEq(blk.balanceOf(other), 2 * PRICE);
    }
}
