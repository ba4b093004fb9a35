// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Escrow} from "src/Escrow.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {ITermsVerifier} from "src/interfaces/ITermsVerifier.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";
import {TermsLib} from "./utils/TermsLib.sol";

/// @dev A contract wallet (EIP-1271) that accepts one digest, as a multisig would.
contract WalletSeller is IERC1271 {
    bytes32 public approvedDigest;

    function approve(bytes32 digest) external {
        approvedDigest = digest;
    }

    function isValidSignature(bytes32 hash, bytes memory) external view returns (bytes4) {
        return hash == approvedDigest ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}

/// @dev Unit tests of order creation and funding: every flow and every revert.
contract EscrowTest is EscrowFixture {
    // ------------------------------------------------------------ constructor

    function test_Constructor_SetsImmutables() public view {
        assertEq(escrow.governance(), governance);
        assertEq(escrow.treasury(), treasury);
        assertEq(address(escrow.verifier()), address(verifier));
        assertEq(escrow.feeBps(), FEE_BPS);
        assertEq(escrow.bootstrap(), address(0));
        assertFalse(escrow.paused());
        assertEq(escrow.orderCount(), 0);
    }

    function test_RevertWhen_ConstructorZeroGovernance() public {
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        new Escrow(address(0), treasury, 0, verifier, address(0));
    }

    function test_RevertWhen_ConstructorZeroTreasury() public {
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        new Escrow(governance, address(0), 0, verifier, address(0));
    }

    function test_RevertWhen_ConstructorZeroVerifier() public {
        vm.expectRevert(IEscrow.ZeroAddress.selector);
        new Escrow(governance, treasury, 0, ITermsVerifier(address(0)), address(0));
    }

    function test_RevertWhen_ConstructorFeeTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeTooHigh.selector, 501, 500));
        new Escrow(governance, treasury, 501, verifier, address(0));
    }

    // --------------------------------------------------------------- allowlist

    function test_Bootstrap_AllowsTokensThenRenounces() public {
        address boot = makeAddr("boot");
        Escrow e = new Escrow(governance, treasury, 0, verifier, boot);
        assertEq(e.bootstrap(), boot);
        vm.expectEmit(address(e));
        emit IEscrow.TokenAllowed(address(usd), true);
        vm.prank(boot);
        e.setTokenAllowed(address(usd), true);
        assertTrue(e.isTokenAllowed(address(usd)));
        vm.expectEmit(address(e));
        emit IEscrow.BootstrapRenounced(boot);
        vm.prank(boot);
        e.renounceBootstrap();
        assertEq(e.bootstrap(), address(0));
        vm.prank(boot);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, boot));
        e.setTokenAllowed(address(0), true);
        vm.prank(boot);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, boot));
        e.renounceBootstrap();
    }

    function test_RevertWhen_RenounceWithoutBootstrap() public {
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, governance));
        escrow.renounceBootstrap();
    }

    function test_RevertWhen_AllowTokenByOtherThanGovernance() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlyGovernance.selector, alice));
        escrow.setTokenAllowed(address(usd), false);
    }

    function test_Allowlist_RemovalStopsNewOrdersOnly() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        vm.expectEmit(address(escrow));
        emit IEscrow.TokenAllowed(address(usd), false);
        vm.prank(governance);
        escrow.setTokenAllowed(address(usd), false);
        vm.prank(seller);
        bytes memory p = _pack(t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TokenNotAllowed.selector, address(usd)));
        escrow.createOrder(p);
        // The running order runs to its end.
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Completed));
    }

    // ----------------------------------------------------------------- create

    function test_CreateOrder_StoresHashAndEmitsTerms() public {
        IEscrow.Terms memory t = _terms();
        bytes memory p = _pack(t);
        vm.expectEmit(address(escrow));
        emit IEscrow.OrderCreated(1, seller, address(usd), seller, p);
        uint256 id = _create(t);
        assertEq(id, 1);
        assertEq(lens.termsHashOf(id), keccak256(p));
        assertEq(lens.hashTerms(p), keccak256(p));
        assertEq(escrow.orderCount(), 1);
        IEscrow.OrderState memory s = _state(id);
        assertEq(uint8(s.status), uint8(IEscrow.Status.Funding));
        assertEq(s.since, block.timestamp);
        assertEq(lens.deadlineOf(id, p), t.fundingDeadline);
        assertEq(_create(t), 2);
    }

    function test_PackTerms_MatchesTestEncodingAndRoundTrips() public view {
        IEscrow.Terms memory t = _terms();
        t.soleBuyer = carol;
        bytes memory p = lens.packTerms(t);
        assertEq(p, _pack(t));
        assertEq(p.length, 153 + 6 * 2 + 22 * 1);
        assertEq(abi.encode(lens.unpackTerms(p)), abi.encode(t));
    }

    function test_RevertWhen_CreateBySomeoneElse() public {
        bytes memory p = _pack(_terms());
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotSeller.selector, alice, seller));
        escrow.createOrder(p);
    }

    function test_RevertWhen_CreateWhilePaused() public {
        vm.prank(governance);
        escrow.pause();
        bytes memory p = _pack(_terms());
        vm.prank(seller);
        vm.expectRevert(IEscrow.Paused.selector);
        escrow.createOrder(p);
    }

    function test_RevertWhen_CreateWithStaleFee() public {
        IEscrow.Terms memory t = _terms();
        t.feeBps = 100;
        bytes memory p = _pack(t);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeMismatch.selector, 100, FEE_BPS));
        escrow.createOrder(p);
    }

    function test_RevertWhen_CreateInTokenNotAllowed() public {
        IEscrow.Terms memory t = _terms();
        t.token = makeAddr("unknown token");
        bytes memory p = _pack(t);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TokenNotAllowed.selector, t.token));
        escrow.createOrder(p);
    }

    function _expectInvalid(IEscrow.Terms memory t, bytes32 reason) internal {
        _expectInvalidPacked(t.seller, _pack(t), reason);
    }

    function _expectInvalidPacked(address from, bytes memory p, bytes32 reason) internal {
        vm.prank(from);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidTerms.selector, reason));
        escrow.createOrder(p);
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

    function test_RevertWhen_CreateWithMinAboveMax() public {
        IEscrow.Terms memory t = _terms();
        t.minUnits = 11;
        _expectInvalid(t, "units");
    }

    function test_RevertWhen_CreateWithOrderTotalAbove96Bits() public {
        IEscrow.Terms memory t = _terms();
        t.unitPrice = type(uint96).max;
        t.maxUnits = 2;
        t.minUnits = 1;
        _expectInvalid(t, "maxAmount");
    }

    function test_RevertWhen_CreateWithPastDeadline() public {
        IEscrow.Terms memory t = _terms();
        t.fundingDeadline = uint40(block.timestamp);
        _expectInvalid(t, "fundingDeadline");
    }

    function test_RevertWhen_CreateWithFundingBeyondMaximum() public {
        IEscrow.Terms memory t = _terms();
        t.fundingDeadline = uint40(block.timestamp + escrow.MAX_FUNDING_PERIOD() + 1);
        _expectInvalid(t, "fundingDeadline");
    }

    function test_RevertWhen_CreateWithShortReviewPeriod() public {
        IEscrow.Terms memory t = _terms();
        t.reviewPeriod = uint32(escrow.MIN_REVIEW_PERIOD() - 1);
        _expectInvalid(t, "reviewPeriod");
    }

    function test_RevertWhen_CreateWithLongReviewPeriod() public {
        IEscrow.Terms memory t = _terms();
        t.reviewPeriod = uint32(escrow.MAX_REVIEW_PERIOD() + 1);
        _expectInvalid(t, "reviewPeriod");
    }

    function test_RevertWhen_CreateWithShortRulingPeriod() public {
        IEscrow.Terms memory t = _terms();
        t.rulingPeriod = uint32(escrow.MIN_RULING_PERIOD() - 1);
        _expectInvalid(t, "rulingPeriod");
    }

    function test_RevertWhen_CreateWithLongRulingPeriod() public {
        IEscrow.Terms memory t = _terms();
        t.rulingPeriod = uint32(escrow.MAX_RULING_PERIOD() + 1);
        _expectInvalid(t, "rulingPeriod");
    }

    function test_RevertWhen_CreateWithBondOutOfRange() public {
        IEscrow.Terms memory t = _terms();
        t.bondBps = uint16(escrow.MIN_BOND_BPS() - 1);
        _expectInvalid(t, "bondBps");
        t.bondBps = uint16(escrow.MAX_BOND_BPS() + 1);
        _expectInvalid(t, "bondBps");
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

    function test_RevertWhen_CreateWithArbiterInSplits() public {
        IEscrow.Terms memory t = _terms();
        t.splits[0].recipient = arbiter;
        _expectInvalid(t, "arbiter");
    }

    function test_RevertWhen_CreateWithSellerOrArbiterAsSoleBuyer() public {
        IEscrow.Terms memory t = _terms();
        t.soleBuyer = seller;
        _expectInvalid(t, "soleBuyer");
        t.soleBuyer = arbiter;
        _expectInvalid(t, "soleBuyer");
    }

    function test_RevertWhen_CreateWithSoleBuyerInSplits() public {
        IEscrow.Terms memory t = _terms();
        t.soleBuyer = partner;
        _expectInvalid(t, "soleBuyer");
    }

    function test_RevertWhen_CreateWithoutMilestones() public {
        IEscrow.Terms memory t = _terms();
        t.milestones = new IEscrow.Milestone[](0);
        _expectInvalid(t, "milestoneCount");
    }

    function test_RevertWhen_CreateWithTooManyMilestones() public {
        IEscrow.Terms memory t = _terms();
        t.milestones = TermsLib.milestones(9, DELIVERY);
        _expectInvalid(t, "milestoneCount");
    }

    function test_RevertWhen_CreateWithZeroMilestone() public {
        IEscrow.Terms memory t = _terms();
        t.milestones[0].bps = 0;
        t.milestones[1].bps = 10_000;
        _expectInvalid(t, "milestoneBps");
    }

    function test_RevertWhen_CreateWithMilestonesNotSummingToWhole() public {
        IEscrow.Terms memory t = _terms();
        t.milestones[1].bps = 6999;
        _expectInvalid(t, "milestoneBps");
    }

    function test_RevertWhen_CreateWithDeliveryPeriodOutOfRange() public {
        IEscrow.Terms memory t = _terms();
        t.milestones[1].deliveryPeriod = uint32(escrow.MIN_DELIVERY_PERIOD() - 1);
        _expectInvalid(t, "deliveryPeriod");
        t.milestones[1].deliveryPeriod = uint32(escrow.MAX_DELIVERY_PERIOD() + 1);
        _expectInvalid(t, "deliveryPeriod");
    }

    function test_RevertWhen_CreateWithTooManySplits() public {
        IEscrow.Terms memory t = _terms();
        t.splits = new IEscrow.Split[](6);
        for (uint256 i; i < 6; ++i) {
            t.splits[i] = IEscrow.Split(address(uint160(0x100 + i)), 1);
        }
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

    function test_RevertWhen_CreateWithMalformedLength() public {
        bytes memory p = _pack(_terms());
        // Too short for the header.
        _expectInvalidPacked(seller, _slice(p, 100), "length");
        // The header, but the split count is missing.
        _expectInvalidPacked(seller, _slice(p, 164), "length");
        // One byte too many.
        _expectInvalidPacked(seller, bytes.concat(p, hex"00"), "length");
        // One byte short.
        _expectInvalidPacked(seller, _slice(p, p.length - 1), "length");
    }

    function test_RevertWhen_UnpackTermsMalformed() public {
        bytes memory p = _pack(_terms());
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidTerms.selector, bytes32("length")));
        lens.unpackTerms(_slice(p, p.length - 1));
    }

    function _slice(bytes memory p, uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            out[i] = p[i];
        }
    }

    // ------------------------------------------------------------ signed terms

    function _signed(uint256 key, bytes memory p) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, verifier.digest(address(escrow), p));
        return abi.encodePacked(r, s, v);
    }

    function test_CreateOrderFor_SellerSignedTerms() public {
        (address signer, uint256 key) = makeAddrAndKey("signer");
        IEscrow.Terms memory t = _terms();
        t.seller = signer;
        bytes memory p = _pack(t);
        bytes32 digest = verifier.digest(address(escrow), p);
        assertEq(lens.termsDigest(p), digest);
        assertEq(
            digest,
            keccak256(
                abi.encodePacked(
                    hex"1901", verifier.domainSeparator(address(escrow)), TermsLib.structHash(t)
                )
            )
        );
        bytes memory sig = _signed(key, p);
        vm.expectEmit(address(escrow));
        emit IEscrow.OrderCreated(1, signer, address(usd), carol, p);
        vm.prank(carol);
        uint256 id = escrow.createOrderFor(p, sig);
        assertEq(lens.termsHashOf(id), keccak256(p));
        assertTrue(lens.signatureUsed(digest));
        // One signature, one order.
        vm.expectRevert(abi.encodeWithSelector(IEscrow.SignatureUsed.selector, digest));
        escrow.createOrderFor(p, sig);
    }

    function test_CreateOrderFor_ContractWalletSeller() public {
        WalletSeller wallet = new WalletSeller();
        IEscrow.Terms memory t = _terms();
        t.seller = address(wallet);
        bytes memory p = _pack(t);
        vm.expectRevert(IEscrow.InvalidSignature.selector);
        escrow.createOrderFor(p, "");
        wallet.approve(verifier.digest(address(escrow), p));
        uint256 id = escrow.createOrderFor(p, "");
        assertEq(lens.termsHashOf(id), keccak256(p));
    }

    function test_RevokeTerms_BlocksTheSignature() public {
        (address signer, uint256 key) = makeAddrAndKey("signer");
        IEscrow.Terms memory t = _terms();
        t.seller = signer;
        bytes memory p = _pack(t);
        bytes memory sig = _signed(key, p);
        bytes32 digest = verifier.digest(address(escrow), p);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlySeller.selector, alice));
        escrow.revokeTerms(p);
        vm.expectEmit(address(escrow));
        emit IEscrow.TermsRevoked(signer, digest);
        vm.prank(signer);
        escrow.revokeTerms(p);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.SignatureUsed.selector, digest));
        escrow.createOrderFor(p, sig);
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.SignatureUsed.selector, digest));
        escrow.revokeTerms(p);
    }

    function test_RevertWhen_SignatureForOtherEscrowOrChain() public {
        (address signer, uint256 key) = makeAddrAndKey("signer");
        IEscrow.Terms memory t = _terms();
        t.seller = signer;
        bytes memory p = _pack(t);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, verifier.digest(address(lens), p));
        vm.expectRevert(IEscrow.InvalidSignature.selector);
        escrow.createOrderFor(p, abi.encodePacked(r, s, v));
        bytes memory sig = _signed(key, p);
        vm.chainId(1);
        vm.expectRevert(IEscrow.InvalidSignature.selector);
        escrow.createOrderFor(p, sig);
    }

    // ----------------------------------------------------------------- pledge

    function test_Pledge_RecordsBackerPromoterAndWeight() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _fund(address(usd), alice, 30e6);
        vm.expectEmit(address(escrow));
        emit IEscrow.Pledged(id, alice, promoter, 3, 30e6, 3);
        vm.prank(alice);
        escrow.pledge(id, p, 3, promoter);

        IEscrow.Participant memory b = lens.participantOf(id, alice);
        assertEq(b.units, 3);
        assertEq(b.promoter, promoter);
        assertEq(lens.participantOf(id, promoter).promoted, 3);
        IEscrow.OrderState memory s = _state(id);
        assertEq(s.unitsPledged, 3);
        assertEq(s.weightedUnits, 3);
        assertEq(s.backerCount, 1);
        assertEq(s.promotedUnits, 3);
        assertEq(s.promoterCount, 1);
        assertEq(lens.weightOf(id, p, alice), 3);
        assertEq(usd.balanceOf(address(escrow)), 30e6);
    }

    function test_Pledge_PromoterFixedAtFirstPledge() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, promoter);
        _pledge(id, t, alice, 2, carol); // ignored: alice already has a promoter
        assertEq(lens.participantOf(id, alice).promoter, promoter);
        assertEq(lens.participantOf(id, promoter).promoted, 3);
        assertEq(lens.participantOf(id, carol).promoted, 0);
        _pledge(id, t, bob, 1, address(0));
        _pledge(id, t, bob, 1, carol); // ignored: bob's first pledge named nobody
        assertEq(lens.participantOf(id, bob).promoter, address(0));
        IEscrow.OrderState memory s = _state(id);
        assertEq(s.backerCount, 2);
        assertEq(s.promotedUnits, 3);
        assertEq(s.promoterCount, 1);
    }

    function test_Pledge_RolesPledgeWithoutWeight() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, seller, 1, address(0));
        _pledge(id, t, partner, 2, address(0));
        _pledge(id, t, arbiter, 3, address(0));
        _pledge(id, t, alice, 4, address(0));
        IEscrow.OrderState memory s = _state(id);
        assertEq(s.unitsPledged, 10);
        assertEq(s.weightedUnits, 4);
        assertEq(lens.weightOf(id, p, seller), 0);
        assertEq(lens.weightOf(id, p, partner), 0);
        assertEq(lens.weightOf(id, p, arbiter), 0);
        assertEq(lens.weightOf(id, p, alice), 4);
    }

    function test_Pledge_PromoterPledgesWithoutWeight() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 2, promoter);
        _pledge(id, t, promoter, 3, address(0));
        assertEq(_state(id).weightedUnits, 2);
        assertEq(lens.weightOf(id, p, promoter), 0);
        // Once nobody it brought holds units, the promoter's own units regain their weight.
        vm.expectEmit(address(escrow));
        emit IEscrow.Unpledged(id, alice, promoter, 2, 20e6, 3);
        vm.prank(alice);
        escrow.unpledge(id, p, 2);
        assertEq(_state(id).weightedUnits, 3);
        assertEq(_state(id).promoterCount, 0);
        assertEq(lens.weightOf(id, p, promoter), 3);
    }

    function test_Pledge_Native() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        assertEq(address(escrow).balance, 2 * PRICE);
        assertEq(lens.participantOf(id, alice).units, 2);
    }

    function test_RevertWhen_PledgeSelfReferral() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _fund(address(usd), alice, PRICE);
        vm.prank(alice);
        vm.expectRevert(IEscrow.SelfReferral.selector);
        escrow.pledge(id, p, 1, alice);
    }

    function test_RevertWhen_PledgeNamingARoleAsPromoter() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _fund(address(usd), alice, PRICE);
        address[4] memory roles = [seller, partner, arbiter, treasury];
        for (uint256 i; i < roles.length; ++i) {
            vm.prank(alice);
            vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidPromoter.selector, roles[i]));
            escrow.pledge(id, p, 1, roles[i]);
        }
    }

    function test_RevertWhen_PledgeNamingAWeightedBackerAsPromoter() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, bob, 1, address(0));
        _fund(address(usd), alice, PRICE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.PromoterIsBacker.selector, bob));
        escrow.pledge(id, p, 1, bob);
    }

    function test_RevertWhen_PledgeWithWrongTerms() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        t.unitPrice = 1;
        bytes memory p = _pack(t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, id));
        escrow.pledge(id, p, 1, address(0));
    }

    function test_RevertWhen_PledgeUnknownOrder() public {
        bytes memory p = _pack(_terms());
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, 7));
        escrow.pledge(7, p, 1, address(0));
    }

    function test_RevertWhen_PledgeWhilePaused() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.prank(governance);
        escrow.pause();
        vm.expectRevert(IEscrow.Paused.selector);
        escrow.pledge(id, p, 1, address(0));
    }

    function test_RevertWhen_PledgeAfterDeadline() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.warp(t.fundingDeadline);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingClosed.selector, id));
        escrow.pledge(id, p, 1, address(0));
    }

    function test_RevertWhen_PledgeZeroUnits() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.expectRevert(IEscrow.ZeroUnits.selector);
        escrow.pledge(id, p, 0, address(0));
    }

    function test_RevertWhen_PledgeAboveCap() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 8, address(0));
        vm.expectRevert(abi.encodeWithSelector(IEscrow.CapExceeded.selector, 2));
        escrow.pledge(id, p, 3, address(0));
    }

    function test_RevertWhen_PledgeByOtherThanSoleBuyer() public {
        IEscrow.Terms memory t = _terms();
        t.soleBuyer = alice;
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotSoleBuyer.selector, bob));
        escrow.pledge(id, p, 1, address(0));
    }

    function test_RevertWhen_PledgeNativeWithWrongValue() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.WrongNativeAmount.selector, 1, PRICE));
        escrow.pledge{value: 1}(id, p, 1, address(0));
    }

    function test_RevertWhen_PledgeTokenWithNativeValue() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _fund(address(usd), alice, PRICE);
        vm.deal(alice, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.WrongNativeAmount.selector, 1, 0));
        escrow.pledge{value: 1}(id, p, 1, address(0));
    }

    function test_RevertWhen_PledgeWithoutAllowance() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        usd.mint(alice, PRICE);
        vm.prank(alice);
        vm.expectRevert();
        escrow.pledge(id, p, 1, address(0));
    }

    function test_RevertWhen_PledgeAfterFinalize() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Active)
        );
        escrow.pledge(id, p, 1, address(0));
    }

    function _permit(uint256 key, uint256 amount, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        address owner = vm.addr(key);
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
        return vm.sign(key, digest);
    }

    function test_PledgeWithPermit() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        (address dave, uint256 key) = makeAddrAndKey("dave");
        usd.mint(dave, 2 * PRICE);
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, 2 * PRICE, block.timestamp);
        vm.prank(dave);
        escrow.pledgeWithPermit(id, p, 2, address(0), block.timestamp, v, r, s);
        assertEq(_state(id).unitsPledged, 2);
        assertEq(usd.balanceOf(address(escrow)), 2 * PRICE);
    }

    function test_PledgeWithPermit_FrontRunPermitStillPledges() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        (address dave, uint256 key) = makeAddrAndKey("dave");
        usd.mint(dave, 2 * PRICE);
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, 2 * PRICE, block.timestamp);
        // Someone submits the permit first: the pledge must go through on the allowance.
        usd.permit(dave, address(escrow), 2 * PRICE, block.timestamp, v, r, s);
        vm.prank(dave);
        escrow.pledgeWithPermit(id, p, 2, address(0), block.timestamp, v, r, s);
        assertEq(_state(id).unitsPledged, 2);
    }

    function test_RevertWhen_PledgeWithBadPermitAndNoAllowance() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        (address dave,) = makeAddrAndKey("dave");
        usd.mint(dave, PRICE);
        vm.prank(dave);
        vm.expectRevert();
        escrow.pledgeWithPermit(id, p, 1, address(0), block.timestamp, 27, bytes32(0), bytes32(0));
    }

    function test_RevertWhen_PledgeWithPermitInNative() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.WrongNativeAmount.selector, 0, PRICE));
        escrow.pledgeWithPermit(id, p, 1, address(0), 0, 0, 0, 0);
    }

    // --------------------------------------------------------------- unpledge

    function test_Unpledge_RefundsExactlyAndUpdatesCounts() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 3, promoter);
        vm.expectEmit(address(escrow));
        emit IEscrow.Unpledged(id, alice, promoter, 1, PRICE, 2);
        vm.prank(alice);
        escrow.unpledge(id, p, 1);
        assertEq(usd.balanceOf(alice), PRICE);
        assertEq(lens.participantOf(id, alice).units, 2);
        assertEq(lens.participantOf(id, promoter).promoted, 2);

        vm.prank(alice);
        escrow.unpledge(id, p, 2);
        assertEq(usd.balanceOf(alice), 3 * PRICE);
        IEscrow.OrderState memory s = _state(id);
        assertEq(s.unitsPledged, 0);
        assertEq(s.weightedUnits, 0);
        assertEq(s.backerCount, 0);
        assertEq(s.promotedUnits, 0);
        assertEq(s.promoterCount, 0);
        // The promoter of a fully unpledged backer is reset.
        assertEq(lens.participantOf(id, alice).promoter, address(0));
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_Unpledge_RoleKeepsNoWeight() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, seller, 2, address(0));
        _pledge(id, t, alice, 2, address(0));
        vm.prank(seller);
        escrow.unpledge(id, p, 1);
        assertEq(_state(id).weightedUnits, 2);
        assertEq(_state(id).unitsPledged, 3);
    }

    function test_Unpledge_Native() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 2, address(0));
        vm.prank(alice);
        escrow.unpledge(id, p, 2);
        assertEq(alice.balance, 2 * PRICE);
        assertEq(address(escrow).balance, 0);
    }

    function test_Unpledge_AllowedWhilePaused() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 2, address(0));
        vm.prank(governance);
        escrow.pause();
        vm.prank(alice);
        escrow.unpledge(id, p, 2);
        assertEq(usd.balanceOf(alice), 2 * PRICE);
    }

    function test_RevertWhen_UnpledgeMoreThanHeld() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 2, address(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InsufficientUnits.selector, 2));
        escrow.unpledge(id, p, 3);
    }

    function test_RevertWhen_UnpledgeZero() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.expectRevert(IEscrow.ZeroUnits.selector);
        escrow.unpledge(id, p, 0);
    }

    function test_RevertWhen_UnpledgeAfterDeadline() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 2, address(0));
        vm.warp(t.fundingDeadline);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingClosed.selector, id));
        escrow.unpledge(id, p, 1);
    }

    function test_RevertWhen_UnpledgeAfterCancel() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 2, address(0));
        vm.prank(seller);
        escrow.cancel(id, p);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Cancelled)
        );
        escrow.unpledge(id, p, 1);
    }

    // --------------------------------------------------------------- finalize

    function test_Finalize_GoalMetAfterDeadline() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 5, address(0));
        vm.warp(t.fundingDeadline);
        vm.expectEmit(address(escrow));
        emit IEscrow.Finalized(id, IEscrow.Status.Active, 5, 5 * PRICE, block.timestamp + DELIVERY);
        assertEq(uint8(escrow.finalize(id, p)), uint8(IEscrow.Status.Active));
        IEscrow.OrderState memory s = _state(id);
        assertEq(uint8(s.status), uint8(IEscrow.Status.Active));
        assertEq(s.since, block.timestamp);
        assertEq(lens.deadlineOf(id, p), block.timestamp + DELIVERY);
    }

    function test_Finalize_CapReachedBeforeDeadline() public {
        (uint256 id,) = _activeOrder();
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Active));
    }

    function test_Finalize_GoalMissed() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 4, address(0));
        vm.warp(t.fundingDeadline);
        vm.expectEmit(address(escrow));
        emit IEscrow.Finalized(id, IEscrow.Status.Failed, 4, 4 * PRICE, 0);
        escrow.finalize(id, p);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Failed));
        assertEq(lens.deadlineOf(id, p), 0);
    }

    function test_RevertWhen_FinalizeWhileFundingOpen() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 9, address(0));
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingOpen.selector, id));
        escrow.finalize(id, p);
    }

    function test_RevertWhen_FinalizeTwice() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Active)
        );
        escrow.finalize(id, p);
    }

    // ----------------------------------------------------------------- cancel

    function test_Cancel_OpensRefunds() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        _pledge(id, t, alice, 3, address(0));
        vm.expectEmit(address(escrow));
        emit IEscrow.Cancelled(id);
        vm.prank(seller);
        escrow.cancel(id, p);
        assertEq(uint8(_status(id)), uint8(IEscrow.Status.Cancelled));
        assertEq(lens.refundable(id, p, alice), 3 * PRICE);
        escrow.refund(id, p, alice, alice);
        assertEq(usd.balanceOf(alice), 3 * PRICE);
    }

    function test_RevertWhen_CancelByOtherThanSeller() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.OnlySeller.selector, alice));
        escrow.cancel(id, p);
    }

    function test_RevertWhen_CancelAfterDeadline() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        bytes memory p = _pack(t);
        vm.warp(t.fundingDeadline);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingClosed.selector, id));
        escrow.cancel(id, p);
    }

    function test_RevertWhen_CancelActiveOrder() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, IEscrow.Status.Active)
        );
        escrow.cancel(id, p);
    }

    // ------------------------------------------------------------- governance

    function test_SetFeeBps_OnlyAffectsNewOrders() public {
        (uint256 id, IEscrow.Terms memory t) = _activeOrder();
        bytes memory p = _pack(t);
        vm.expectEmit(address(escrow));
        emit IEscrow.FeeBpsSet(FEE_BPS, 500);
        vm.prank(governance);
        escrow.setFeeBps(500);
        assertEq(escrow.feeBps(), 500);
        _deliverAndRelease(id, t);
        _deliverAndRelease(id, t);
        // The order keeps the 2.5% it was created with.
        assertEq(escrow.claim(id, p, treasury), 2_500_000);
        // Terms carrying the old fee can no longer create orders.
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.FeeMismatch.selector, FEE_BPS, 500));
        escrow.createOrder(p);
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

    function test_Views_ForUnknownOrder() public {
        assertEq(lens.termsHashOf(42), bytes32(0));
        assertEq(lens.orderAux(42).refundPaid, 0);
        assertEq(lens.disputeOf(42).bond, 0);
        assertEq(lens.promoterPoolOf(42).paid, 0);
        assertEq(lens.claimedOf(42, alice), 0);
        assertFalse(lens.signatureUsed(bytes32(uint256(1))));
        bytes memory p = _pack(_terms());
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TermsMismatch.selector, 42));
        lens.releasedOf(42, p);
    }
}
