// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {Escrow} from "src/Escrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";
import {BlacklistToken} from "./utils/EscrowTokens.sol";

/// @dev A contract a seller controls: buys units and ends funding in one transaction.
contract MajorityBuyer {
    function buyAndFinalize(
        Escrow escrow,
        uint256 id,
        bytes calldata terms,
        address token,
        uint256 amount,
        uint256 units
    ) external {
        (bool ok,) = token.call(
            abi.encodeWithSignature("approve(address,uint256)", address(escrow), amount)
        );
        require(ok, "approve");
        escrow.pledge(id, terms, units, address(0));
        escrow.finalize(id, terms);
    }

    function approve(Escrow escrow, uint256 id, bytes calldata terms) external {
        escrow.approveMilestone(id, terms);
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
/// fails; on the v1 escrow every one of them failed (the attack succeeded), see the commit that
/// introduced them.
contract EscrowAttacksTest is EscrowFixture {
    /// @dev A seller-controlled contract buys the majority of the units at the last moment and
    /// finalizes in the same transaction; the seller then delivers and approves every milestone
    /// at once. The minority backer must keep its review window: nothing may be released yet.
    function test_Attack_SellerSelfApprovalByLastMinuteMajority() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 3, address(0));
        vm.warp(t.fundingDeadline - 1);
        MajorityBuyer buyer = new MajorityBuyer();
        usd.mint(address(buyer), 7 * PRICE);
        buyer.buyAndFinalize(escrow, id, p, address(usd), 7 * PRICE, 7);
        for (uint256 i; i < t.milestones.length; ++i) {
            try this.deliverAs(seller, id, p) {} catch {}
            try buyer.approve(escrow, id, p) {} catch {}
        }
        assertEq(_released(id, t), 0, "minority's review window skipped");
        // And the minority can still dispute within its window.
        _dispute(id, t, alice);
        assertEq(uint8(_state(id).milestoneState), uint8(IEscrow.MilestoneState.Disputed));
    }

    function deliverAs(address who, uint256 id, bytes calldata p) external {
        vm.prank(who);
        escrow.deliverMilestone(id, p, keccak256("junk"));
    }

    /// @dev A backer holding one unit worth one wei disputes and the arbiter never acts. Past
    /// every deadline, the other backers must be able to get back what is held without anyone's
    /// cooperation.
    function test_Attack_OneUnitDisputeFreezesOrderForever() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 1;
        t.minUnits = 1;
        t.maxUnits = 1_000_000;
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, bob, 999_999, address(0));
        _pledge(id, t, carol, 1, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        uint256 bond = _dispute(id, t, carol);
        vm.warp(block.timestamp + 3650 days);
        escrow.ruleByDefault(id, p);
        escrow.refund(id, p, bob, bob);
        assertEq(usd.balanceOf(bob), 999_999, "bob's money is frozen");
        // The default ruling upheld the dispute: the troll gets its bond back, nothing more.
        assertEq(escrow.balanceOf(address(usd), carol), bond);
    }

    /// @dev A dispute of a milestone that was never delivered is a non-delivery claim; it must
    /// wait for the delivery deadline, not freeze the order at once.
    function test_Attack_DisputeBeforeAnyDelivery() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.WrongMilestoneState.selector, id, IEscrow.MilestoneState.Pending
            )
        );
        escrow.dispute(id, p, "The wool is not as promised.");
        // Non-delivery ends by the delivery deadline instead.
        vm.warp(block.timestamp + DELIVERY);
        escrow.expire(id, p);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Expired));
    }

    /// @dev A one-unit troll disputes a delivered milestone for free: a dispute must cost a bond.
    function test_Attack_OneUnitTrollDisputesForFree() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 1;
        t.minUnits = 1;
        t.maxUnits = 1_000_000;
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, bob, 999_999, address(0));
        _pledge(id, t, carol, 1, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        uint256 before = usd.balanceOf(address(escrow));
        vm.prank(carol);
        try escrow.dispute(id, p, "The wool is not as promised.") {} catch {}
        bool disputed = _state(id).milestoneState == IEscrow.MilestoneState.Disputed;
        assertTrue(!disputed || usd.balanceOf(address(escrow)) > before, "free dispute");
        // With the bond (5 % of the 300 000-wei milestone) the dispute opens.
        uint256 bond = _dispute(id, t, carol);
        assertEq(bond, 15_000);
        assertEq(usd.balanceOf(address(escrow)), before + bond);
    }

    /// @dev The arbiter resolves a dispute of a milestone that was never delivered by releasing
    /// everything to the seller side: no ruling may release undelivered work.
    function test_Attack_RulingPaysUndeliveredWork() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.prank(bob);
        try escrow.dispute(id, p, "The wool is not as promised.") {} catch {}
        vm.prank(arbiter);
        try escrow.rule(id, p, 100e6, true) {} catch {}
        assertEq(_released(id, t), 0, "undelivered work paid");
        // Even on a delivered, disputed milestone the ruling releases at most its amount.
        _deliver(id, t);
        _dispute(id, t, bob);
        vm.prank(arbiter);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ReleaseTooHigh.selector, 30e6 + 1, 30e6));
        escrow.rule(id, p, 30e6 + 1, true);
    }

    /// @dev Anyone creates an order naming a victim as seller, with the attacker's own arbiter.
    function test_Attack_OrderInSomeoneElsesName() public {
        IEscrow.Terms memory t = _terms();
        t.arbiter = makeAddr("attacker's arbiter");
        address attacker = makeAddr("attacker");
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotSeller.selector, attacker, seller));
        escrow.createOrder(_pack(t));
        // Nor with a signature the seller did not make.
        (, uint256 attackerKey) = makeAddrAndKey("attacker");
        bytes32 digest = verifier.digest(address(escrow), _pack(t));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(attackerKey, digest);
        vm.prank(attacker);
        vm.expectRevert(IEscrow.InvalidSignature.selector);
        escrow.createOrderFor(_pack(t), abi.encodePacked(r, s, v));
    }

    /// @dev A backer names itself as its promoter and earns commission on its own pledge.
    function test_Attack_SelfReferral() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _fund(address(usd), alice, PRICE);
        bytes memory p = _pack(t);
        vm.prank(alice);
        vm.expectRevert(IEscrow.SelfReferral.selector);
        escrow.pledge(id, p, 1, alice);
    }

    /// @dev A split recipient buys the majority and approves its own payout at once.
    function test_Attack_SplitRecipientApprovesOwnPayout() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 4, address(0));
        _pledge(id, t, partner, 6, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        vm.prank(partner);
        try escrow.approveMilestone(id, p) {} catch {}
        assertEq(_released(id, t), 0, "split recipient skipped the review");
    }

    /// @dev The arbiter backs the order with one unit, disputes, and rules on its own dispute.
    function test_Attack_ArbiterDisputesAndRulesOnOwnDispute() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 9, address(0));
        _pledge(id, t, arbiter, 1, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        _fund(address(usd), arbiter, 10e6);
        vm.prank(arbiter);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoWeight.selector, arbiter));
        escrow.dispute(id, p, "The wool is not as promised.");
    }

    /// @dev A promoter backs the order and approves the release its commission depends on.
    function test_Attack_PromoterApprovesOwnCommission() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 4, promoter);
        _pledge(id, t, promoter, 6, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        vm.prank(promoter);
        try escrow.approveMilestone(id, p) {} catch {}
        assertEq(_released(id, t), 0, "promoter skipped the review");
        assertEq(lens.weightOf(id, p, promoter), 0);
        assertEq(_state(id).weightedUnits, 4);
    }

    /// @dev A review period of zero lets the seller deliver and release in the same block.
    function test_Attack_ZeroReviewPeriodSkipsReview() public {
        IEscrow.Terms memory t = _terms();
        t.reviewPeriod = 0;
        bytes memory p = _pack(t);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.InvalidTerms.selector, bytes32("reviewPeriod"))
        );
        escrow.createOrder(p);
    }

    /// @dev A backer that unpledged everything is still tied to its first promoter.
    function test_Attack_PromoterStaysAfterFullUnpledge() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, promoter);
        bytes memory p = _pack(t);
        vm.prank(alice);
        escrow.unpledge(id, p, 2);
        _pledge(id, t, alice, 2, carol);
        assertEq(lens.participantOf(id, alice).promoter, carol, "old promoter kept");
        assertEq(lens.participantOf(id, promoter).promoted, 0);
        assertEq(_state(id).promoterCount, 1);
    }

    /// @dev `pledgeWithPermit` calls `permit` on whatever token the caller's terms name before
    /// it checks the terms: an arbitrary external call made by the escrow.
    function test_Attack_PermitCalledBeforeTermsCheck() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        PermitSpy spy = new PermitSpy();
        t.token = address(spy);
        bytes memory p = _pack(t);
        vm.expectCall(address(spy), abi.encodeWithSelector(PermitSpy.permit.selector), 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, id));
        escrow.pledgeWithPermit(id, p, 1, address(0), block.timestamp, 27, bytes32(0), bytes32(0));
    }

    /// @dev A backer blacklisted by the token cannot take its refund to any other address.
    function test_Attack_BlacklistedBackerRefundStuck() public {
        BlacklistToken blk = new BlacklistToken();
        _allow(address(blk));
        IEscrow.Terms memory t = _terms();
        t.token = address(blk);
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 2, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, p);
        blk.setBlacklisted(alice, true);
        address other = makeAddr("alice's other wallet");
        vm.prank(alice);
        (bool ok,) = address(escrow).call(abi.encodeCall(IEscrow.refund, (id, p, alice, other)));
        assertTrue(ok, "no way to name another address");
        assertEq(blk.balanceOf(other), 2 * PRICE);
    }
}
