// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";

/// @dev Fuzz tests over amounts, units, bps and times.
contract EscrowFuzzTest is EscrowFixture {
    function testFuzz_UnpledgeRefundsExactly(uint96 price, uint32 units, uint32 back) public {
        IEscrow.Terms memory t = _terms();
        t.maxUnits = 1000;
        t.unitPrice = uint96(bound(price, 1, type(uint96).max / 1000));
        units = uint32(bound(units, 1, 1000));
        back = uint32(bound(back, 1, units));
        uint256 id = _create(t);
        uint256 paid = _pledge(id, t, alice, units, promoter);
        vm.prank(alice);
        escrow.unpledge(id, t, back);
        assertEq(usd.balanceOf(alice), uint256(back) * t.unitPrice);
        assertEq(escrow.backerOf(id, alice).paid, paid - uint256(back) * t.unitPrice);
        assertEq(usd.balanceOf(address(escrow)), paid - uint256(back) * t.unitPrice);
        assertEq(escrow.promoterOf(id, promoter).units, units - back);
    }

    function testFuzz_FailedOrderRefundsExactly(uint96 price, uint32 a, uint32 b) public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = uint96(bound(price, 1, type(uint96).max / 1000));
        t.minUnits = 1000;
        t.maxUnits = 1000;
        a = uint32(bound(a, 1, 499));
        b = uint32(bound(b, 1, 499));
        uint256 id = _create(t);
        uint256 paidA = _pledge(id, t, alice, a, promoter);
        uint256 paidB = _pledge(id, t, bob, b, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, t);
        assertEq(escrow.refund(id, t, alice), paidA);
        assertEq(escrow.refund(id, t, bob), paidB);
        assertEq(usd.balanceOf(alice), paidA);
        assertEq(usd.balanceOf(bob), paidB);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    /// @dev Whatever the price, units, fee, promoter share, splits and milestones, every party's
    /// claims add up to exactly what was funded and the escrow ends empty.
    function testFuzz_PayoutsAddUpToFunded(
        uint96 price,
        uint32 unitsA,
        uint32 unitsB,
        uint16 fee,
        uint16 promoterBps,
        uint16[3] memory splitBps,
        uint8 milestones
    ) public {
        fee = uint16(bound(fee, 0, escrow.MAX_FEE_BPS()));
        vm.prank(governance);
        escrow.setFeeBps(fee);
        IEscrow.Terms memory t = _terms();
        t.unitPrice = uint96(bound(price, 1, 1e24));
        t.minUnits = 1;
        t.maxUnits = 2000;
        t.promoterBps = uint16(bound(promoterBps, 0, 10_000));
        uint256 n = bound(milestones, 1, 8);
        t.milestoneBps = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            t.milestoneBps[i] = uint16(10_000 / n);
        }
        t.milestoneBps[n - 1] += uint16(10_000 % n);
        t.splits = new IEscrow.Split[](3);
        uint256 left = 10_000;
        for (uint256 i; i < 3; ++i) {
            uint256 bps = bound(splitBps[i], 1, left - (2 - i));
            t.splits[i] =
                IEscrow.Split(makeAddr(string.concat("split", vm.toString(i))), uint16(bps));
            left -= bps;
        }
        uint256 id = _create(t);
        uint256 funded = _pledge(id, t, alice, bound(unitsA, 1, 1000), promoter);
        funded += _pledge(id, t, bob, bound(unitsB, 1, 1000), carol);
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, t);
        for (uint256 i; i < n; ++i) {
            _deliverAndRelease(id, t);
            if (i == 0 && escrow.commissionClaimable(id, t, carol) != 0) {
                escrow.claimCommission(id, t, carol);
            }
        }
        address[6] memory parties = [
            seller,
            treasury,
            t.splits[0].recipient,
            t.splits[1].recipient,
            t.splits[2].recipient,
            promoter
        ];
        uint256 total;
        for (uint256 i; i < 5; ++i) {
            if (escrow.claimable(id, t, parties[i]) != 0) escrow.claim(id, t, parties[i]);
        }
        // The order is complete: each promoter's claim closes its position, even at zero.
        escrow.claimCommission(id, t, promoter);
        if (!escrow.promoterOf(id, carol).closed) escrow.claimCommission(id, t, carol);
        assertEq(escrow.promoterPoolOf(id).closed, 2);
        for (uint256 i; i < 6; ++i) {
            total += escrow.balanceOf(address(usd), parties[i]);
        }
        total += escrow.balanceOf(address(usd), carol);
        assertEq(total, funded);
        assertEq(escrow.claimedOf(id, treasury), funded * fee / 10_000);
    }

    /// @dev The cascade of floors keeps every party's entitlement monotone in the released
    /// amount, which is what makes lazy claims safe: nobody can claim at one release more than
    /// what remains theirs at the next. Eight releases and 56 views per run: fewer runs in CI.
    /// forge-config: ci.fuzz.runs = 2500
    function testFuzz_EntitlementsNeverDecrease(
        uint96 price,
        uint32 units,
        uint16 promoterBps,
        uint16[4] memory splitBps
    ) public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = uint96(bound(price, 1, 1e12));
        t.minUnits = 1;
        t.maxUnits = 1000;
        t.promoterBps = uint16(bound(promoterBps, 0, 10_000));
        t.milestoneBps = new uint16[](8);
        for (uint256 i; i < 8; ++i) {
            t.milestoneBps[i] = 1250;
        }
        t.splits = new IEscrow.Split[](4);
        uint256 left = 10_000;
        for (uint256 i; i < 4; ++i) {
            uint256 bps = bound(splitBps[i], 1, left - (3 - i));
            t.splits[i] = IEscrow.Split(address(uint160(0xA000 + i)), uint16(bps));
            left -= bps;
        }
        uint256 id = _create(t);
        _pledge(id, t, alice, bound(units, 1, 999), promoter);
        _pledge(id, t, bob, 1, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, t);
        address[6] memory parties = [
            seller,
            treasury,
            t.splits[0].recipient,
            t.splits[1].recipient,
            t.splits[2].recipient,
            t.splits[3].recipient
        ];
        uint256[6] memory last;
        uint256 lastCommission;
        for (uint256 m; m < 8; ++m) {
            _deliverAndRelease(id, t);
            uint256 sum;
            for (uint256 i; i < 6; ++i) {
                uint256 due = escrow.claimable(id, t, parties[i]);
                assertGe(due, last[i], "entitlement decreased");
                last[i] = due;
                sum += due;
            }
            uint256 commission = escrow.commissionClaimable(id, t, promoter);
            assertGe(commission, lastCommission, "commission decreased");
            lastCommission = commission;
            assertEq(sum + commission, escrow.orderState(id).released, "shares add up");
        }
    }

    function testFuzz_ResolveRefundsAddUpToPool(uint32 a, uint32 b, uint32 c, uint256 refund)
        public
    {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 1_000_003;
        t.minUnits = 3;
        t.maxUnits = 3000;
        uint256 funded = _pledgeThree(t, a, b, c);
        uint256 id = escrow.orderCount();
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, t);
        _deliverAndRelease(id, t);
        vm.prank(alice);
        escrow.dispute(id, t);
        uint256 held = funded - escrow.orderState(id).released;
        refund = bound(refund, 1, held);
        vm.prank(arbiter);
        escrow.resolve(id, t, refund);
        uint256 sum =
            escrow.refund(id, t, alice) + escrow.refund(id, t, bob) + escrow.refund(id, t, carol);
        assertEq(sum, refund);
        assertEq(escrow.orderState(id).released, funded - refund);
    }

    function _pledgeThree(IEscrow.Terms memory t, uint32 a, uint32 b, uint32 c)
        internal
        returns (uint256 funded)
    {
        uint256 id = _create(t);
        funded = _pledge(id, t, alice, bound(a, 1, 1000), address(0));
        funded += _pledge(id, t, bob, bound(b, 1, 1000), promoter);
        funded += _pledge(id, t, carol, bound(c, 1, 1000), address(0));
    }

    function testFuzz_ReleaseOnlyAfterReviewPeriod(uint32 review, uint256 wait) public {
        IEscrow.Terms memory t = _terms();
        t.reviewPeriod = uint32(bound(review, 0, escrow.MAX_REVIEW_PERIOD()));
        uint256 id = _create(t);
        _pledge(id, t, alice, 10, address(0));
        escrow.finalize(id, t);
        _deliver(id, t);
        uint256 endsAt = block.timestamp + t.reviewPeriod;
        wait = bound(wait, 0, 2 * uint256(t.reviewPeriod) + 1);
        vm.warp(block.timestamp + wait);
        if (block.timestamp < endsAt) {
            vm.expectRevert(abi.encodeWithSelector(IEscrow.ReviewPeriodActive.selector, endsAt));
            escrow.release(id, t);
            vm.prank(alice);
            escrow.dispute(id, t);
        } else {
            vm.prank(alice);
            vm.expectRevert(abi.encodeWithSelector(IEscrow.ReviewPeriodOver.selector, endsAt));
            escrow.dispute(id, t);
            escrow.release(id, t);
            assertEq(escrow.orderState(id).released, 30e6);
        }
    }

    function testFuzz_FinalizeOutcome(uint32 units, uint256 wait) public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        units = uint32(bound(units, 1, t.maxUnits));
        _pledge(id, t, alice, units, address(0));
        wait = bound(wait, 0, 14 days);
        vm.warp(block.timestamp + wait);
        if (block.timestamp < t.fundingDeadline && units < t.maxUnits) {
            vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingOpen.selector, id));
            escrow.finalize(id, t);
        } else {
            IEscrow.Status status = escrow.finalize(id, t);
            assertEq(
                uint8(status),
                uint8(units >= t.minUnits ? IEscrow.Status.Active : IEscrow.Status.Failed)
            );
        }
    }

    function testFuzz_SetFeeBpsUnderCap(uint16 fee) public {
        uint256 cap = escrow.MAX_FEE_BPS();
        vm.prank(governance);
        if (fee > cap) {
            vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeTooHigh.selector, fee, 500));
            escrow.setFeeBps(fee);
        } else {
            escrow.setFeeBps(fee);
            assertEq(escrow.feeBps(), fee);
        }
    }

    function testFuzz_RevertWhen_MilestonesDoNotSumToWhole(uint16 a, uint16 b) public {
        vm.assume(uint256(a) + b != 10_000 && a != 0 && b != 0);
        IEscrow.Terms memory t = _terms();
        t.milestoneBps[0] = a;
        t.milestoneBps[1] = b;
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.InvalidTerms.selector, bytes32("milestoneBps"))
        );
        escrow.createOrder(t);
    }
}
