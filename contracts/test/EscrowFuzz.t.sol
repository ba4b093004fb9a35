// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";
import {TermsLib} from "./utils/TermsLib.sol";

/// @dev Fuzz tests over amounts, units, bps, rulings and times.
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
        escrow.unpledge(id, _pack(t), back);
        assertEq(usd.balanceOf(alice), uint256(back) * t.unitPrice);
        assertEq(lens.participantOf(id, alice).units, units - back);
        assertEq(usd.balanceOf(address(escrow)), paid - uint256(back) * t.unitPrice);
        assertEq(lens.participantOf(id, promoter).promoted, units - back);
    }

    function testFuzz_FailedOrderRefundsExactly(uint96 price, uint32 a, uint32 b) public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = uint96(bound(price, 1, type(uint96).max / 1000));
        t.minUnits = 1000;
        t.maxUnits = 1000;
        a = uint32(bound(a, 1, 499));
        b = uint32(bound(b, 1, 499));
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        uint256 paidA = _pledge(id, t, alice, a, promoter);
        uint256 paidB = _pledge(id, t, bob, b, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, p);
        assertEq(escrow.refund(id, p, alice, alice), paidA);
        assertEq(escrow.refund(id, p, bob, bob), paidB);
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
        t.feeBps = fee;
        t.unitPrice = uint96(bound(price, 1, 1e24));
        t.minUnits = 1;
        t.maxUnits = 2000;
        t.promoterBps = uint16(bound(promoterBps, 0, 10_000));
        uint256 n = bound(milestones, 1, 8);
        t.milestones = TermsLib.milestones(n, DELIVERY);
        t.splits = _threeSplits(splitBps);
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        uint256 funded = _pledge(id, t, alice, bound(unitsA, 1, 1000), promoter);
        funded += _pledge(id, t, bob, bound(unitsB, 1, 1000), carol);
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, p);
        for (uint256 i; i < n; ++i) {
            _deliverAndRelease(id, t);
            if (i == 0 && lens.commissionClaimable(id, p, carol) != 0) {
                escrow.claimCommission(id, p, carol);
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
            if (lens.claimable(id, p, parties[i]) != 0) escrow.claim(id, p, parties[i]);
        }
        // The order is complete: each promoter's claim closes its position, even at zero.
        escrow.claimCommission(id, p, promoter);
        if (!lens.participantOf(id, carol).closed) escrow.claimCommission(id, p, carol);
        assertEq(lens.promoterPoolOf(id).closed, 2);
        for (uint256 i; i < 6; ++i) {
            total += escrow.balanceOf(address(usd), parties[i]);
        }
        total += escrow.balanceOf(address(usd), carol);
        assertEq(total, funded);
        assertEq(lens.claimedOf(id, treasury), funded * fee / 10_000);
    }

    function _threeSplits(uint16[3] memory splitBps)
        internal
        returns (IEscrow.Split[] memory splits)
    {
        splits = new IEscrow.Split[](3);
        uint256 left = 10_000;
        for (uint256 i; i < 3; ++i) {
            uint256 bps = bound(splitBps[i], 1, left - (2 - i));
            splits[i] = IEscrow.Split(makeAddr(string.concat("split", vm.toString(i))), uint16(bps));
            left -= bps;
        }
    }

    /// @dev The cascade of floors keeps every party's entitlement monotone in the released
    /// amount, which is what makes lazy claims safe: nobody can claim at one release more than
    /// what remains theirs at the next. Eight releases and 56 views per run: fewer runs in CI.
    /// forge-config: ci.fuzz.runs = 2000
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
        t.milestones = TermsLib.milestones(8, DELIVERY);
        t.splits = new IEscrow.Split[](4);
        uint256 left = 10_000;
        for (uint256 i; i < 4; ++i) {
            uint256 bps = bound(splitBps[i], 1, left - (3 - i));
            t.splits[i] = IEscrow.Split(address(uint160(0xA000 + i)), uint16(bps));
            left -= bps;
        }
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, bound(units, 1, 999), promoter);
        _pledge(id, t, bob, 1, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, p);
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
                uint256 due = lens.claimable(id, p, parties[i]);
                assertGe(due, last[i], "entitlement decreased");
                last[i] = due;
                sum += due;
            }
            uint256 commission = lens.commissionClaimable(id, p, promoter);
            assertGe(commission, lastCommission, "commission decreased");
            lastCommission = commission;
            assertEq(sum + commission, lens.releasedOf(id, p), "shares add up");
        }
    }

    /// @dev A ruling on a delivered milestone releases at most that milestone's amount; what it
    /// withholds and what was never delivered go back to backers, to the last unit.
    function testFuzz_RulingRefundsAddUpToWhatWasNotReleased(
        uint32 a,
        uint32 b,
        uint32 c,
        uint256 releaseAmount,
        bool endOrder
    ) public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = 1_000_003;
        t.minUnits = 3;
        t.maxUnits = 3000;
        uint256 funded = _pledgeThree(t, a, b, c);
        uint256 id = escrow.orderCount();
        bytes memory p = _pack(t);
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, p);
        _deliverAndRelease(id, t);
        _deliver(id, t);
        _dispute(id, t, alice);
        uint256 amount = lens.milestoneAmount(id, p, 1);
        uint256 before = lens.releasedOf(id, p);
        releaseAmount = bound(releaseAmount, 0, amount);
        vm.prank(arbiter);
        escrow.rule(id, p, releaseAmount, endOrder);
        uint256 released = lens.releasedOf(id, p);
        assertEq(released, before + releaseAmount);
        assertLe(released, funded);
        if (released == funded) {
            // The last milestone was released in full: nothing is left to take back.
            vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, alice));
            escrow.refund(id, p, alice, alice);
            return;
        }
        uint256 sum = escrow.refund(id, p, alice, alice) + escrow.refund(id, p, bob, bob)
            + escrow.refund(id, p, carol, carol);
        assertEq(sum, funded - released);
    }

    /// @dev Whatever the delays, every order ends without the arbiter: past each deadline anyone
    /// triggers the default, and backers get back everything that was not released.
    function testFuzz_EveryOrderEndsWithoutTheArbiter(uint8 delivered, uint8 path, uint32 wait)
        public
    {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        uint256 releases = bound(delivered, 0, 1);
        for (uint256 i; i < releases; ++i) {
            _deliverAndRelease(id, t);
        }
        uint256 kind = bound(path, 0, 2);
        if (kind == 1) {
            _deliver(id, t);
        } else if (kind == 2) {
            _deliver(id, t);
            _dispute(id, t, bob);
        }
        vm.warp(block.timestamp + bound(wait, 0, 400 days));
        // The permissionless ending: each call is the default of a deadline that passed.
        for (uint256 step; step < 4 && _status(id) == IEscrow.Status.Active; ++step) {
            IEscrow.OrderState memory s = _state(id);
            if (block.timestamp < lens.deadlineOf(id, p)) vm.warp(lens.deadlineOf(id, p));
            if (s.milestoneState == IEscrow.MilestoneState.Pending) escrow.expire(id, p);
            else if (s.milestoneState == IEscrow.MilestoneState.Delivered) escrow.release(id, p);
            else escrow.ruleByDefault(id, p);
        }
        IEscrow.Status status = _status(id);
        assertTrue(
            status == IEscrow.Status.Completed || status == IEscrow.Status.Resolved
                || status == IEscrow.Status.Expired,
            "not ended"
        );
        uint256 left = 100e6 - lens.releasedOf(id, p);
        uint256 back;
        if (left != 0) back = escrow.refund(id, p, alice, alice) + escrow.refund(id, p, bob, bob);
        assertEq(back, left);
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
        t.reviewPeriod =
            uint32(bound(review, escrow.MIN_REVIEW_PERIOD(), escrow.MAX_REVIEW_PERIOD()));
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 10, address(0));
        escrow.finalize(id, p);
        _deliver(id, t);
        uint256 endsAt = block.timestamp + t.reviewPeriod;
        wait = bound(wait, 0, 2 * uint256(t.reviewPeriod) + 1);
        vm.warp(block.timestamp + wait);
        if (block.timestamp < endsAt) {
            vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlineNotReached.selector, endsAt));
            escrow.release(id, p);
            _dispute(id, t, alice);
        } else {
            _fund(address(usd), alice, 10e6);
            vm.prank(alice);
            vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlinePassed.selector, endsAt));
            escrow.dispute(id, p, "The wool is not as promised.");
            escrow.release(id, p);
            assertEq(lens.releasedOf(id, p), 30e6);
        }
    }

    function testFuzz_FinalizeOutcome(uint32 units, uint256 wait) public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        units = uint32(bound(units, 1, t.maxUnits));
        _pledge(id, t, alice, units, address(0));
        wait = bound(wait, 0, 14 days);
        vm.warp(block.timestamp + wait);
        if (block.timestamp < t.fundingDeadline && units < t.maxUnits) {
            vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingOpen.selector, id));
            escrow.finalize(id, p);
        } else {
            IEscrow.Status status = escrow.finalize(id, p);
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
        t.milestones[0].bps = a;
        t.milestones[1].bps = b;
        bytes memory p = _pack(t);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.InvalidTerms.selector, bytes32("milestoneBps"))
        );
        escrow.createOrder(p);
    }

    /// @dev Packing and unpacking are inverse, and the contract's packing is the test's.
    function testFuzz_PackTermsRoundTrips(
        address sellerAddr,
        uint96 price,
        uint32 minUnits,
        uint40 deadline,
        uint8 n,
        uint8 m,
        bytes32 metadata
    ) public view {
        IEscrow.Terms memory t = _terms();
        t.seller = sellerAddr;
        t.unitPrice = price;
        t.minUnits = minUnits;
        t.fundingDeadline = deadline;
        t.metadataHash = metadata;
        t.milestones = TermsLib.milestones(bound(n, 1, 8), uint32(uint256(metadata)));
        t.splits = new IEscrow.Split[](bound(m, 0, 5));
        for (uint256 j; j < t.splits.length; ++j) {
            t.splits[j] = IEscrow.Split(address(uint160(uint256(metadata) >> j)), uint16(j + 1));
        }
        bytes memory p = lens.packTerms(t);
        assertEq(p, TermsLib.pack(t));
        assertEq(abi.encode(lens.unpackTerms(p)), abi.encode(t));
        // The seller signs the typed struct; the verifier hashes the packed bytes the same way.
        assertEq(
            verifier.digest(address(escrow), p),
            keccak256(
                abi.encodePacked(
                    hex"1901", verifier.domainSeparator(address(escrow)), TermsLib.structHash(t)
                )
            )
        );
    }
}
