// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {RejectingReceiver} from "./EscrowTokens.sol";

/// @dev Drives the Escrow through random sequences of every action with many actors, and keeps
/// ghost accounts of what went in and out so the invariant test can check solvency,
/// conservation, exact refunds, valid transitions and claims.
contract EscrowHandler is Test {
    Escrow public immutable escrow;
    DemoStablecoin public immutable usd;
    address public immutable governance;
    address public immutable treasury;
    address public immutable arbiter;

    uint256 internal constant MAX_ORDERS = 8;

    address[] internal _backers;
    address[] internal _promoters;
    address[] internal _sellers;
    address[] internal _partners;
    /// @dev Every address that may hold a seller-side role: sellers, treasury, partners.
    address[] internal _roleAccounts;
    address[] internal _tokens;

    uint256[] public orderIds;
    mapping(uint256 => bytes) internal _terms;

    // ghosts
    mapping(address token => uint256) public ghostIn;
    mapping(address token => uint256) public ghostOut;
    mapping(uint256 orderId => uint256) public ghostOrderIn;
    mapping(uint256 orderId => uint256) public ghostOrderOut;
    mapping(uint256 orderId => uint256) public ghostOrderClaimed;
    mapping(uint256 orderId => mapping(address => uint256)) public ghostPaid;
    mapping(uint256 orderId => mapping(address => uint256)) public ghostRoleClaims;
    uint256 public inexactRefunds;
    uint256 public invalidTransitions;
    uint256 public overClaims;
    mapping(bytes32 => uint256) public calls;

    constructor(Escrow escrow_, DemoStablecoin usd_) {
        escrow = escrow_;
        usd = usd_;
        governance = escrow_.governance();
        treasury = escrow_.treasury();
        arbiter = makeAddr("h.arbiter");
        for (uint256 i; i < 5; ++i) {
            _backers.push(makeAddr(string.concat("h.backer", vm.toString(i))));
        }
        for (uint256 i; i < 3; ++i) {
            _promoters.push(makeAddr(string.concat("h.promoter", vm.toString(i))));
        }
        _sellers.push(makeAddr("h.seller0"));
        _sellers.push(makeAddr("h.seller1"));
        _partners.push(makeAddr("h.partner0"));
        _partners.push(makeAddr("h.partner1"));
        _partners.push(address(new RejectingReceiver()));
        _roleAccounts.push(_sellers[0]);
        _roleAccounts.push(_sellers[1]);
        _roleAccounts.push(treasury);
        for (uint256 i; i < _partners.length; ++i) {
            _roleAccounts.push(_partners[i]);
        }
        _tokens.push(address(usd));
        _tokens.push(address(0));
    }

    // ------------------------------------------------------------------ views

    function orderCount() external view returns (uint256) {
        return orderIds.length;
    }

    function termsOf(uint256 id) public view returns (IEscrow.Terms memory) {
        return abi.decode(_terms[id], (IEscrow.Terms));
    }

    function backers() external view returns (address[] memory) {
        return _backers;
    }

    function promoters() external view returns (address[] memory) {
        return _promoters;
    }

    function roleAccounts() external view returns (address[] memory) {
        return _roleAccounts;
    }

    function tokens() external view returns (address[] memory) {
        return _tokens;
    }

    /// @dev Every account that may hold an internal balance.
    function allAccounts() external view returns (address[] memory all) {
        all = new address[](_roleAccounts.length + _promoters.length);
        for (uint256 i; i < _roleAccounts.length; ++i) {
            all[i] = _roleAccounts[i];
        }
        for (uint256 i; i < _promoters.length; ++i) {
            all[_roleAccounts.length + i] = _promoters[i];
        }
    }

    // ---------------------------------------------------------------- helpers

    function _pick(address[] storage list, uint256 seed) internal view returns (address) {
        return list[seed % list.length];
    }

    function _order(uint256 seed)
        internal
        view
        returns (bool ok, uint256 id, IEscrow.Terms memory t)
    {
        if (orderIds.length == 0) return (false, 0, t);
        id = orderIds[seed % orderIds.length];
        t = termsOf(id);
        ok = true;
    }

    /// @dev An order in one of the wanted statuses (a bit mask over `Status`), scanning from
    /// `seed`; falls back to any order so that wrong-status paths still get exercised.
    function _orderIn(uint256 seed, uint256 mask)
        internal
        view
        returns (bool ok, uint256 id, IEscrow.Terms memory t)
    {
        uint256 n = orderIds.length;
        if (n == 0) return (false, 0, t);
        if (seed % 10 != 0) {
            for (uint256 i; i < n; ++i) {
                uint256 candidate = orderIds[(seed % n + i) % n];
                if (mask & (1 << uint8(escrow.orderState(candidate).status)) != 0) {
                    return (true, candidate, termsOf(candidate));
                }
            }
        }
        return _order(seed);
    }

    /// @dev An `Active` order whose current milestone is in `state`, scanning from `seed`.
    function _activeIn(uint256 seed, IEscrow.MilestoneState state)
        internal
        view
        returns (bool ok, uint256 id, IEscrow.Terms memory t)
    {
        uint256 n = orderIds.length;
        if (n == 0) return (false, 0, t);
        if (seed % 10 != 0) {
            for (uint256 i; i < n; ++i) {
                uint256 candidate = orderIds[(seed % n + i) % n];
                IEscrow.OrderState memory s = escrow.orderState(candidate);
                if (s.status == IEscrow.Status.Active && s.milestoneState == state) {
                    return (true, candidate, termsOf(candidate));
                }
            }
        }
        return _order(seed);
    }

    uint256 internal constant FUNDING = 1 << uint8(IEscrow.Status.Funding);
    uint256 internal constant ACTIVE = 1 << uint8(IEscrow.Status.Active);
    uint256 internal constant ENDED = (1 << uint8(IEscrow.Status.Failed))
        | (1 << uint8(IEscrow.Status.Cancelled)) | (1 << uint8(IEscrow.Status.Resolved));
    uint256 internal constant PAYING = (1 << uint8(IEscrow.Status.Active))
        | (1 << uint8(IEscrow.Status.Completed)) | (1 << uint8(IEscrow.Status.Resolved));

    /// @dev A backer holding a pledge in the order, scanning from `seed`; now and then any
    /// backer, so that the not-a-backer paths still get exercised.
    function _backerIn(uint256 id, uint256 seed) internal view returns (address) {
        if (seed % 8 != 0) {
            for (uint256 i; i < _backers.length; ++i) {
                address candidate = _backers[(seed % 8 + i) % _backers.length];
                if (escrow.backerOf(id, candidate).paid != 0) return candidate;
            }
        }
        return _pick(_backers, seed);
    }

    function _snap(uint256 id) internal view returns (IEscrow.OrderState memory) {
        return escrow.orderState(id);
    }

    /// @dev Records an invalid transition between two snapshots of one order.
    function _checkTransition(IEscrow.OrderState memory a, IEscrow.OrderState memory b) internal {
        if (b.released < a.released || b.milestone < a.milestone) ++invalidTransitions;
        if (a.status == b.status) return;
        IEscrow.Status from = a.status;
        IEscrow.Status to = b.status;
        bool valid =
            (from == IEscrow.Status.Funding
                    && (to == IEscrow.Status.Active
                        || to == IEscrow.Status.Failed
                        || to == IEscrow.Status.Cancelled))
                || (from == IEscrow.Status.Active
                    && (to == IEscrow.Status.Completed || to == IEscrow.Status.Resolved));
        if (!valid) ++invalidTransitions;
    }

    function _balance(address token, address who) internal view returns (uint256) {
        return token == address(0) ? who.balance : usd.balanceOf(who);
    }

    // ---------------------------------------------------------------- actions

    function createOrder(uint256 seed, uint96 price, uint8 nMilestones, uint8 nSplits) external {
        if (orderIds.length >= MAX_ORDERS) return;
        IEscrow.Terms memory t;
        t.seller = _pick(_sellers, seed);
        t.token = _tokens[(seed >> 8) % _tokens.length];
        t.unitPrice = uint96(_bound(price, 1, t.token == address(0) ? 1e18 : 1e9));
        t.minUnits = uint32(_bound(seed >> 16, 1, 6));
        t.maxUnits = uint32(t.minUnits + _bound(seed >> 24, 0, 10));
        t.fundingDeadline = uint40(block.timestamp + _bound(seed >> 32, 1, 10 days));
        t.reviewPeriod = uint32(_bound(seed >> 48, 0, 3 days));
        t.promoterBps = uint16(_bound(seed >> 64, 0, 3000));
        t.feeBps = escrow.feeBps();
        if ((seed >> 80) % 5 == 0) t.soleBuyer = _pick(_backers, seed >> 88);
        t.arbiter = arbiter;
        t.metadataHash = bytes32(seed);
        uint256 n = _bound(nMilestones, 1, 4);
        t.milestoneBps = new uint16[](n);
        uint256 left = 10_000;
        for (uint256 i; i < n - 1; ++i) {
            uint256 bps = _bound(uint256(keccak256(abi.encode(seed, i))), 1, left - (n - 1 - i));
            t.milestoneBps[i] = uint16(bps);
            left -= bps;
        }
        t.milestoneBps[n - 1] = uint16(left);
        n = _bound(nSplits, 0, 3);
        t.splits = new IEscrow.Split[](n);
        left = 10_000;
        for (uint256 i; i < n; ++i) {
            uint256 bps = _bound(uint256(keccak256(abi.encode(seed, i, "s"))), 1, left / 2 + 1);
            t.splits[i] = IEscrow.Split(_partners[(seed % 16 + i) % _partners.length], uint16(bps));
            left -= bps;
        }
        vm.prank(t.seller);
        try escrow.createOrder(t) returns (uint256 id) {
            orderIds.push(id);
            _terms[id] = abi.encode(t);
            ++calls["createOrder"];
            // Most orders get a few pledges at once so that runs reach the later stages.
            if (seed % 4 != 0) {
                for (uint256 i; i < 3; ++i) {
                    _pledge(id, t, seed >> (96 + 8 * i), price >> (8 * i), seed >> (120 + 8 * i));
                }
            }
        } catch {}
    }

    function pledge(uint256 orderSeed, uint256 actorSeed, uint256 units, uint256 promoterSeed)
        external
    {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _orderIn(orderSeed, FUNDING);
        if (!ok) return;
        _pledge(id, t, actorSeed, units, promoterSeed);
    }

    function _pledge(
        uint256 id,
        IEscrow.Terms memory t,
        uint256 actorSeed,
        uint256 units,
        uint256 promoterSeed
    ) internal {
        address backer = t.soleBuyer != address(0) ? t.soleBuyer : _pick(_backers, actorSeed);
        uint256 available = t.maxUnits - escrow.orderState(id).unitsPledged;
        units = _bound(units, 1, available == 0 || units % 16 == 0 ? t.maxUnits : available);
        address via = promoterSeed % 4 == 3 ? address(0) : _promoters[promoterSeed % 4 % 3];
        uint256 amount = units * t.unitPrice;
        IEscrow.OrderState memory before = _snap(id);
        bool success;
        if (t.token == address(0)) {
            vm.deal(backer, backer.balance + amount);
            vm.prank(backer);
            try escrow.pledge{value: amount}(id, t, units, via) {
                success = true;
            } catch {}
        } else {
            usd.mint(backer, amount);
            vm.prank(backer);
            usd.approve(address(escrow), amount);
            vm.prank(backer);
            try escrow.pledge(id, t, units, via) {
                success = true;
            } catch {}
        }
        if (success) {
            ghostIn[t.token] += amount;
            ghostOrderIn[id] += amount;
            ghostPaid[id][backer] += amount;
            ++calls["pledge"];
        }
        _checkTransition(before, _snap(id));
    }

    function unpledge(uint256 orderSeed, uint256 actorSeed, uint256 units) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _orderIn(orderSeed, FUNDING);
        if (!ok) return;
        address backer = _backerIn(id, actorSeed);
        uint256 held = escrow.backerOf(id, backer).paid / t.unitPrice;
        if (held == 0) return;
        units = _bound(units, 1, held);
        uint256 amount = units * t.unitPrice;
        uint256 balanceBefore = _balance(t.token, backer);
        IEscrow.OrderState memory before = _snap(id);
        vm.prank(backer);
        try escrow.unpledge(id, t, units) {
            if (_balance(t.token, backer) - balanceBefore != amount) ++inexactRefunds;
            ghostOut[t.token] += amount;
            ghostOrderOut[id] += amount;
            ghostPaid[id][backer] -= amount;
            ++calls["unpledge"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    function finalize(uint256 orderSeed) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _orderIn(orderSeed, FUNDING);
        if (!ok) return;
        IEscrow.OrderState memory before = _snap(id);
        if (orderSeed % 3 != 0 && block.timestamp < t.fundingDeadline) vm.warp(t.fundingDeadline);
        try escrow.finalize(id, t) {
            ++calls["finalize"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    function cancel(uint256 orderSeed) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _orderIn(orderSeed, FUNDING);
        if (!ok) return;
        IEscrow.OrderState memory before = _snap(id);
        vm.prank(t.seller);
        try escrow.cancel(id, t) {
            ++calls["cancel"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    function deliver(uint256 orderSeed, bytes32 proof) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) =
            _activeIn(orderSeed, IEscrow.MilestoneState.Pending);
        if (!ok) return;
        IEscrow.OrderState memory before = _snap(id);
        vm.prank(t.seller);
        try escrow.deliverMilestone(id, t, proof) {
            ++calls["deliver"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    function approve(uint256 orderSeed, uint256 actorSeed) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) =
            _activeIn(orderSeed, IEscrow.MilestoneState.Delivered);
        if (!ok) return;
        address backer = _backerIn(id, actorSeed);
        IEscrow.OrderState memory before = _snap(id);
        vm.prank(backer);
        try escrow.approveMilestone(id, t) {
            ++calls["approve"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    function release(uint256 orderSeed) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) =
            _activeIn(orderSeed, IEscrow.MilestoneState.Delivered);
        if (!ok) return;
        IEscrow.OrderState memory before = _snap(id);
        uint256 endsAt = uint256(escrow.orderAux(id).deliveredAt) + t.reviewPeriod;
        if (orderSeed % 3 != 0 && block.timestamp < endsAt) vm.warp(endsAt);
        try escrow.release(id, t) {
            ++calls["release"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    function dispute(uint256 orderSeed, uint256 actorSeed) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _orderIn(orderSeed, ACTIVE);
        if (!ok) return;
        address backer = _backerIn(id, actorSeed);
        IEscrow.OrderState memory before = _snap(id);
        vm.prank(backer);
        try escrow.dispute(id, t) {
            ++calls["dispute"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    function resolve(uint256 orderSeed, uint256 refundAmount) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) =
            _activeIn(orderSeed, IEscrow.MilestoneState.Disputed);
        if (!ok) return;
        IEscrow.OrderState memory before = _snap(id);
        uint256 held = uint256(before.unitsPledged) * t.unitPrice - before.released;
        // Spread over the whole range: edge values (0, all) leave no rounding to test.
        refundAmount = refundAmount % 4 == 0
            ? _bound(refundAmount, 0, held)
            : uint256(keccak256(abi.encode(refundAmount))) % (held + 1);
        vm.prank(arbiter);
        try escrow.resolve(id, t, refundAmount) {
            ++calls["resolve"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    /// @dev Refunds one backer, or every backer of the order (a keeper's sweep) when the seed
    /// says so.
    function refund(uint256 orderSeed, uint256 actorSeed) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _orderIn(orderSeed, ENDED);
        if (!ok) return;
        if (actorSeed % 3 == 0) {
            for (uint256 i; i < _backers.length; ++i) {
                _refund(id, t, _backers[i]);
            }
        } else {
            _refund(id, t, _backerIn(id, actorSeed));
        }
    }

    function _refund(uint256 id, IEscrow.Terms memory t, address backer) internal {
        IEscrow.OrderState memory before = _snap(id);
        uint256 balanceBefore = _balance(t.token, backer);
        try escrow.refund(id, t, backer) returns (uint256 amount) {
            if (_balance(t.token, backer) - balanceBefore != amount) ++inexactRefunds;
            if (
                (before.status == IEscrow.Status.Failed
                        || before.status == IEscrow.Status.Cancelled)
                    && amount != ghostPaid[id][backer]
            ) ++inexactRefunds;
            ghostPaid[id][backer] = 0;
            ghostOut[t.token] += amount;
            ghostOrderOut[id] += amount;
            ++calls["refund"];
        } catch {}
        _checkTransition(before, _snap(id));
    }

    function claim(uint256 orderSeed, uint256 accountSeed) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _orderIn(orderSeed, PAYING);
        if (!ok) return;
        address account = _pick(_roleAccounts, accountSeed);
        for (uint256 i; i < _roleAccounts.length && accountSeed % 5 != 0; ++i) {
            address candidate = _roleAccounts[(accountSeed % 8 + i) % _roleAccounts.length];
            if (escrow.claimable(id, t, candidate) != 0) {
                account = candidate;
                break;
            }
        }
        _claim(id, t, account);
    }

    function _claim(uint256 id, IEscrow.Terms memory t, address account) internal {
        uint256 expected = escrow.claimable(id, t, account);
        try escrow.claim(id, t, account) returns (uint256 amount) {
            if (amount != expected) ++overClaims;
            ghostOrderClaimed[id] += amount;
            ghostRoleClaims[id][account] += amount;
            if (ghostRoleClaims[id][account] != escrow.claimedOf(id, account)) ++overClaims;
            ++calls["claim"];
        } catch {}
    }

    function claimCommission(uint256 orderSeed, uint256 promoterSeed) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _orderIn(orderSeed, PAYING);
        if (!ok) return;
        address promoter = _pick(_promoters, promoterSeed);
        for (uint256 i; i < _promoters.length && promoterSeed % 5 != 0; ++i) {
            address candidate = _promoters[(promoterSeed % 8 + i) % _promoters.length];
            IEscrow.Promoter memory p = escrow.promoterOf(id, candidate);
            if (p.units != 0 && !p.closed) {
                promoter = candidate;
                break;
            }
        }
        _claimCommission(id, t, promoter);
    }

    function _claimCommission(uint256 id, IEscrow.Terms memory t, address promoter) internal {
        uint256 expected = escrow.commissionClaimable(id, t, promoter);
        try escrow.claimCommission(id, t, promoter) returns (uint256 amount) {
            if (amount != expected) ++overClaims;
            ghostOrderClaimed[id] += amount;
            ++calls["claimCommission"];
        } catch {}
    }

    function withdraw(uint256 tokenSeed, uint256 accountSeed) external {
        address token = _tokens[tokenSeed % _tokens.length];
        address[] memory all = this.allAccounts();
        address account = all[accountSeed % all.length];
        if (accountSeed % 5 != 0) {
            for (uint256 k; k < _tokens.length * all.length; ++k) {
                address candidateToken = _tokens[(tokenSeed % 4 + k / all.length) % _tokens.length];
                address candidate = all[(accountSeed % 16 + k) % all.length];
                if (escrow.balanceOf(candidateToken, candidate) != 0) {
                    (token, account) = (candidateToken, candidate);
                    break;
                }
            }
        }
        uint256 due = escrow.balanceOf(token, account);
        try escrow.withdraw(token, account) returns (uint256 amount) {
            if (amount != due) ++overClaims;
            ghostOut[token] += amount;
            ++calls["withdraw"];
        } catch {}
    }

    /// @dev Moves one order up to five steps along its lifecycle, so that runs of modest depth
    /// still reach disputes, resolutions, refunds and final claims.
    function advance(uint256 orderSeed, uint256 choice) external {
        (bool ok, uint256 id, IEscrow.Terms memory t) = _order(orderSeed);
        if (!ok) return;
        uint256 steps = choice % 5 + 1;
        for (uint256 k; k < steps; ++k) {
            _step(id, t, choice >> (8 * k + 8));
        }
        ++calls["advance"];
    }

    function _step(uint256 id, IEscrow.Terms memory t, uint256 choice) internal {
        IEscrow.OrderState memory before = _snap(id);
        if (before.status == IEscrow.Status.Funding) {
            if (block.timestamp < t.fundingDeadline) vm.warp(t.fundingDeadline);
            try escrow.finalize(id, t) {} catch {}
        } else if (before.status == IEscrow.Status.Active) {
            _advanceActive(id, t, before, choice);
        } else if (before.status == IEscrow.Status.Completed) {
            for (uint256 i; i < _roleAccounts.length; ++i) {
                _claim(id, t, _roleAccounts[i]);
            }
            for (uint256 i; i < _promoters.length; ++i) {
                _claimCommission(id, t, _promoters[i]);
            }
        } else {
            for (uint256 i; i < _backers.length; ++i) {
                _refund(id, t, _backers[i]);
            }
        }
        _checkTransition(before, _snap(id));
    }

    function _advanceActive(
        uint256 id,
        IEscrow.Terms memory t,
        IEscrow.OrderState memory s,
        uint256 choice
    ) internal {
        address backer = _backerIn(id, choice | 1);
        if (s.milestoneState == IEscrow.MilestoneState.Disputed) {
            uint256 held = uint256(s.unitsPledged) * t.unitPrice - s.released;
            vm.prank(arbiter);
            try escrow.resolve(id, t, uint256(keccak256(abi.encode(choice))) % (held + 1)) {}
                catch {}
        } else if (choice % 4 == 0) {
            vm.prank(backer);
            try escrow.dispute(id, t) {} catch {}
        } else if (s.milestoneState == IEscrow.MilestoneState.Pending) {
            vm.prank(t.seller);
            try escrow.deliverMilestone(id, t, bytes32(choice)) {} catch {}
        } else if (choice % 4 == 1) {
            vm.prank(backer);
            try escrow.approveMilestone(id, t) {} catch {}
        } else {
            uint256 endsAt = uint256(escrow.orderAux(id).deliveredAt) + t.reviewPeriod;
            if (block.timestamp < endsAt) vm.warp(endsAt);
            try escrow.release(id, t) {} catch {}
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1 hours, 2 days));
        ++calls["warp"];
    }

    function setFee(uint16 fee) external {
        uint16 newFee = uint16(_bound(fee, 0, escrow.MAX_FEE_BPS()));
        vm.prank(governance);
        try escrow.setFeeBps(newFee) {
            ++calls["setFee"];
        } catch {}
    }

    function togglePause(uint256 seed) external {
        // Short, rare pauses: a pause must never stop refunds, releases, claims or withdrawals.
        bool paused = escrow.paused();
        if (!paused && seed % 4 != 0) return;
        vm.prank(governance);
        if (paused) escrow.unpause();
        else escrow.pause();
        ++calls["togglePause"];
    }
}
