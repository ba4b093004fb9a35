// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test, Vm} from "forge-std/Test.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {EscrowLens} from "src/EscrowLens.sol";
import {TermsVerifier} from "src/TermsVerifier.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {
    BlacklistToken,
    FeeOnTransferToken,
    MintableToken,
    NoReturnToken,
    RejectingReceiver
} from "./EscrowTokens.sol";
import {TermsLib} from "./TermsLib.sol";

/// @dev Drives the Escrow through random sequences of every action, with every role also
/// pledging (sellers, split recipients, promoters, the arbiter), backers naming themselves or
/// roles as promoters, an arbiter that never acts on some orders, time warps past every
/// deadline, and odd tokens (6 and 18 decimals, no return values, blacklisting, fee on transfer).
///
/// Runs with `fail_on_revert = true`: the handler itself never reverts. Calls the rules say
/// must succeed (finalize, release, expire and the default ruling once their deadline passed,
/// refunds, claims and withdrawals of what is due, arbiter rulings in time) are made directly,
/// so an unexpected revert fails the run; calls that may legitimately fail (adversarial
/// pledges, approvals and disputes by any role) are tried and their outcome recorded.
///
/// It also keeps a mirror built only from the Escrow's events (released amounts, weighted
/// units, internal balances), which the invariants compare with the contract's state, and ghost
/// accounts of what went in and out of the escrow.
contract EscrowHandler is Test {
    Escrow public immutable escrow;
    EscrowLens public immutable lens;
    address public immutable governance;
    address public immutable treasury;
    address public immutable arbiter;

    DemoStablecoin public immutable usd;
    MintableToken public immutable dai;
    NoReturnToken public immutable usdt;
    BlacklistToken public immutable blk;
    FeeOnTransferToken public immutable fot;

    uint256 internal constant MAX_ORDERS = 8;

    address[] internal _tokens;
    address[] internal _sellers;
    address[] internal _partners;
    address[] internal _backers;
    address[] internal _promoters;
    /// @dev Everyone who pledges: backers, promoters, sellers, EOA partners and the arbiter.
    address[] internal _pledgers;
    /// @dev Everyone who may hold an internal balance or a claim.
    address[] internal _accounts;
    mapping(address => uint256) internal _keys;

    uint256[] public orderIds;
    mapping(uint256 => bytes) internal _packed;
    mapping(uint256 => bytes) internal _typed;
    mapping(uint256 => bool) public arbiterAbsent;
    mapping(uint256 => uint256) public deliveries;

    // ghosts
    mapping(address token => uint256) public ghostIn;
    mapping(address token => uint256) public ghostOut;
    uint256 public inexactPayouts;
    uint256 public invalidTransitions;
    uint256 public feeOnTransferAccepted;
    uint256 public roleWeightUsed;
    mapping(bytes32 => uint256) public calls;

    // the event mirror
    mapping(uint256 orderId => uint256) public mirrorReleased;
    mapping(uint256 orderId => uint256) public mirrorWeighted;
    mapping(address token => mapping(address account => uint256)) public mirrorBalance;

    constructor(Escrow escrow_, EscrowLens lens_) {
        escrow = escrow_;
        lens = lens_;
        governance = escrow_.governance();
        treasury = escrow_.treasury();
        arbiter = _actor("h.arbiter");
        usd = new DemoStablecoin();
        dai = new MintableToken("DAI", 18);
        usdt = new NoReturnToken();
        blk = new BlacklistToken();
        fot = new FeeOnTransferToken();
        _tokens =
            [address(usd), address(dai), address(usdt), address(blk), address(0), address(fot)];
        for (uint256 i; i < 2; ++i) {
            _sellers.push(_actor(string.concat("h.seller", vm.toString(i))));
            _partners.push(_actor(string.concat("h.partner", vm.toString(i))));
        }
        _partners.push(address(new RejectingReceiver()));
        for (uint256 i; i < 5; ++i) {
            _backers.push(_actor(string.concat("h.backer", vm.toString(i))));
        }
        for (uint256 i; i < 3; ++i) {
            _promoters.push(_actor(string.concat("h.promoter", vm.toString(i))));
        }
        for (uint256 i; i < _backers.length; ++i) {
            _pledgers.push(_backers[i]);
        }
        for (uint256 i; i < _promoters.length; ++i) {
            _pledgers.push(_promoters[i]);
        }
        _pledgers.push(_sellers[0]);
        _pledgers.push(_sellers[1]);
        _pledgers.push(_partners[0]);
        _pledgers.push(_partners[1]);
        _pledgers.push(arbiter);
        for (uint256 i; i < _pledgers.length; ++i) {
            _accounts.push(_pledgers[i]);
        }
        _accounts.push(_partners[2]);
        _accounts.push(treasury);
    }

    function _actor(string memory name) internal returns (address a) {
        uint256 key;
        (a, key) = makeAddrAndKey(name);
        _keys[a] = key;
    }

    // ------------------------------------------------------------------ views

    function orderCount() external view returns (uint256) {
        return orderIds.length;
    }

    function packedOf(uint256 id) external view returns (bytes memory) {
        return _packed[id];
    }

    function termsOf(uint256 id) public view returns (IEscrow.Terms memory) {
        return abi.decode(_typed[id], (IEscrow.Terms));
    }

    function tokens() external view returns (address[] memory) {
        return _tokens;
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function promoters() external view returns (address[] memory) {
        return _promoters;
    }

    /// @dev Where a blacklisted or refusing owner names its money to go instead.
    function alt(address account) public pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("alt", account)))));
    }

    /// @dev Whether `account` can receive `token` itself.
    function canReceive(address token, address account) public view returns (bool) {
        if (token == address(0)) return account.code.length == 0;
        if (token == address(blk)) return !blk.blacklisted(account);
        return true;
    }

    // ---------------------------------------------------------------- helpers

    function _pick(address[] storage list, uint256 seed) internal view returns (address) {
        return list[seed % list.length];
    }

    function _state(uint256 id) internal view returns (IEscrow.OrderState memory) {
        return lens.orderState(id);
    }

    /// @dev An order whose status is in `mask` (bits over `Status`), scanning from `seed`; now
    /// and then any order, so that wrong-status paths still get exercised.
    function _orderIn(uint256 seed, uint256 mask) internal view returns (bool ok, uint256 id) {
        uint256 n = orderIds.length;
        if (n == 0) return (false, 0);
        if (seed % 16 != 0) {
            for (uint256 i; i < n; ++i) {
                uint256 candidate = orderIds[(seed % n + i) % n];
                if (mask & (1 << uint8(_state(candidate).status)) != 0) return (true, candidate);
            }
            return (false, 0);
        }
        return (true, orderIds[seed % n]);
    }

    /// @dev An active order whose milestone is in `state`, scanning from `seed`.
    function _activeIn(uint256 seed, IEscrow.MilestoneState state)
        internal
        view
        returns (bool ok, uint256 id)
    {
        uint256 n = orderIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 candidate = orderIds[(seed % n + i) % n];
            IEscrow.OrderState memory s = _state(candidate);
            if (s.status == IEscrow.Status.Active && s.milestoneState == state) {
                return (true, candidate);
            }
        }
    }

    /// @dev A participant of the order with approval and dispute weight, scanning from `seed`.
    function _weightedIn(uint256 id, bytes memory p, uint256 seed) internal view returns (address) {
        for (uint256 i; i < _pledgers.length; ++i) {
            address candidate = _pledgers[(seed % _pledgers.length + i) % _pledgers.length];
            if (lens.weightOf(id, p, candidate) != 0) return candidate;
        }
        return address(0);
    }

    /// @dev A participant of the order holding units, scanning from `seed`.
    function _holderIn(uint256 id, uint256 seed) internal view returns (address who) {
        for (uint256 i; i < _pledgers.length; ++i) {
            address candidate = _pledgers[(seed % _pledgers.length + i) % _pledgers.length];
            if (lens.participantOf(id, candidate).units != 0) return candidate;
        }
    }

    uint256 internal constant FUNDING = 1 << uint8(IEscrow.Status.Funding);
    uint256 internal constant ACTIVE = 1 << uint8(IEscrow.Status.Active);
    uint256 internal constant REFUNDING = (1 << uint8(IEscrow.Status.Failed))
        | (1 << uint8(IEscrow.Status.Cancelled)) | (1 << uint8(IEscrow.Status.Completed))
        | (1 << uint8(IEscrow.Status.Resolved)) | (1 << uint8(IEscrow.Status.Expired));
    uint256 internal constant PAYING = (1 << uint8(IEscrow.Status.Active))
        | (1 << uint8(IEscrow.Status.Completed)) | (1 << uint8(IEscrow.Status.Resolved))
        | (1 << uint8(IEscrow.Status.Expired));

    function _balance(address token, address who) internal view returns (uint256) {
        if (token == address(0)) return who.balance;
        (, bytes memory out) = token.staticcall(abi.encodeWithSignature("balanceOf(address)", who));
        return abi.decode(out, (uint256));
    }

    /// @dev Mints `amount` of the order's token to `who` and lets the escrow pull it (for the
    /// native coin: deals it).
    function _fund(address token, address who, uint256 amount) internal {
        if (token == address(0)) {
            vm.deal(who, who.balance + amount);
            return;
        }
        (bool ok,) = token.call(abi.encodeWithSignature("mint(address,uint256)", who, amount));
        // A blacklisted account cannot even receive: its pledge will simply fail.
        if (!ok) return;
        vm.prank(who);
        (ok,) = token.call(
            abi.encodeWithSignature("approve(address,uint256)", address(escrow), amount)
        );
        require(ok, "approve");
    }

    function _valueFor(address token, uint256 amount) internal pure returns (uint256) {
        return token == address(0) ? amount : 0;
    }

    /// @dev Checks that `to` received `amount` of `token` since it held `before`. A
    /// fee-on-transfer token takes its cut on the way out too, beyond the escrow's reach: for it,
    /// the amount must be what the escrow's event and return value say it sent.
    function _checkPaid(address token, address to, uint256 before, uint256 amount) internal {
        uint256 received = _balance(token, to) - before;
        if (token == address(fot) ? received != amount - amount / 100 : received != amount) {
            ++inexactPayouts;
        }
    }

    /// @dev Checks a status change against the lifecycle.
    function _checkTransition(IEscrow.OrderState memory a, IEscrow.OrderState memory b) internal {
        if (b.milestone < a.milestone) ++invalidTransitions;
        if (a.status == b.status) return;
        IEscrow.Status from = a.status;
        IEscrow.Status to = b.status;
        bool valid =
            (from == IEscrow.Status.Funding
                    && (to == IEscrow.Status.Active
                        || to == IEscrow.Status.Failed
                        || to == IEscrow.Status.Cancelled))
                || (from == IEscrow.Status.Active
                    && (to == IEscrow.Status.Completed
                        || to == IEscrow.Status.Resolved
                        || to == IEscrow.Status.Expired));
        if (!valid) ++invalidTransitions;
    }

    /// @dev Feeds the event mirror with the logs recorded since the last call.
    function _mirror() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(escrow)) continue;
            bytes32 sig = log.topics[0];
            if (sig == IEscrow.MilestoneReleased.selector) {
                (uint256 amount,,) = abi.decode(log.data, (uint256, uint256, uint256));
                mirrorReleased[uint256(log.topics[1])] += amount;
            } else if (sig == IEscrow.DisputeRuled.selector) {
                _mirrorRuling(log);
            } else if (sig == IEscrow.Pledged.selector || sig == IEscrow.Unpledged.selector) {
                (,, uint256 weighted) = abi.decode(log.data, (uint256, uint256, uint256));
                mirrorWeighted[uint256(log.topics[1])] = weighted;
            } else if (sig == IEscrow.Claimed.selector) {
                address account = address(uint160(uint256(log.topics[2])));
                address token = address(uint160(uint256(log.topics[3])));
                mirrorBalance[token][account] += abi.decode(log.data, (uint256));
            } else if (sig == IEscrow.CommissionClaimed.selector) {
                address account = address(uint160(uint256(log.topics[2])));
                address token = address(uint160(uint256(log.topics[3])));
                (uint256 amount,) = abi.decode(log.data, (uint256, bool));
                mirrorBalance[token][account] += amount;
            } else if (sig == IEscrow.Withdrawn.selector) {
                address token = address(uint160(uint256(log.topics[1])));
                address account = address(uint160(uint256(log.topics[2])));
                mirrorBalance[token][account] -= abi.decode(log.data, (uint256));
            }
        }
    }

    function _mirrorRuling(Vm.Log memory log) internal {
        uint256 id = uint256(log.topics[1]);
        (uint256 released,,,,,, address bondTo, uint256 bond,) = abi.decode(
            log.data, (uint256, uint256, uint256, bool, bool, bool, address, uint256, uint256)
        );
        mirrorReleased[id] += released;
        mirrorBalance[termsOf(id).token][bondTo] += bond;
    }

    /// @dev Mirrors what succeeded so far, before a call that may revert.
    function _flush() internal {
        _mirror();
    }

    /// @dev Forgets the logs of a call that reverted: the log recorder keeps them.
    function _drop() internal {
        vm.getRecordedLogs();
    }

    modifier recorded() {
        vm.recordLogs();
        _;
        _mirror();
    }

    // ---------------------------------------------------------------- actions

    function createOrder(uint256 seed, uint96 price, uint8 nMilestones, uint8 nSplits, bool signed)
        external
        recorded
    {
        if (orderIds.length >= MAX_ORDERS) return;
        IEscrow.Terms memory t = _randomTerms(seed, price, nMilestones, nSplits);
        bytes memory p = TermsLib.pack(t);
        if (escrow.paused()) {
            _flush();
            vm.prank(t.seller);
            vm.expectRevert(IEscrow.Paused.selector);
            escrow.createOrder(p);
            _drop();
            return;
        }
        uint256 id = signed ? _createSigned(t.seller, p, seed) : _createDirect(t.seller, p);
        orderIds.push(id);
        _packed[id] = p;
        _typed[id] = abi.encode(t);
        arbiterAbsent[id] = (seed >> 96) % 3 == 0;
        ++calls["createOrder"];
        // Most orders get a few pledges at once, and half of them are filled and finalized, so
        // that runs reach the later stages.
        if (seed % 4 != 0) {
            for (uint256 i; i < 3; ++i) {
                _pledge(id, seed >> (100 + 8 * i), price >> (8 * i), seed >> (130 + 8 * i), false);
            }
        }
        if (seed % 2 == 0) _fillAndFinalize(id, seed >> 160);
    }

    /// @dev Pledges the units still available and ends funding (the cap is reached).
    function _fillAndFinalize(uint256 id, uint256 actorSeed) internal {
        IEscrow.Terms memory t = termsOf(id);
        if (_state(id).unitsPledged < t.maxUnits) {
            _pledge(id, actorSeed, type(uint256).max, 0, false);
        }
        IEscrow.OrderState memory s = _state(id);
        if (s.status == IEscrow.Status.Funding && s.unitsPledged == t.maxUnits) {
            _flush();
            escrow.finalize(id, _packed[id]); // the cap is reached: must succeed
            ++calls["finalize"];
            _checkTransition(s, _state(id));
        }
    }

    function _createDirect(address seller, bytes memory p) internal returns (uint256) {
        vm.prank(seller);
        return escrow.createOrder(p);
    }

    /// @dev A backer relays the seller's signed terms.
    function _createSigned(address seller, bytes memory p, uint256 seed)
        internal
        returns (uint256)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keys[seller], lens.termsDigest(p));
        vm.prank(_pick(_backers, seed >> 200));
        return escrow.createOrderFor(p, abi.encodePacked(r, s, v));
    }

    function _randomTerms(uint256 seed, uint96 price, uint8 nMilestones, uint8 nSplits)
        internal
        view
        returns (IEscrow.Terms memory t)
    {
        t.seller = _pick(_sellers, seed);
        t.token = _tokens[(seed >> 8) % _tokens.length];
        uint256 maxPrice = t.token == address(dai) ? 1e21 : t.token == address(0) ? 1e18 : 1e9;
        t.unitPrice = uint96(_bound(price, 1, maxPrice));
        t.minUnits = uint32(_bound(seed >> 16, 1, 6));
        t.maxUnits = uint32(t.minUnits + _bound(seed >> 24, 0, 10));
        t.fundingDeadline = uint40(block.timestamp + _bound(seed >> 32, 1 hours, 10 days));
        t.reviewPeriod = uint32(_bound(seed >> 48, 1 days, 3 days));
        t.rulingPeriod = uint32(_bound(seed >> 56, 1 days, 7 days));
        t.promoterBps = uint16(_bound(seed >> 64, 0, 3000));
        t.feeBps = escrow.feeBps();
        t.bondBps = uint16(_bound(seed >> 72, 100, 2000));
        // A sole buyer is never a role: backers 1..4 (backer 0 may be a split recipient).
        if ((seed >> 80) % 5 == 0) t.soleBuyer = _backers[1 + (seed >> 88) % 4];
        t.arbiter = arbiter;
        t.metadataHash = bytes32(seed);
        uint256 n = _bound(nMilestones, 1, 4);
        t.milestones = new IEscrow.Milestone[](n);
        uint256 left = 10_000;
        for (uint256 i; i < n; ++i) {
            uint256 bps = i == n - 1
                ? left
                : _bound(uint256(keccak256(abi.encode(seed, i))), 1, left - (n - 1 - i));
            uint256 period = _bound(uint256(keccak256(abi.encode(seed, i, "d"))), 1 hours, 10 days);
            t.milestones[i] = IEscrow.Milestone(uint16(bps), uint32(period));
            left -= bps;
        }
        // Split recipients: the partners, and backer 0 (a split recipient that also pledges).
        n = _bound(nSplits, 0, 3);
        t.splits = new IEscrow.Split[](n);
        left = 10_000;
        for (uint256 i; i < n; ++i) {
            uint256 bps = _bound(uint256(keccak256(abi.encode(seed, i, "s"))), 1, left / 2 + 1);
            uint256 k = (seed % 16 + i) % 4;
            address recipient = k < 3 ? _partners[k] : _backers[0];
            if (recipient == t.soleBuyer) recipient = _partners[0];
            t.splits[i] = IEscrow.Split(recipient, uint16(bps));
            left -= bps;
        }
    }

    function pledge(
        uint256 orderSeed,
        uint256 actorSeed,
        uint256 units,
        uint256 promoterSeed,
        bool permit
    ) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, FUNDING);
        if (!ok) return;
        _pledge(id, actorSeed, units, promoterSeed, permit);
    }

    /// @dev The promoter a backer names: nobody, a promoter, a backer (maybe weighted), a role
    /// (seller, split recipient, arbiter, treasury) or itself.
    function _promoterFor(IEscrow.Terms memory t, address backer, uint256 seed)
        internal
        view
        returns (address)
    {
        uint256 k = seed % 20;
        if (k < 7) return address(0);
        if (k < 14) return _promoters[seed % 3];
        if (k < 16) return _pick(_backers, seed >> 8);
        if (k == 16) return backer;
        if (k == 17) return t.seller;
        if (k == 18) return t.splits.length != 0 ? t.splits[0].recipient : arbiter;
        return (seed >> 8) % 2 == 0 ? treasury : arbiter;
    }

    struct PledgeCall {
        address backer;
        address via;
        address token;
        uint256 units;
        uint256 amount;
    }

    function _pledge(
        uint256 id,
        uint256 actorSeed,
        uint256 units,
        uint256 promoterSeed,
        bool permit
    ) internal {
        IEscrow.Terms memory t = termsOf(id);
        PledgeCall memory c;
        c.backer = t.soleBuyer != address(0) ? t.soleBuyer : _pick(_pledgers, actorSeed);
        uint256 available = t.maxUnits - _state(id).unitsPledged;
        // type(uint256).max fills the order exactly; otherwise mostly within the cap.
        c.units = units == type(uint256).max
            ? (available == 0 ? 1 : available)
            : _bound(units, 1, available == 0 || units % 16 == 0 ? t.maxUnits : available);
        c.via = units == type(uint256).max ? address(0) : _promoterFor(t, c.backer, promoterSeed);
        c.token = t.token;
        c.amount = c.units * t.unitPrice;
        IEscrow.OrderState memory before = _state(id);
        uint256 escrowBefore = _balance(c.token, address(escrow));
        _fund(c.token, c.backer, c.amount);
        bool success =
            permit && c.token == address(usd) ? _permitPledge(id, c) : _plainPledge(id, c);
        if (success) {
            // The token takes 1 % (rounded down): only amounts under 100 arrive whole.
            if (c.token == address(fot) && c.amount >= 100) ++feeOnTransferAccepted;
            if (_balance(c.token, address(escrow)) - escrowBefore != c.amount) ++inexactPayouts;
            ghostIn[c.token] += c.amount;
            ++calls["pledge"];
        } else if (c.token == address(0)) {
            vm.deal(c.backer, c.backer.balance - c.amount);
        }
        _checkTransition(before, _state(id));
    }

    function _plainPledge(uint256 id, PledgeCall memory c) internal returns (bool success) {
        bytes memory p = _packed[id];
        _flush();
        vm.prank(c.backer);
        try escrow.pledge{value: _valueFor(c.token, c.amount)}(id, p, c.units, c.via) {
            success = true;
        } catch {
            _drop();
        }
    }

    function _permitPledge(uint256 id, PledgeCall memory c) internal returns (bool success) {
        // Forget the plain allowance: the permit alone must let the escrow pull.
        vm.prank(c.backer);
        usd.approve(address(escrow), 0);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                c.backer,
                address(escrow),
                c.amount,
                usd.nonces(c.backer),
                block.timestamp
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            _keys[c.backer],
            keccak256(abi.encodePacked("\x19\x01", usd.DOMAIN_SEPARATOR(), structHash))
        );
        bytes memory p = _packed[id];
        _flush();
        vm.prank(c.backer);
        try escrow.pledgeWithPermit(id, p, c.units, c.via, block.timestamp, v, r, s) {
            success = true;
            ++calls["pledgeWithPermit"];
        } catch {
            _drop();
        }
    }

    function unpledge(uint256 orderSeed, uint256 actorSeed, uint256 units) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, FUNDING);
        if (!ok) return;
        address backer = _holderIn(id, actorSeed);
        if (backer == address(0)) return;
        IEscrow.Terms memory t = termsOf(id);
        uint256 held = lens.participantOf(id, backer).units;
        units = _bound(units, 1, held);
        uint256 amount = units * t.unitPrice;
        uint256 balanceBefore = _balance(t.token, backer);
        IEscrow.OrderState memory before = _state(id);
        _flush();
        vm.prank(backer);
        try escrow.unpledge(id, _packed[id], units) {
            _checkPaid(t.token, backer, balanceBefore, amount);
            ghostOut[t.token] += amount;
            ++calls["unpledge"];
        } catch {
            _drop();
            // Only the token refusing the backer, or funding being over, may stop it.
            if (
                canReceive(t.token, backer) && block.timestamp < t.fundingDeadline
                    && before.status == IEscrow.Status.Funding
            ) ++inexactPayouts;
        }
        _checkTransition(before, _state(id));
    }

    function finalize(uint256 orderSeed, bool warpFirst) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, FUNDING);
        if (!ok || _state(id).status != IEscrow.Status.Funding) return;
        IEscrow.Terms memory t = termsOf(id);
        IEscrow.OrderState memory before = _state(id);
        if (warpFirst && block.timestamp < t.fundingDeadline) vm.warp(t.fundingDeadline);
        if (block.timestamp < t.fundingDeadline && before.unitsPledged < t.maxUnits) {
            _flush();
            vm.expectRevert(abi.encodeWithSelector(IEscrow.FundingOpen.selector, id));
            escrow.finalize(id, _packed[id]);
            _drop();
            return;
        }
        escrow.finalize(id, _packed[id]); // must succeed
        ++calls["finalize"];
        _checkTransition(before, _state(id));
    }

    function cancel(uint256 orderSeed) external recorded {
        // Rare: a cancelled order skips everything that follows funding.
        if (orderSeed % 4 != 0) return;
        (bool ok, uint256 id) = _orderIn(orderSeed >> 2, FUNDING);
        if (!ok) return;
        IEscrow.OrderState memory before = _state(id);
        _flush();
        vm.prank(termsOf(id).seller);
        try escrow.cancel(id, _packed[id]) {
            ++calls["cancel"];
        } catch {
            _drop();
        }
        _checkTransition(before, _state(id));
    }

    function deliver(uint256 orderSeed, bytes32 proof) external recorded {
        (bool ok, uint256 id) = _activeIn(orderSeed, IEscrow.MilestoneState.Pending);
        if (!ok) return;
        bytes memory p = _packed[id];
        uint256 deadline = lens.deadlineOf(id, p);
        vm.prank(termsOf(id).seller);
        if (block.timestamp >= deadline) {
            _flush();
            vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlinePassed.selector, deadline));
            escrow.deliverMilestone(id, p, proof);
            _drop();
            return;
        }
        escrow.deliverMilestone(id, p, proof); // must succeed
        ++deliveries[id];
        ++calls["deliver"];
    }

    function approve(uint256 orderSeed, uint256 actorSeed) external recorded {
        (bool ok, uint256 id) = _activeIn(orderSeed, IEscrow.MilestoneState.Delivered);
        if (!ok) return;
        address who = _pick(_pledgers, actorSeed);
        IEscrow.OrderState memory before = _state(id);
        bool weighted = lens.weightOf(id, _packed[id], who) != 0;
        _flush();
        vm.prank(who);
        try escrow.approveMilestone(id, _packed[id]) {
            if (!weighted) ++roleWeightUsed;
            ++calls["approve"];
        } catch {
            _drop();
        }
        _checkTransition(before, _state(id));
    }

    function release(uint256 orderSeed, bool warpFirst) external recorded {
        (bool ok, uint256 id) = _activeIn(orderSeed, IEscrow.MilestoneState.Delivered);
        if (!ok) return;
        bytes memory p = _packed[id];
        uint256 endsAt = lens.deadlineOf(id, p);
        if (warpFirst && block.timestamp < endsAt) vm.warp(endsAt);
        IEscrow.OrderState memory before = _state(id);
        if (block.timestamp < endsAt) {
            _flush();
            vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlineNotReached.selector, endsAt));
            escrow.release(id, p);
            _drop();
            return;
        }
        escrow.release(id, p); // must succeed
        ++calls["release"];
        _checkTransition(before, _state(id));
    }

    function dispute(uint256 orderSeed, uint256 actorSeed) external recorded {
        (bool ok, uint256 id) = _activeIn(orderSeed, IEscrow.MilestoneState.Delivered);
        if (!ok) return;
        _dispute(id, actorSeed);
    }

    function _dispute(uint256 id, uint256 actorSeed) internal {
        IEscrow.Terms memory t = termsOf(id);
        bytes memory p = _packed[id];
        // Mostly a backer with weight; now and then anyone, roles included.
        address who =
            actorSeed % 4 == 0 ? _pick(_pledgers, actorSeed) : _weightedIn(id, p, actorSeed);
        if (who == address(0)) who = _pick(_pledgers, actorSeed);
        uint256 bond = lens.disputeBond(id, p);
        bool weighted = lens.weightOf(id, p, who) != 0;
        _fund(t.token, who, bond);
        _flush();
        vm.prank(who);
        try escrow.dispute{value: _valueFor(t.token, bond)}(id, p, "The wool is not as promised.") {
            if (!weighted) ++roleWeightUsed;
            if (t.token == address(fot) && bond >= 100) ++feeOnTransferAccepted;
            ghostIn[t.token] += bond;
            ++calls["dispute"];
        } catch {
            _drop();
            if (t.token == address(0)) vm.deal(who, who.balance - bond);
        }
    }

    function rule(uint256 orderSeed, uint256 amountSeed, bool endOrder) external recorded {
        (bool ok, uint256 id) = _activeIn(orderSeed, IEscrow.MilestoneState.Disputed);
        if (!ok || arbiterAbsent[id]) return;
        _rule(id, amountSeed, endOrder);
    }

    function _rule(uint256 id, uint256 amountSeed, bool endOrder) internal {
        bytes memory p = _packed[id];
        uint256 endsAt = lens.deadlineOf(id, p);
        IEscrow.OrderState memory before = _state(id);
        uint256 amount = lens.milestoneAmount(id, p, before.milestone);
        vm.prank(arbiter);
        if (block.timestamp >= endsAt) {
            _flush();
            vm.expectRevert(abi.encodeWithSelector(IEscrow.DeadlinePassed.selector, endsAt));
            escrow.rule(id, p, 0, true);
            _drop();
            return;
        }
        if (amountSeed % 8 == 0) {
            _flush();
            vm.expectRevert(
                abi.encodeWithSelector(IEscrow.ReleaseTooHigh.selector, amount + 1, amount)
            );
            escrow.rule(id, p, amount + 1, endOrder);
            _drop();
            return;
        }
        // Dismissals (the whole milestone) are as likely as partial rulings.
        uint256 releaseAmount = amountSeed % 2 == 0 ? amount : _bound(amountSeed, 0, amount);
        escrow.rule(id, p, releaseAmount, endOrder); // must succeed
        ++calls["rule"];
        _checkTransition(before, _state(id));
    }

    /// @dev Pushes an order one step along its schedule, so that runs reach deliveries,
    /// approvals, disputes and rulings: funding is filled and ended, the seller delivers, then
    /// every weighted backer approves, or someone disputes, or the review window passes; a
    /// dispute gets ruled (when the arbiter acts) or runs out.
    function advance(uint256 orderSeed, uint256 choice) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, FUNDING | ACTIVE);
        if (!ok) return;
        // One to three steps at once.
        for (uint256 step; step <= choice % 3; ++step) {
            IEscrow.Status status = _state(id).status;
            if (status != IEscrow.Status.Funding && status != IEscrow.Status.Active) return;
            _step(id, uint256(keccak256(abi.encode(choice, step))));
        }
    }

    function _step(uint256 id, uint256 choice) internal {
        IEscrow.OrderState memory s = _state(id);
        if (s.status == IEscrow.Status.Funding) {
            _fillAndFinalize(id, choice);
            return;
        }
        if (s.milestoneState == IEscrow.MilestoneState.Pending) {
            if (block.timestamp < lens.deadlineOf(id, _packed[id])) {
                _flush();
                vm.prank(termsOf(id).seller);
                escrow.deliverMilestone(id, _packed[id], bytes32(choice)); // must succeed
                ++deliveries[id];
                ++calls["deliver"];
            } else {
                _settleByDeadline(id);
            }
        } else if (s.milestoneState == IEscrow.MilestoneState.Delivered) {
            uint256 k = choice % 3;
            if (k == 0) _approveAll(id);
            else if (k == 1) _dispute(id, choice >> 8);
            else _settleByDeadline(id);
        } else if (!arbiterAbsent[id] && choice % 2 == 0) {
            _rule(id, choice >> 8, (choice >> 4) % 2 == 0);
        } else {
            _settleByDeadline(id);
        }
    }

    /// @dev Every pledger approves (the weightless ones fail): releases at once if the review
    /// window is still open.
    function _approveAll(uint256 id) internal {
        if (block.timestamp >= lens.deadlineOf(id, _packed[id])) return;
        for (uint256 i; i < _pledgers.length; ++i) {
            if (_state(id).milestoneState != IEscrow.MilestoneState.Delivered) break;
            address who = _pledgers[i];
            bool weighted = lens.weightOf(id, _packed[id], who) != 0;
            bytes memory p = _packed[id];
            _flush();
            vm.prank(who);
            try escrow.approveMilestone(id, p) {
                if (!weighted) ++roleWeightUsed;
                ++calls["approve"];
            } catch {
                _drop();
            }
        }
    }

    /// @dev Warps to the current phase's deadline and applies its default: every waiting state
    /// ends without anyone's cooperation.
    function passDeadline(uint256 orderSeed) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, FUNDING | ACTIVE);
        if (!ok) return;
        _settleByDeadline(id);
    }

    function _settleByDeadline(uint256 id) internal {
        IEscrow.OrderState memory s = _state(id);
        bytes memory p = _packed[id];
        uint256 deadline = lens.deadlineOf(id, p);
        if (deadline == 0) return;
        if (block.timestamp < deadline) vm.warp(deadline);
        if (s.status == IEscrow.Status.Funding) {
            escrow.finalize(id, p);
        } else if (s.milestoneState == IEscrow.MilestoneState.Pending) {
            escrow.expire(id, p);
        } else if (s.milestoneState == IEscrow.MilestoneState.Delivered) {
            escrow.release(id, p);
        } else {
            escrow.ruleByDefault(id, p);
        }
        ++calls["passDeadline"];
        _checkTransition(s, _state(id));
    }

    function refund(uint256 orderSeed, uint256 actorSeed) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, REFUNDING);
        if (!ok) return;
        address backer = _holderIn(id, actorSeed);
        if (backer == address(0)) return;
        _refund(id, backer);
    }

    /// @dev Refunds `backer` to itself, or to an address it names when the token refuses it.
    /// Must succeed whenever something is due.
    function _refund(uint256 id, address backer) internal {
        IEscrow.Terms memory t = termsOf(id);
        bytes memory p = _packed[id];
        IEscrow.OrderState memory s = _state(id);
        bool exact = s.status == IEscrow.Status.Failed || s.status == IEscrow.Status.Cancelled;
        bool ended = s.status == IEscrow.Status.Completed || s.status == IEscrow.Status.Resolved
            || s.status == IEscrow.Status.Expired;
        if (!exact && !ended) {
            _flush();
            vm.expectRevert(abi.encodeWithSelector(IEscrow.WrongStatus.selector, id, s.status));
            escrow.refund(id, p, backer, backer);
            _drop();
            return;
        }
        if (ended && lens.releasedOf(id, p) == uint256(s.unitsPledged) * t.unitPrice) {
            _flush();
            vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRefund.selector, backer));
            escrow.refund(id, p, backer, backer);
            _drop();
            return;
        }
        uint256 due = lens.refundable(id, p, backer);
        if (exact && due != lens.participantOf(id, backer).units * t.unitPrice) ++inexactPayouts;
        address to = canReceive(t.token, backer) ? backer : alt(backer);
        uint256 before = _balance(t.token, to);
        vm.prank(backer);
        uint256 paid = escrow.refund(id, p, backer, to); // must succeed
        if (paid != due) ++inexactPayouts;
        _checkPaid(t.token, to, before, paid);
        ghostOut[t.token] += paid;
        ++calls["refund"];
    }

    function claim(uint256 orderSeed, uint256 accountSeed) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, PAYING);
        if (!ok) return;
        address account = _accounts[accountSeed % _accounts.length];
        bytes memory p = _packed[id];
        uint256 due = lens.claimable(id, p, account);
        if (due == 0) {
            _flush();
            vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, account));
            escrow.claim(id, p, account);
            _drop();
            return;
        }
        if (escrow.claim(id, p, account) != due) ++inexactPayouts; // must succeed
        ++calls["claim"];
    }

    function claimCommission(uint256 orderSeed, uint256 promoterSeed) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, PAYING);
        if (!ok) return;
        address who = _pick(_promoters, promoterSeed);
        bytes memory p = _packed[id];
        uint256 due = lens.commissionClaimable(id, p, who);
        _flush();
        try escrow.claimCommission(id, p, who) returns (uint256 amount) {
            if (amount != due) ++inexactPayouts;
            ++calls["claimCommission"];
        } catch {
            _drop();
            if (due != 0) ++inexactPayouts;
        }
    }

    /// @dev A seller-side account's one-call "get paid".
    function collect(uint256 orderSeed, uint256 accountSeed) external recorded {
        (bool ok, uint256 id) = _orderIn(orderSeed, PAYING);
        if (!ok) return;
        IEscrow.Terms memory t = termsOf(id);
        address account =
            accountSeed % 2 == 0 ? t.seller : _accounts[accountSeed % _accounts.length];
        address to = canReceive(t.token, account) ? account : alt(account);
        uint256 before = _balance(t.token, to);
        _flush();
        vm.prank(account);
        try escrow.collect(id, _packed[id], to) returns (uint256 amount) {
            _checkPaid(t.token, to, before, amount);
            ghostOut[t.token] += amount;
            ++calls["collect"];
        } catch {
            _drop();
        }
    }

    function withdraw(uint256 accountSeed, uint256 tokenSeed) external recorded {
        address account = _accounts[accountSeed % _accounts.length];
        address token = _tokens[tokenSeed % _tokens.length];
        _withdraw(token, account);
    }

    /// @dev Pays out an account's balance to itself, or to an address it names when the token
    /// refuses it. Must succeed whenever something is due.
    function _withdraw(address token, address account) internal {
        uint256 due = escrow.balanceOf(token, account);
        if (due == 0) return;
        address to = canReceive(token, account) ? account : alt(account);
        uint256 before = _balance(token, to);
        vm.prank(account);
        escrow.withdraw(token, account, to); // must succeed
        _checkPaid(token, to, before, due);
        ghostOut[token] += due;
        ++calls["withdraw"];
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1 hours, 3 days));
        ++calls["warp"];
    }

    function setFee(uint16 fee) external recorded {
        uint16 newFee = uint16(_bound(fee, 0, escrow.MAX_FEE_BPS()));
        vm.prank(governance);
        escrow.setFeeBps(newFee);
        ++calls["setFee"];
    }

    function togglePause(uint256 seed) external recorded {
        // Short, rare pauses: a pause must never stop refunds, releases, claims or withdrawals.
        bool paused = escrow.paused();
        if (!paused && seed % 4 != 0) return;
        vm.prank(governance);
        if (paused) escrow.unpause();
        else escrow.pause();
        ++calls["togglePause"];
    }

    /// @dev The blacklisting token's owner blocks or frees an actor (never the escrow).
    function toggleBlacklist(uint256 seed) external {
        address who = _accounts[seed % _accounts.length];
        blk.setBlacklisted(who, !blk.blacklisted(who));
        ++calls["toggleBlacklist"];
    }

    // --------------------------------------------------------------- endgame

    /// @dev Drives every order to its end with permissionless calls only (the arbiter never
    /// acts), then refunds every backer, claims every share and commission and withdraws every
    /// balance. Every one of these calls must succeed. Used by `afterInvariant` on a snapshot.
    function endEverything() external recorded {
        for (uint256 i; i < orderIds.length; ++i) {
            uint256 id = orderIds[i];
            // At most one step per milestone phase and one for funding.
            for (uint256 step; step < 3 * 4 + 1; ++step) {
                IEscrow.Status status = _state(id).status;
                if (status != IEscrow.Status.Funding && status != IEscrow.Status.Active) break;
                _settleByDeadline(id);
            }
            IEscrow.Status end = _state(id).status;
            require(end != IEscrow.Status.Funding && end != IEscrow.Status.Active, "not ended");
        }
        for (uint256 i; i < orderIds.length; ++i) {
            uint256 id = orderIds[i];
            for (uint256 k; k < _pledgers.length; ++k) {
                if (lens.participantOf(id, _pledgers[k]).units != 0) _refund(id, _pledgers[k]);
            }
            bytes memory p = _packed[id];
            for (uint256 k; k < _accounts.length; ++k) {
                if (lens.claimable(id, p, _accounts[k]) != 0) escrow.claim(id, p, _accounts[k]);
            }
            IEscrow.Status status = _state(id).status;
            bool ended = status == IEscrow.Status.Completed || status == IEscrow.Status.Resolved
                || status == IEscrow.Status.Expired;
            // Once an order ended, every promoter's claim closes its position.
            for (uint256 k; ended && k < _pledgers.length; ++k) {
                IEscrow.Participant memory pr = lens.participantOf(id, _pledgers[k]);
                if (pr.promoted != 0 && !pr.closed) escrow.claimCommission(id, p, _pledgers[k]);
            }
        }
        for (uint256 j; j < _tokens.length; ++j) {
            for (uint256 k; k < _accounts.length; ++k) {
                _withdraw(_tokens[j], _accounts[k]);
            }
        }
    }
}
