// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {Escrow} from "src/Escrow.sol";
import {EscrowLens} from "src/EscrowLens.sol";
import {TermsVerifier} from "src/TermsVerifier.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowHandler} from "./utils/EscrowHandler.sol";

/// @dev Invariants of the Escrow under random sequences of every action, every role overlap,
/// absent arbiters, deadlines passed and odd tokens (see `EscrowHandler`).
contract EscrowInvariantTest is Test {
    Escrow internal escrow;
    EscrowLens internal lens;
    EscrowHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        escrow = new Escrow(
            makeAddr("governance"), makeAddr("treasury"), 250, new TermsVerifier(), address(this)
        );
        lens = new EscrowLens(escrow);
        handler = new EscrowHandler(escrow, lens);
        // Every odd token is allowlisted, the fee-on-transfer one included: the escrow must
        // reject it at intake even if governance let it in.
        address[] memory tokens = handler.tokens();
        for (uint256 i; i < tokens.length; ++i) {
            escrow.setTokenAllowed(tokens[i], true);
        }
        escrow.renounceBootstrap();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](25);
        selectors[0] = EscrowHandler.createOrder.selector;
        selectors[1] = EscrowHandler.pledge.selector;
        selectors[2] = EscrowHandler.unpledge.selector;
        selectors[3] = EscrowHandler.finalize.selector;
        selectors[4] = EscrowHandler.cancel.selector;
        selectors[5] = EscrowHandler.deliver.selector;
        selectors[6] = EscrowHandler.approve.selector;
        selectors[7] = EscrowHandler.release.selector;
        selectors[8] = EscrowHandler.dispute.selector;
        selectors[9] = EscrowHandler.rule.selector;
        selectors[10] = EscrowHandler.passDeadline.selector;
        selectors[11] = EscrowHandler.refund.selector;
        selectors[12] = EscrowHandler.claim.selector;
        selectors[13] = EscrowHandler.claimCommission.selector;
        selectors[14] = EscrowHandler.collect.selector;
        selectors[15] = EscrowHandler.withdraw.selector;
        selectors[16] = EscrowHandler.warp.selector;
        selectors[17] = EscrowHandler.setFee.selector;
        selectors[18] = EscrowHandler.togglePause.selector;
        selectors[19] = EscrowHandler.toggleBlacklist.selector;
        selectors[20] = EscrowHandler.pledge.selector; // pledges twice as often
        selectors[21] = EscrowHandler.advance.selector; // and pushes along the schedule
        selectors[22] = EscrowHandler.advance.selector;
        selectors[23] = EscrowHandler.advance.selector;
        selectors[24] = EscrowHandler.advance.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function _escrowBalance(address token) internal view returns (uint256) {
        if (token == address(0)) return address(escrow).balance;
        (, bytes memory out) =
            token.staticcall(abi.encodeWithSignature("balanceOf(address)", address(escrow)));
        return abi.decode(out, (uint256));
    }

    /// @dev Sum of what the order's parties claimed, as seller-side roles and as promoters.
    function _claimedTotal(uint256 id, address[] memory accounts)
        internal
        view
        returns (uint256 sum)
    {
        for (uint256 i; i < accounts.length; ++i) {
            sum += lens.claimedOf(id, accounts[i]);
        }
    }

    /// @dev What the order still owes: unreleased funds, unpaid refunds, unclaimed shares and the
    /// open dispute's bond.
    function _owed(uint256 id, address[] memory accounts) internal view returns (uint256) {
        IEscrow.Terms memory t = handler.termsOf(id);
        IEscrow.OrderState memory s = lens.orderState(id);
        uint256 funded = uint256(s.unitsPledged) * t.unitPrice;
        if (s.status == IEscrow.Status.Funding) return funded;
        if (s.status == IEscrow.Status.Failed || s.status == IEscrow.Status.Cancelled) {
            uint256 sum;
            for (uint256 i; i < accounts.length; ++i) {
                sum += uint256(lens.participantOf(id, accounts[i]).units) * t.unitPrice;
            }
            return sum;
        }
        uint256 claimed = _claimedTotal(id, accounts);
        if (s.status == IEscrow.Status.Active) return funded - claimed + lens.disputeOf(id).bond;
        uint256 released = lens.releasedOf(id, handler.packedOf(id));
        return funded - released - lens.orderAux(id).refundPaid + released - claimed;
    }

    /// @dev Per token: the escrow holds exactly what went in minus what went out (each call's
    /// declared amounts, checked against the token movements), and that equals what every order
    /// still owes plus every credited balance: solvent, and no dust stranded.
    function _checkSolvencyPerToken() internal view {
        address[] memory tokens = handler.tokens();
        address[] memory accounts = handler.accounts();
        uint256[] memory owed = new uint256[](tokens.length);
        for (uint256 i; i < handler.orderCount(); ++i) {
            uint256 id = handler.orderIds(i);
            address token = handler.termsOf(id).token;
            for (uint256 k; k < tokens.length; ++k) {
                if (tokens[k] == token) owed[k] += _owed(id, accounts);
            }
        }
        for (uint256 k; k < tokens.length; ++k) {
            address token = tokens[k];
            uint256 balance = _escrowBalance(token);
            assertEq(balance, handler.ghostIn(token) - handler.ghostOut(token), "conservation");
            for (uint256 i; i < accounts.length; ++i) {
                owed[k] += escrow.balanceOf(token, accounts[i]);
            }
            assertEq(balance, owed[k], "solvent, nothing stranded");
        }
    }

    /// @dev Released money never exceeds the delivered milestones' share (a ruling releases at
    /// most the disputed milestone); the seller-side shares and the promoter pool add up to the
    /// released amount exactly; the event mirror agrees with the contract.
    function _checkReleasesAndEntitlements() internal view {
        address[] memory accounts = handler.accounts();
        for (uint256 i; i < handler.orderCount(); ++i) {
            uint256 id = handler.orderIds(i);
            IEscrow.Terms memory t = handler.termsOf(id);
            bytes memory p = handler.packedOf(id);
            IEscrow.OrderState memory s = lens.orderState(id);
            uint256 r = lens.releasedOf(id, p);
            uint256 funded = uint256(s.unitsPledged) * t.unitPrice;
            uint256 delivered = handler.deliveries(id);
            uint256 bpsDelivered;
            for (uint256 m; m < delivered && m < t.milestones.length; ++m) {
                bpsDelivered += t.milestones[m].bps;
            }
            assertLe(r, funded * bpsDelivered / 10_000, "released beyond delivered work");
            assertLe(s.milestone, delivered, "settled an undelivered milestone");
            assertEq(handler.mirrorReleased(id), r, "events mirror the released amount");
            _checkShares(id, t, s, r, p, accounts);
        }
    }

    function _checkShares(
        uint256 id,
        IEscrow.Terms memory t,
        IEscrow.OrderState memory s,
        uint256 r,
        bytes memory p,
        address[] memory accounts
    ) internal view {
        uint256 pool;
        if (s.promotedUnits != 0) {
            uint256 afterFee = r - r * t.feeBps / 10_000;
            pool = afterFee * t.promoterBps * s.promotedUnits / (10_000 * uint256(s.unitsPledged));
        }
        uint256 roles;
        uint256 commissions;
        uint256 commissionsPaid;
        uint256 closed;
        for (uint256 j; j < accounts.length; ++j) {
            IEscrow.Participant memory part = lens.participantOf(id, accounts[j]);
            uint256 claimed = lens.claimedOf(id, accounts[j]);
            if (part.promoted != 0 || part.closed) {
                commissions += claimed + lens.commissionClaimable(id, p, accounts[j]);
                commissionsPaid += claimed;
                if (part.closed) ++closed;
            } else {
                roles += claimed + lens.claimable(id, p, accounts[j]);
            }
        }
        assertEq(roles + pool, r, "shares + pool == released");
        assertLe(commissions, pool, "commissions <= pool");
        IEscrow.PromoterPool memory pp = lens.promoterPoolOf(id);
        assertEq(pp.paid, commissionsPaid, "pool paid");
        assertEq(pp.closed, closed, "closed count");
        if (s.promoterCount != 0 && pp.closed == s.promoterCount) assertEq(pp.paid, pool);
    }

    /// @dev Bookkeeping equalities: units, backers, promoted units and promoters, weighted units
    /// recomputed from the weight rule, approvals within the weight, end-of-order refunds within
    /// what was not released; the mirrored weight agrees.
    function _checkBookkeeping() internal view {
        address[] memory accounts = handler.accounts();
        for (uint256 i; i < handler.orderCount(); ++i) {
            uint256 id = handler.orderIds(i);
            IEscrow.Terms memory t = handler.termsOf(id);
            IEscrow.OrderState memory s = lens.orderState(id);
            assertLe(s.approvalUnits, s.weightedUnits, "approvals <= weight");
            assertLe(s.weightedUnits, s.unitsPledged, "weight <= units");
            assertLe(s.promotedUnits, s.unitsPledged, "promoted <= units");
            assertEq(handler.mirrorWeighted(id), s.weightedUnits, "events mirror the weight");
            if (s.status != IEscrow.Status.Funding && s.status != IEscrow.Status.Active) {
                IEscrow.OrderAux memory aux = lens.orderAux(id);
                assertLe(aux.refundedCount, s.backerCount, "refunded <= backers");
                continue;
            }
            _checkCounts(id, t, s, accounts);
        }
    }

    function _checkCounts(
        uint256 id,
        IEscrow.Terms memory t,
        IEscrow.OrderState memory s,
        address[] memory accounts
    ) internal view {
        uint256 units;
        uint256 backers;
        uint256 promoted;
        uint256 promoterCount;
        uint256 weighted;
        for (uint256 j; j < accounts.length; ++j) {
            IEscrow.Participant memory part = lens.participantOf(id, accounts[j]);
            units += part.units;
            if (part.units != 0) ++backers;
            promoted += part.promoted;
            if (part.promoted != 0) ++promoterCount;
            if (part.promoted == 0 && !_isRole(t, accounts[j])) weighted += part.units;
            if (part.units == 0) assertEq(part.promoter, address(0), "promoter reset");
            assertTrue(part.promoter != accounts[j], "self-referral");
        }
        assertEq(units, s.unitsPledged, "units");
        assertEq(backers, s.backerCount, "backers");
        assertEq(promoted, s.promotedUnits, "promoted units");
        assertEq(promoterCount, s.promoterCount, "promoters");
        assertEq(weighted, s.weightedUnits, "weighted units");
    }

    function _isRole(IEscrow.Terms memory t, address a) internal pure returns (bool) {
        if (a == t.seller || a == t.arbiter) return true;
        for (uint256 i; i < t.splits.length; ++i) {
            if (t.splits[i].recipient == a) return true;
        }
        return false;
    }

    /// @dev Every internal balance equals what the events credited and debited.
    function _checkEventsMirrorBalances() internal view {
        address[] memory tokens = handler.tokens();
        address[] memory accounts = handler.accounts();
        for (uint256 k; k < tokens.length; ++k) {
            for (uint256 i; i < accounts.length; ++i) {
                assertEq(
                    handler.mirrorBalance(tokens[k], accounts[i]),
                    escrow.balanceOf(tokens[k], accounts[i]),
                    "balance mirror"
                );
            }
        }
    }

    /// @dev Exact payouts (refunds, unpledges, claims, withdrawals), valid transitions only, no
    /// fee-on-transfer intake, and no approval or dispute by an account without weight.
    function _checkHandler() internal view {
        assertEq(handler.inexactPayouts(), 0, "inexact payout");
        assertEq(handler.invalidTransitions(), 0, "invalid transition");
        assertEq(handler.feeOnTransferAccepted(), 0, "fee-on-transfer intake");
        assertEq(handler.roleWeightUsed(), 0, "weight without weight");
    }

    /// @dev All the properties, checked after every call of every run (one campaign rather
    /// than one per property keeps the CI profile fast).
    function invariant_Escrow() public view {
        _checkHandler();
        _checkSolvencyPerToken();
        _checkReleasesAndEntitlements();
        _checkBookkeeping();
        _checkEventsMirrorBalances();
    }

    /// @dev Liveness, after every run: with the arbiter absent and nobody's cooperation, every
    /// order reaches an end state by its deadlines; then every refund, claim and withdrawal
    /// goes through (to the owner, or to an address it names when the token refuses it) and
    /// the escrow is left holding nothing.
    function afterInvariant() public virtual {
        uint256 snapshot = vm.snapshotState();
        handler.endEverything();
        address[] memory tokens = handler.tokens();
        for (uint256 k; k < tokens.length; ++k) {
            assertEq(_escrowBalance(tokens[k]), 0, "escrow emptied");
        }
        vm.revertToState(snapshot);
    }
}
