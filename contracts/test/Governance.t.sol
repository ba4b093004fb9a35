// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test, Vm} from "forge-std/Test.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {CointentGovernor} from "src/CointentGovernor.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {EscrowLens} from "src/EscrowLens.sol";
import {Shop} from "src/Shop.sol";
import {TeamVesting} from "src/TeamVesting.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {Token} from "src/Token.sol";
import {Treasury} from "src/Treasury.sol";
import {ITreasury} from "src/interfaces/ITreasury.sol";
import {DeployBase} from "../../script/Deploy.s.sol";

/// @notice End-to-end governance over the real deployment logic of `script/Deploy.s.sol`.
contract GovernanceTest is Test, DeployBase {
    /// @dev Runtime code of the deterministic CREATE2 deployer, for EVMs that lack it.
    bytes internal constant _CREATE2_DEPLOYER_CODE =
        hex"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";

    uint8 internal constant AGAINST = 0;
    uint8 internal constant FOR = 1;

    address internal deployer = makeAddr("deployer");
    address internal voter = makeAddr("voter"); // receives the bootstrap supply
    address internal attacker = makeAddr("attacker");
    address internal team = makeAddr("team");

    Deployment internal d;
    Vm.Log[] internal deployLogs;
    Token internal token;
    CointentGovernor internal governor;
    TimelockController internal timelock;
    Treasury internal treasury;
    Escrow internal escrow;
    DemoStablecoin internal usd;

    function setUp() public {
        if (CREATE2_FACTORY.code.length == 0) vm.etch(CREATE2_FACTORY, _CREATE2_DEPLOYER_CODE);
        vm.recordLogs();
        vm.startPrank(deployer);
        (d,) = _deploy(deployer, _params());
        vm.stopPrank();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            deployLogs.push(logs[i]);
        }

        token = Token(d.token);
        governor = CointentGovernor(payable(d.governor));
        timelock = TimelockController(payable(d.timelock));
        treasury = Treasury(payable(d.treasury));
        escrow = Escrow(payable(d.escrow));
        usd = DemoStablecoin(d.stablecoin);

        vm.prank(voter);
        token.delegate(voter);
        vm.warp(block.timestamp + 1);
    }

    /// @dev A local deployment: the voter holds the bootstrap share, the team vests.
    function _params() internal view returns (Params memory p) {
        p.bootstrapHolder = voter;
        p.team = team;
        p.local = true;
        p.allowNative = true;
    }

    // ---- deployment ----

    function test_DeploymentIsWired() public view {
        Deployment memory p = _predict(deployer, _params());
        assertEq(abi.encode(p), abi.encode(d));
        assertEq(token.minter(), d.timelock);
        assertEq(treasury.governance(), d.timelock);
        assertEq(governor.timelock(), d.timelock);
        assertEq(address(governor.token()), d.token);
        assertEq(governor.CLOCK_MODE(), "mode=timestamp");
        assertEq(address(EscrowLens(d.lens).escrow()), d.escrow);
        assertEq(address(escrow.verifier()), d.verifier);
        assertEq(escrow.bootstrap(), address(0));
        assertEq(escrow.shop(), d.shop);
        assertEq(address(Shop(d.shop).escrow()), d.escrow);
        assertTrue(escrow.isTokenAllowed(address(0)));
        assertTrue(escrow.isTokenAllowed(d.stablecoin));
        assertEq(TeamVesting(payable(d.teamVesting)).owner(), team);
        assertEq(timelock.getMinDelay(), TIMELOCK_MIN_DELAY);
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.votingPeriod(), VOTING_PERIOD);
        assertEq(governor.proposalThreshold(), PROPOSAL_THRESHOLD);
        assertEq(governor.quorumNumerator(), QUORUM_PERCENT);
        assertEq(escrow.governance(), d.timelock);
        assertEq(escrow.treasury(), d.treasury);
        assertEq(escrow.feeBps(), ESCROW_FEE_BPS);
    }

    function test_DeployerHoldsNoRoleOnTimelock() public view {
        bytes32[4] memory roles = [
            timelock.DEFAULT_ADMIN_ROLE(),
            timelock.PROPOSER_ROLE(),
            timelock.CANCELLER_ROLE(),
            timelock.EXECUTOR_ROLE()
        ];
        for (uint256 i; i < roles.length; ++i) {
            assertFalse(timelock.hasRole(roles[i], deployer));
            assertFalse(timelock.hasRole(roles[i], voter));
        }
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), d.governor));
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), d.governor));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0))); // anyone executes
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), d.timelock));
    }

    /// @dev Replays every role event of the deployment: at the end exactly the timelock is
    /// admin, exactly the governor proposes and cancels, and execution is open.
    function test_RoleHoldersAfterDeploymentFromEvents() public view {
        address[] memory accounts = new address[](8);
        bytes32[] memory roles = new bytes32[](8);
        bool[] memory held = new bool[](8);
        uint256 n;
        for (uint256 i; i < deployLogs.length; ++i) {
            Vm.Log memory log = deployLogs[i];
            if (log.emitter != d.timelock) continue;
            bool granted = log.topics[0] == IAccessControl.RoleGranted.selector;
            if (!granted && log.topics[0] != IAccessControl.RoleRevoked.selector) continue;
            bytes32 role = log.topics[1];
            address account = address(uint160(uint256(log.topics[2])));
            uint256 j;
            while (j < n && !(roles[j] == role && accounts[j] == account)) ++j;
            if (j == n) (roles[n], accounts[n], n) = (role, account, n + 1);
            held[j] = granted;
        }
        uint256 holders;
        for (uint256 j; j < n; ++j) {
            if (!held[j]) continue;
            ++holders;
            if (roles[j] == timelock.DEFAULT_ADMIN_ROLE()) assertEq(accounts[j], d.timelock);
            else if (roles[j] == timelock.EXECUTOR_ROLE()) assertEq(accounts[j], address(0));
            else assertEq(accounts[j], d.governor);
        }
        assertEq(holders, 4);
    }

    /// @dev The distribution of README: 70 M with the timelock, 20 M vesting for the team (no
    /// votes, nothing before the cliff), 10 M liquid with the bootstrap holder, who alone
    /// reaches the quorum on day one. The deployer keeps nothing.
    function test_TokenDistribution() public {
        assertEq(token.totalSupply(), 100_000_000e18);
        assertEq(token.balanceOf(d.timelock), COMMUNITY_SUPPLY);
        assertEq(token.balanceOf(d.teamVesting), TEAM_SUPPLY);
        assertEq(token.balanceOf(voter), BOOTSTRAP_SUPPLY);
        assertEq(token.balanceOf(deployer), 0);
        assertEq(token.getVotes(d.teamVesting), 0);
        assertEq(token.getVotes(d.timelock), 0);
        assertGe(token.getVotes(voter), governor.quorum(block.timestamp - 1));
        TeamVesting vesting = TeamVesting(payable(d.teamVesting));
        assertEq(vesting.start(), TEAM_VESTING_START);
        assertEq(vesting.cliff(), TEAM_VESTING_START + TEAM_VESTING_CLIFF);
        assertEq(vesting.vestedAmount(d.token, uint64(vesting.cliff()) - 1), 0);
        assertEq(vesting.vestedAmount(d.token, uint64(vesting.end())), TEAM_SUPPLY);
        vm.warp(vesting.cliff());
        vesting.release(d.token);
        assertEq(token.balanceOf(team), TEAM_SUPPLY / 4);
    }

    function test_RealChainGetsNoStablecoin() public {
        Params memory p = _params();
        p.local = false;
        p.paymentTokens = new address[](1);
        p.paymentTokens[0] = makeAddr("USDC");
        address other = makeAddr("other deployer");
        vm.chainId(10);
        vm.startPrank(other);
        (Deployment memory r,) = _deploy(other, p);
        vm.stopPrank();
        assertEq(r.stablecoin, address(0));
        assertTrue(Escrow(r.escrow).isTokenAllowed(makeAddr("USDC")));
        assertTrue(Escrow(r.escrow).isTokenAllowed(address(0)));
        assertFalse(Escrow(r.escrow).isTokenAllowed(_predict(other, _params()).stablecoin));
        assertEq(Escrow(r.escrow).bootstrap(), address(0));
    }

    function test_DeployIsIdempotent() public {
        vm.startPrank(deployer);
        (Deployment memory again, bool fresh) = _deploy(deployer, _params());
        vm.stopPrank();
        assertFalse(fresh);
        assertEq(abi.encode(again), abi.encode(d));
    }

    function test_RevertWhen_DeployerSchedulesOnTimelock() public {
        bytes32 proposer = timelock.PROPOSER_ROLE();
        vm.prank(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, deployer, proposer
            )
        );
        timelock.schedule(d.treasury, 0, "", bytes32(0), bytes32(0), TIMELOCK_MIN_DELAY);
    }

    function test_RevertWhen_VotingDelayIsZero() public {
        vm.expectRevert(CointentGovernor.VotingDelayTooShort.selector);
        new CointentGovernor(IVotes(d.token), timelock, 0, VOTING_PERIOD, 0, QUORUM_PERCENT);
    }

    function test_RevertWhen_GovernorTokenCountsBlocks() public {
        ERC20VotesBlocks blocks = new ERC20VotesBlocks();
        vm.expectRevert(CointentGovernor.ClockNotTimestamp.selector);
        new CointentGovernor(IVotes(address(blocks)), timelock, 1, VOTING_PERIOD, 0, 4);
    }

    function test_VotingPeriodIsCountedInSeconds() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.token, abi.encodeCall(Token.mint, (voter, 1)));
        vm.prank(voter);
        uint256 id = governor.propose(t, v, c, "seconds");
        assertEq(governor.proposalSnapshot(id), block.timestamp + 1 days);
        assertEq(governor.proposalDeadline(id), block.timestamp + 8 days);
        // However many blocks pass, only time counts.
        vm.roll(block.number + 1_000_000);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Pending));
    }

    // ---- proposals through the timelock ----

    function test_GovernanceSetsTreasuryAllocations() public {
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](2);
        list[0] = ITreasury.Allocation("operations", makeAddr("ops"), 6_000);
        list[1] = ITreasury.Allocation("carbon offsets", makeAddr("carbon"), 1_000);
        _passAndExecute(d.treasury, abi.encodeCall(Treasury.setAllocations, (list)), "allocate");

        ITreasury.Allocation[] memory stored = treasury.allocations();
        assertEq(stored.length, 2);
        assertEq(stored[0].recipient, makeAddr("ops"));
        assertEq(stored[1].bps, 1_000);

        usd.mint(d.treasury, 1_000e6);
        treasury.distribute(d.stablecoin);
        assertEq(treasury.credited(d.stablecoin, makeAddr("ops")), 600e6);
        assertEq(treasury.retained(d.stablecoin), 300e6);
    }

    function test_GovernanceSpendsFromTreasury() public {
        vm.deal(d.treasury, 5 ether);
        address grantee = makeAddr("grantee");
        _passAndExecute(
            d.treasury, abi.encodeCall(Treasury.spend, (address(0), grantee, 2 ether)), "grant"
        );
        assertEq(grantee.balance, 2 ether);
    }

    function test_GovernanceMintsTokens() public {
        _passAndExecute(d.token, abi.encodeCall(Token.mint, (d.treasury, 1e18)), "mint");
        assertEq(token.balanceOf(d.treasury), 1e18);
    }

    function test_GovernanceSetsEscrowFee() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.escrow, abi.encodeCall(Escrow.setFeeBps, (150)));
        _passAndQueue(t, v, c, "fee to 1.5 %");
        vm.warp(block.timestamp + TIMELOCK_MIN_DELAY);
        vm.expectEmit(d.escrow);
        emit IEscrow.FeeBpsSet(ESCROW_FEE_BPS, 150);
        governor.execute(t, v, c, keccak256("fee to 1.5 %"));
        assertEq(escrow.feeBps(), 150);
    }

    function test_GovernancePausesEscrow() public {
        _passAndExecute(d.escrow, abi.encodeCall(Escrow.pause, ()), "pause");
        assertTrue(escrow.paused());
    }

    function test_RevertWhen_GovernanceSetsEscrowFeeAboveHardCap() public {
        uint16 tooHigh = uint16(escrow.MAX_FEE_BPS() + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.escrow, abi.encodeCall(Escrow.setFeeBps, (tooHigh)));
        _passAndQueue(t, v, c, "greedy");
        vm.warp(block.timestamp + TIMELOCK_MIN_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(IEscrow.FeeTooHigh.selector, tooHigh, escrow.MAX_FEE_BPS())
        );
        governor.execute(t, v, c, keccak256("greedy"));
        assertEq(escrow.feeBps(), ESCROW_FEE_BPS);
    }

    function test_ProposalCannotMoveEscrowedFunds() public {
        (uint256 orderId, bytes memory terms) = _fundedOrder();
        uint256 held = usd.balanceOf(d.escrow);
        assertEq(held, 1_000e6);

        // Every money-moving entry point, called by the timelock (the most privileged caller
        // there is) for its own benefit: each one fails.
        (address[] memory targets, bytes[] memory calls) = _drainAttempts(orderId, terms);
        for (uint256 i; i < targets.length; ++i) {
            vm.prank(d.timelock);
            (bool ok,) = targets[i].call(calls[i]);
            assertFalse(ok, string.concat("drain attempt ", vm.toString(i), " succeeded"));
        }
        assertEq(usd.balanceOf(d.escrow), held);

        // The setters are the only calls that succeed, and they move nothing.
        vm.startPrank(d.timelock);
        escrow.setFeeBps(uint16(escrow.MAX_FEE_BPS()));
        escrow.pause();
        escrow.unpause();
        escrow.setTokenAllowed(d.stablecoin, false);
        vm.stopPrank();
        assertEq(usd.balanceOf(d.escrow), held);

        // The same calls as one passed proposal: it is voted and queued, but cannot execute.
        uint256[] memory values = new uint256[](targets.length);
        string memory description = "drain the escrow";
        uint256 id = _passAndQueue(targets, values, calls, description);
        vm.warp(block.timestamp + TIMELOCK_MIN_DELAY);
        vm.expectRevert();
        governor.execute(targets, values, calls, keccak256(bytes(description)));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Queued));
        assertEq(usd.balanceOf(d.escrow), held);
    }

    /// @dev Fees of a released order reach the Treasury and are split by the allocations.
    function test_EscrowFeesFlowToTreasuryAllocations() public {
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](1);
        list[0] = ITreasury.Allocation("operations", makeAddr("ops"), 8_000);
        _passAndExecute(d.treasury, abi.encodeCall(Treasury.setAllocations, (list)), "ops");

        (uint256 orderId, bytes memory terms) = _fundedOrder();
        vm.prank(makeAddr("seller"));
        escrow.deliverMilestone(orderId, terms, keccak256("delivered"));
        vm.prank(makeAddr("backer"));
        assertTrue(escrow.approveMilestone(orderId, terms));

        escrow.claim(orderId, terms, d.treasury);
        escrow.withdraw(d.stablecoin, d.treasury, d.treasury);
        uint256 fee = 1_000e6 * uint256(ESCROW_FEE_BPS) / 10_000;
        assertEq(usd.balanceOf(d.treasury), fee);

        treasury.distribute(d.stablecoin);
        assertEq(treasury.credited(d.stablecoin, makeAddr("ops")), fee * 8_000 / 10_000);
    }

    function test_RevertWhen_ExecutedBeforeTimelockDelay() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.token, abi.encodeCall(Token.mint, (voter, 1)));
        _passAndQueue(t, v, c, "early");
        vm.warp(block.timestamp + TIMELOCK_MIN_DELAY - 1);
        vm.expectRevert();
        governor.execute(t, v, c, keccak256("early"));
        vm.warp(block.timestamp + 1);
        governor.execute(t, v, c, keccak256("early"));
        assertEq(token.balanceOf(voter), BOOTSTRAP_SUPPLY + 1);
    }

    function test_ProposalWithoutQuorumIsDefeated() public {
        // 1 % of the supply votes for: below the 4 % quorum.
        address small = makeAddr("small");
        vm.prank(voter);
        assertTrue(token.transfer(small, BOOTSTRAP_SUPPLY / 100));
        vm.prank(small);
        token.delegate(small);
        vm.warp(block.timestamp + 1);

        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.token, abi.encodeCall(Token.mint, (small, 1)));
        vm.prank(small);
        uint256 id = governor.propose(t, v, c, "no quorum");
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(small);
        governor.castVote(id, FOR);
        vm.warp(block.timestamp + VOTING_PERIOD);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Defeated));
    }

    function test_RevertWhen_ProposerBelowThreshold() public {
        vm.prank(voter);
        assertTrue(token.transfer(attacker, PROPOSAL_THRESHOLD - 1));
        vm.prank(attacker);
        token.delegate(attacker);
        vm.warp(block.timestamp + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.token, abi.encodeCall(Token.mint, (attacker, 1)));
        vm.prank(attacker);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector,
                attacker,
                PROPOSAL_THRESHOLD - 1,
                PROPOSAL_THRESHOLD
            )
        );
        governor.propose(t, v, c, "too small");
    }

    // ---- votes are taken at the snapshot ----
    // A proposal made at time T snapshots votes at T + votingDelay (one day); voting opens
    // after it. Whatever is acquired or delegated after the snapshot carries no weight, and a
    // flash loan never does: it is repaid within one transaction, and votes are read from a
    // past timepoint.

    function test_VotesAcquiredAfterSnapshotDoNotCount() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.token, abi.encodeCall(Token.mint, (attacker, 1_000e18)));
        vm.prank(voter);
        uint256 id = governor.propose(t, v, c, "mint to attacker");
        uint256 snapshot = governor.proposalSnapshot(id);
        assertEq(snapshot, block.timestamp + VOTING_DELAY);
        vm.warp(snapshot + 1);

        // The attacker buys (here: receives) 90 % of the supply once the snapshot is past.
        vm.prank(voter);
        assertTrue(token.transfer(attacker, BOOTSTRAP_SUPPLY * 9 / 10));
        vm.prank(attacker);
        token.delegate(attacker);
        assertEq(token.getVotes(attacker), BOOTSTRAP_SUPPLY * 9 / 10);

        vm.prank(attacker);
        uint256 weight = governor.castVote(id, FOR);
        assertEq(weight, 0);
        vm.prank(voter);
        assertEq(governor.castVote(id, AGAINST), BOOTSTRAP_SUPPLY); // the snapshot balance

        (uint256 against, uint256 forVotes,) = governor.proposalVotes(id);
        assertEq(forVotes, 0);
        assertEq(against, BOOTSTRAP_SUPPLY);
        vm.warp(block.timestamp + VOTING_PERIOD);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Defeated));
    }

    function test_FlashLoanedVotesDoNotCount() public {
        FlashLender lender = new FlashLender(token);
        vm.prank(voter);
        assertTrue(token.transfer(address(lender), BOOTSTRAP_SUPPLY / 2));
        FlashVoter borrower = new FlashVoter(governor, token);
        vm.warp(block.timestamp + 1);

        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.token, abi.encodeCall(Token.mint, (address(borrower), 1_000e18)));
        vm.prank(voter);
        uint256 id = governor.propose(t, v, c, "flash");
        vm.warp(governor.proposalSnapshot(id) + 1);

        // Borrow half the supply, delegate, vote and repay in one transaction.
        uint256 weight = borrower.attack(lender, id, BOOTSTRAP_SUPPLY / 2);
        assertEq(weight, 0);
        assertEq(token.balanceOf(address(lender)), BOOTSTRAP_SUPPLY / 2);
        (, uint256 forVotes,) = governor.proposalVotes(id);
        assertEq(forVotes, 0);
    }

    function testFuzz_VotesAfterSnapshotDoNotCount(uint256 amount, uint256 delay) public {
        amount = bound(amount, 1, BOOTSTRAP_SUPPLY);
        delay = bound(delay, 1, VOTING_PERIOD - 1);
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(d.token, abi.encodeCall(Token.mint, (attacker, 1)));
        vm.prank(voter);
        uint256 id = governor.propose(t, v, c, "fuzz");
        vm.warp(governor.proposalSnapshot(id) + delay);
        vm.prank(voter);
        assertTrue(token.transfer(attacker, amount));
        vm.prank(attacker);
        token.delegate(attacker);
        vm.warp(block.timestamp + 1);
        vm.prank(attacker);
        assertEq(governor.castVote(id, FOR), 0);
    }

    // ---- helpers ----

    function _single(address target, bytes memory data)
        internal
        pure
        returns (address[] memory t, uint256[] memory v, bytes[] memory c)
    {
        t = new address[](1);
        v = new uint256[](1);
        c = new bytes[](1);
        t[0] = target;
        c[0] = data;
    }

    function _passAndQueue(
        address[] memory t,
        uint256[] memory v,
        bytes[] memory c,
        string memory description
    ) internal returns (uint256 id) {
        vm.prank(voter);
        id = governor.propose(t, v, c, description);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Pending));
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(voter);
        governor.castVote(id, FOR);
        vm.warp(block.timestamp + VOTING_PERIOD);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
        governor.queue(t, v, c, keccak256(bytes(description)));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Queued));
    }

    function _passAndExecute(address target, bytes memory data, string memory description)
        internal
    {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _single(target, data);
        uint256 id = _passAndQueue(t, v, c, description);
        vm.warp(block.timestamp + TIMELOCK_MIN_DELAY);
        vm.prank(makeAddr("anyone")); // execution is open to anyone
        governor.execute(t, v, c, keccak256(bytes(description)));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Executed));
    }

    // ---- escrow helpers ----

    /// @dev An order of 10 units at 100 dUSD, fully pledged by one backer and active.
    function _fundedOrder() internal returns (uint256 orderId, bytes memory terms) {
        IEscrow.Terms memory t;
        t.seller = makeAddr("seller");
        t.token = d.stablecoin;
        t.unitPrice = 100e6;
        t.minUnits = 1;
        t.maxUnits = 10;
        t.fundingDeadline = uint40(block.timestamp + 7 days);
        t.reviewPeriod = 3 days;
        t.rulingPeriod = 7 days;
        t.feeBps = escrow.feeBps();
        t.bondBps = 500;
        t.arbiter = makeAddr("arbiter");
        t.metadataHash = keccak256("order");
        t.milestones = new IEscrow.Milestone[](1);
        t.milestones[0] = IEscrow.Milestone(10_000, 30 days);
        terms = EscrowLens(d.lens).packTerms(t);
        vm.prank(t.seller);
        orderId = escrow.createOrder(terms);

        address backer = makeAddr("backer");
        usd.mint(backer, 10 * uint256(t.unitPrice));
        vm.startPrank(backer);
        usd.approve(d.escrow, type(uint256).max);
        escrow.pledge(orderId, terms, 10, address(0));
        vm.stopPrank();
        assertEq(
            uint8(EscrowLens(d.lens).orderState(orderId).status), uint8(IEscrow.Status.Funding)
        );
        escrow.finalize(orderId, terms); // the maximum is reached: funding ends at once
        assertEq(uint8(EscrowLens(d.lens).orderState(orderId).status), uint8(IEscrow.Status.Active));
    }

    function _drainAttempts(uint256 orderId, bytes memory terms)
        internal
        view
        returns (address[] memory targets, bytes[] memory calls)
    {
        uint256 all = usd.balanceOf(d.escrow);
        address tl = d.timelock;
        calls = new bytes[](16);
        calls[0] = abi.encodeCall(Escrow.withdraw, (d.stablecoin, tl, tl));
        calls[1] = abi.encodeCall(Escrow.claim, (orderId, terms, tl));
        calls[2] = abi.encodeCall(Escrow.refund, (orderId, terms, tl, tl));
        calls[3] = abi.encodeCall(Escrow.unpledge, (orderId, terms, 10));
        calls[4] = abi.encodeCall(Escrow.rule, (orderId, terms, all, true));
        calls[5] = abi.encodeCall(Escrow.cancel, (orderId, terms));
        calls[6] = abi.encodeCall(Escrow.dispute, (orderId, terms, "The wool is not as promised."));
        calls[7] = abi.encodeCall(Escrow.approveMilestone, (orderId, terms));
        calls[8] = abi.encodeCall(Escrow.release, (orderId, terms));
        calls[9] = abi.encodeCall(Escrow.deliverMilestone, (orderId, terms, bytes32(0)));
        calls[10] = abi.encodeCall(Escrow.collect, (orderId, terms, tl));
        calls[11] = abi.encodeCall(Escrow.ruleByDefault, (orderId, terms));
        calls[12] = abi.encodeCall(Escrow.expire, (orderId, terms));
        calls[13] = abi.encodeCall(Escrow.claimCommission, (orderId, terms, tl));
        // There is no sweep or rescue function to reach for.
        calls[14] = abi.encodeWithSignature("sweep(address,address)", d.stablecoin, tl);
        // And the escrow never approves anyone to pull its tokens.
        calls[15] = abi.encodeCall(IERC20.transferFrom, (d.escrow, tl, all));
        targets = new address[](16);
        for (uint256 i; i < 15; ++i) {
            targets[i] = d.escrow;
        }
        targets[15] = d.stablecoin;
    }
}

/// @dev An ERC20Votes token on the default block-number clock.
contract ERC20VotesBlocks is ERC20, ERC20Permit, ERC20Votes {
    constructor() ERC20("Blocks", "BLK") ERC20Permit("Blocks") {}

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}

/// @dev Lends its whole token balance for the length of one call.
contract FlashLender {
    Token internal immutable _token;

    constructor(Token token) {
        _token = token;
    }

    function flashLoan(FlashVoter borrower, uint256 amount, bytes calldata data)
        external
        returns (bytes memory result)
    {
        uint256 before = _token.balanceOf(address(this));
        require(_token.transfer(address(borrower), amount));
        result = borrower.onFlashLoan(amount, data);
        require(_token.balanceOf(address(this)) >= before);
    }
}

/// @dev Borrows votes, uses them, and pays them back within one transaction.
contract FlashVoter {
    CointentGovernor internal immutable _governor;
    Token internal immutable _token;

    constructor(CointentGovernor governor, Token token) {
        _governor = governor;
        _token = token;
    }

    function attack(FlashLender lender, uint256 proposalId, uint256 amount)
        external
        returns (uint256 weight)
    {
        bytes memory result = lender.flashLoan(this, amount, abi.encode(proposalId));
        weight = abi.decode(result, (uint256));
    }

    function onFlashLoan(uint256 amount, bytes calldata data) external returns (bytes memory) {
        _token.delegate(address(this));
        uint256 weight = _governor.castVote(abi.decode(data, (uint256)), 1);
        require(_token.transfer(msg.sender, amount));
        return abi.encode(weight);
    }
}
