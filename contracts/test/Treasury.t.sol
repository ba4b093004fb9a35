// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Treasury} from "src/Treasury.sol";
import {ITreasury} from "src/interfaces/ITreasury.sol";
import {MintableToken, NoReturnToken} from "./utils/EscrowTokens.sol";

/// @dev A recipient that refuses the native coin.
contract RejectingRecipient {
    receive() external payable {
        revert();
    }

    function withdrawFrom(ITreasury treasury, address token) external returns (uint256) {
        return treasury.withdraw(token, address(this));
    }
}

/// @dev Drives the treasury through random fee inflows, distributions, withdrawals, spends and
/// allocation changes, in the native coin and odd tokens (6 and 18 decimals, no return values),
/// for the solvency invariant. Never reverts itself (the invariant runs with
/// `fail_on_revert = true`): calls that must succeed are made directly, and the ones that must
/// fail are expected to.
contract TreasuryHandler is Test {
    Treasury internal immutable _treasury;
    address internal immutable _governance;
    address[] internal _recipients;
    address[] internal _tokens;

    /// @dev Ghost totals per token (`address(0)` for native), as a report would sum events.
    mapping(address token => uint256) public paidIn;
    mapping(address token => uint256) public withdrawn;
    mapping(address token => uint256) public spent;

    constructor(Treasury treasury, address[] memory tokens_, address governance) {
        _treasury = treasury;
        _tokens = tokens_;
        _governance = governance;
        for (uint256 i; i < 4; ++i) {
            _recipients.push(makeAddr(string.concat("recipient", vm.toString(i))));
        }
    }

    function recipients() external view returns (address[] memory) {
        return _recipients;
    }

    function tokens() external view returns (address[] memory) {
        return _tokens;
    }

    function balanceOf(address token, address who) public view returns (uint256) {
        if (token == address(0)) return who.balance;
        (, bytes memory out) = token.staticcall(abi.encodeWithSignature("balanceOf(address)", who));
        return abi.decode(out, (uint256));
    }

    function payFees(uint256 amount, uint256 tokenSeed) external {
        address token = _tokens[tokenSeed % _tokens.length];
        amount = bound(amount, 0, 1e30);
        if (token == address(0)) {
            vm.deal(address(this), amount);
            (bool ok,) = address(_treasury).call{value: amount}("");
            require(ok, "native fee");
        } else {
            (bool ok,) = token.call(
                abi.encodeWithSignature("mint(address,uint256)", address(_treasury), amount)
            );
            require(ok, "mint");
        }
        paidIn[token] += amount;
    }

    function distribute(uint256 tokenSeed) external {
        address token = _tokens[tokenSeed % _tokens.length];
        if (_treasury.allocations().length == 0) {
            vm.expectRevert(ITreasury.NoAllocations.selector);
            _treasury.distribute(token);
        } else if (_treasury.pending(token) == 0) {
            vm.expectRevert(abi.encodeWithSelector(ITreasury.NothingToDistribute.selector, token));
            _treasury.distribute(token);
        } else {
            _treasury.distribute(token);
        }
    }

    function withdraw(uint256 who, uint256 tokenSeed) external {
        address token = _tokens[tokenSeed % _tokens.length];
        address recipient = _recipients[who % _recipients.length];
        uint256 due = _treasury.credited(token, recipient);
        uint256 before = balanceOf(token, address(0xdead));
        vm.prank(recipient);
        if (due == 0) {
            vm.expectRevert(
                abi.encodeWithSelector(ITreasury.NothingToWithdraw.selector, recipient, token)
            );
            _treasury.withdraw(token, address(0xdead));
            return;
        }
        uint256 amount = _treasury.withdraw(token, address(0xdead));
        require(amount == due && balanceOf(token, address(0xdead)) - before == due, "withdrawn");
        withdrawn[token] += amount;
    }

    function spend(uint256 amount, uint256 tokenSeed) external {
        address token = _tokens[tokenSeed % _tokens.length];
        uint256 balance = balanceOf(token, address(_treasury));
        amount = bound(amount, 0, balance - _treasury.totalCredited(token));
        vm.prank(_governance);
        _treasury.spend(token, address(0xbeef), amount);
        spent[token] += amount;
    }

    function setAllocations(uint256 seed) external {
        uint256 count = seed % 5;
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](count);
        uint256 left = 10_000;
        for (uint256 i; i < count; ++i) {
            uint256 bps = 1 + uint256(keccak256(abi.encode(seed, i))) % 4_000;
            if (bps > left) bps = left;
            if (bps == 0) {
                assembly ("memory-safe") {
                    mstore(list, i)
                }
                break;
            }
            left -= bps;
            list[i] = ITreasury.Allocation(bytes32(i), _recipients[i], SafeCast.toUint16(bps));
        }
        vm.prank(_governance);
        _treasury.setAllocations(list);
    }
}

contract TreasuryTest is Test {
    address internal constant NATIVE = address(0);

    address internal governance = makeAddr("timelock");
    address internal ops = makeAddr("ops");
    address internal causes = makeAddr("causes");
    address internal carbon = makeAddr("carbon");
    Treasury internal treasury;
    DemoStablecoin internal usd;
    TreasuryHandler internal handler;

    function setUp() public {
        treasury = new Treasury(governance);
        usd = new DemoStablecoin();
        address[] memory tokens = new address[](4);
        tokens[0] = NATIVE;
        tokens[1] = address(usd);
        tokens[2] = address(new MintableToken("DAI", 18));
        tokens[3] = address(new NoReturnToken());
        handler = new TreasuryHandler(treasury, tokens, governance);
        targetContract(address(handler));
    }

    function _standardAllocations() internal pure returns (ITreasury.Allocation[] memory list) {
        list = new ITreasury.Allocation[](3);
        list[0] = ITreasury.Allocation("operations", address(0), 5_000);
        list[1] = ITreasury.Allocation("social causes", address(0), 3_000);
        list[2] = ITreasury.Allocation("carbon offsets", address(0), 1_500);
    }

    function _setStandard() internal {
        ITreasury.Allocation[] memory list = _standardAllocations();
        list[0].recipient = ops;
        list[1].recipient = causes;
        list[2].recipient = carbon;
        vm.prank(governance);
        treasury.setAllocations(list);
    }

    // ---- allocations ----

    function test_RevertWhen_ConstructorGovernanceIsZero() public {
        vm.expectRevert(ITreasury.ZeroAddress.selector);
        new Treasury(address(0));
    }

    function test_SetAllocations() public {
        ITreasury.Allocation[] memory list = _standardAllocations();
        list[0].recipient = ops;
        list[1].recipient = causes;
        list[2].recipient = carbon;
        vm.expectEmit(address(treasury));
        emit ITreasury.AllocationsSet(list);
        vm.prank(governance);
        treasury.setAllocations(list);

        ITreasury.Allocation[] memory stored = treasury.allocations();
        assertEq(stored.length, 3);
        bytes32 causesLabel = "social causes";
        assertEq(stored[1].label, causesLabel);
        assertEq(stored[1].recipient, causes);
        assertEq(stored[1].bps, 3_000);
    }

    function test_SetAllocationsReplacesAndClears() public {
        _setStandard();
        vm.prank(governance);
        treasury.setAllocations(new ITreasury.Allocation[](0));
        assertEq(treasury.allocations().length, 0);
    }

    function testFuzz_RevertWhen_SetAllocationsByNonGovernance(address caller) public {
        vm.assume(caller != governance);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.OnlyGovernance.selector, caller));
        treasury.setAllocations(new ITreasury.Allocation[](0));
    }

    function test_RevertWhen_BpsSumAboveTotal() public {
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](2);
        list[0] = ITreasury.Allocation("a", ops, 6_000);
        list[1] = ITreasury.Allocation("b", causes, 4_001);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.BpsSumTooHigh.selector, 10_001));
        treasury.setAllocations(list);
    }

    function test_BpsSumExactlyTotal() public {
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](2);
        list[0] = ITreasury.Allocation("a", ops, 6_000);
        list[1] = ITreasury.Allocation("b", causes, 4_000);
        vm.prank(governance);
        treasury.setAllocations(list);
        assertEq(treasury.allocations().length, 2);
    }

    function test_RevertWhen_AllocationHasZeroBps() public {
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](2);
        list[0] = ITreasury.Allocation("a", ops, 1);
        list[1] = ITreasury.Allocation("b", causes, 0);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InvalidAllocation.selector, 1));
        treasury.setAllocations(list);
    }

    function test_RevertWhen_AllocationHasZeroRecipient() public {
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](1);
        list[0] = ITreasury.Allocation("a", address(0), 1);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InvalidAllocation.selector, 0));
        treasury.setAllocations(list);
    }

    function test_RevertWhen_TooManyAllocations() public {
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](9);
        for (uint256 i; i < 9; ++i) {
            list[i] = ITreasury.Allocation(bytes32(i), ops, 1);
        }
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.TooManyAllocations.selector, 9, 8));
        treasury.setAllocations(list);
    }

    // ---- distribution ----

    function test_DistributeErc20() public {
        _setStandard();
        usd.mint(address(treasury), 1_000_001); // 1.000001 dUSD: shares round down

        vm.expectEmit(address(treasury));
        emit ITreasury.AllocationCredited(address(usd), "operations", ops, 500_000);
        vm.expectEmit(address(treasury));
        emit ITreasury.AllocationCredited(address(usd), "social causes", causes, 300_000);
        vm.expectEmit(address(treasury));
        emit ITreasury.AllocationCredited(address(usd), "carbon offsets", carbon, 150_000);
        vm.expectEmit(address(treasury));
        emit ITreasury.FeesDistributed(address(usd), 1_000_001, 950_000, 50_001);
        vm.prank(makeAddr("anyone"));
        assertEq(treasury.distribute(address(usd)), 1_000_001);

        assertEq(treasury.credited(address(usd), ops), 500_000);
        assertEq(treasury.credited(address(usd), causes), 300_000);
        assertEq(treasury.credited(address(usd), carbon), 150_000);
        assertEq(treasury.totalCredited(address(usd)), 950_000);
        assertEq(treasury.retained(address(usd)), 50_001);
        assertEq(treasury.pending(address(usd)), 0);
        assertEq(usd.balanceOf(address(treasury)), 1_000_001);
    }

    function test_RemainderIsNotRedistributed() public {
        _setStandard();
        usd.mint(address(treasury), 1_000);
        treasury.distribute(address(usd));
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.NothingToDistribute.selector, address(usd))
        );
        treasury.distribute(address(usd));

        usd.mint(address(treasury), 100);
        assertEq(treasury.pending(address(usd)), 100);
        treasury.distribute(address(usd));
        assertEq(treasury.credited(address(usd), ops), 550);
        assertEq(treasury.retained(address(usd)), 50 + 5);
    }

    function test_DistributeNative() public {
        _setStandard();
        vm.deal(address(this), 3 ether);
        vm.expectEmit(address(treasury));
        emit ITreasury.Received(address(this), 3 ether);
        (bool ok,) = address(treasury).call{value: 3 ether}("");
        assertTrue(ok);

        treasury.distribute(NATIVE);
        assertEq(treasury.credited(NATIVE, ops), 1.5 ether);
        assertEq(treasury.retained(NATIVE), 0.15 ether);

        vm.expectEmit(address(treasury));
        emit ITreasury.Withdrawn(NATIVE, ops, ops, 1.5 ether);
        vm.prank(ops);
        treasury.withdraw(NATIVE, ops);
        assertEq(ops.balance, 1.5 ether);
        assertEq(treasury.credited(NATIVE, ops), 0);
        assertEq(treasury.totalCredited(NATIVE), 0.9 ether + 0.45 ether);
    }

    function test_RevertWhen_DistributeWithoutAllocations() public {
        usd.mint(address(treasury), 1);
        vm.expectRevert(ITreasury.NoAllocations.selector);
        treasury.distribute(address(usd));
    }

    function test_RevertWhen_DistributeNothing() public {
        _setStandard();
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NothingToDistribute.selector, NATIVE));
        treasury.distribute(NATIVE);
    }

    function test_TinyAmountStaysAsDust() public {
        _setStandard();
        usd.mint(address(treasury), 1);
        treasury.distribute(address(usd));
        assertEq(treasury.totalCredited(address(usd)), 0);
        assertEq(treasury.retained(address(usd)), 1);
    }

    function test_RevertingRecipientDoesNotBlockOthers() public {
        RejectingRecipient bad = new RejectingRecipient();
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](2);
        list[0] = ITreasury.Allocation("bad", address(bad), 5_000);
        list[1] = ITreasury.Allocation("good", ops, 5_000);
        vm.prank(governance);
        treasury.setAllocations(list);
        vm.deal(address(treasury), 2 ether);

        treasury.distribute(NATIVE); // crediting never calls the recipients
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.NativeTransferFailed.selector, address(bad), 1 ether)
        );
        bad.withdrawFrom(treasury, NATIVE);

        vm.prank(ops);
        treasury.withdraw(NATIVE, ops);
        assertEq(ops.balance, 1 ether);
        // The failed withdrawal rolled back: the bad recipient keeps its credit.
        assertEq(treasury.credited(NATIVE, address(bad)), 1 ether);
        assertEq(address(treasury).balance, 1 ether);
    }

    function test_WithdrawToAnotherAddress() public {
        _setStandard();
        usd.mint(address(treasury), 100);
        treasury.distribute(address(usd));
        address cold = makeAddr("cold");
        vm.expectEmit(address(treasury));
        emit ITreasury.Withdrawn(address(usd), causes, cold, 30);
        vm.prank(causes);
        assertEq(treasury.withdraw(address(usd), cold), 30);
        assertEq(usd.balanceOf(cold), 30);
    }

    function test_RevertWhen_WithdrawNothing() public {
        vm.prank(ops);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NothingToWithdraw.selector, ops, NATIVE));
        treasury.withdraw(NATIVE, ops);
    }

    function test_RevertWhen_WithdrawToZero() public {
        vm.prank(ops);
        vm.expectRevert(ITreasury.ZeroAddress.selector);
        treasury.withdraw(NATIVE, address(0));
    }

    // ---- spending ----

    function test_SpendUnreserved() public {
        _setStandard();
        usd.mint(address(treasury), 1_000);
        treasury.distribute(address(usd)); // 950 credited, 50 retained
        usd.mint(address(treasury), 200); // 200 pending

        vm.expectEmit(address(treasury));
        emit ITreasury.Spent(address(usd), address(0xbeef), 250);
        vm.prank(governance);
        treasury.spend(address(usd), address(0xbeef), 250);
        assertEq(usd.balanceOf(address(0xbeef)), 250);
        assertEq(treasury.retained(address(usd)), 0);
        assertEq(treasury.pending(address(usd)), 0);
        assertEq(treasury.totalCredited(address(usd)), 950);
    }

    function test_RevertWhen_SpendEatsIntoCredits() public {
        _setStandard();
        usd.mint(address(treasury), 1_000);
        treasury.distribute(address(usd));
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.InsufficientUnreserved.selector, address(usd), 51, 50)
        );
        treasury.spend(address(usd), address(0xbeef), 51);
    }

    function test_SpendNative() public {
        vm.deal(address(treasury), 1 ether);
        vm.prank(governance);
        treasury.spend(NATIVE, address(0xbeef), 0.4 ether);
        assertEq(address(0xbeef).balance, 0.4 ether);
    }

    function testFuzz_RevertWhen_SpendByNonGovernance(address caller) public {
        vm.assume(caller != governance);
        vm.deal(address(treasury), 1 ether);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.OnlyGovernance.selector, caller));
        treasury.spend(NATIVE, caller, 1);
    }

    // ---- fuzz ----

    function testFuzz_Distribution(uint16[8] memory rawBps, uint8 count, uint256 fees) public {
        count = uint8(bound(count, 1, 8));
        fees = bound(fees, 1, 1e36);
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](count);
        uint256 left = 10_000;
        uint256 sumBps;
        for (uint256 i; i < count; ++i) {
            uint256 bps = bound(rawBps[i], 1, left > 1 ? left - (count - 1 - i) : 1);
            if (left - bps < count - 1 - i) bps = 1;
            left -= bps;
            sumBps += bps;
            list[i] = ITreasury.Allocation(bytes32(i), vm.addr(i + 1), SafeCast.toUint16(bps));
        }
        vm.prank(governance);
        treasury.setAllocations(list);
        usd.mint(address(treasury), fees);

        treasury.distribute(address(usd));

        uint256 sum;
        for (uint256 i; i < count; ++i) {
            uint256 got = treasury.credited(address(usd), list[i].recipient);
            assertEq(got, fees * list[i].bps / 10_000);
            sum += got;
        }
        assertEq(treasury.totalCredited(address(usd)), sum);
        assertEq(treasury.retained(address(usd)), fees - sum);
        assertLe(sum, fees * sumBps / 10_000);
        // Dust is at most one unit per allocation.
        assertLe(fees * sumBps / 10_000 - sum, count);
    }

    function testFuzz_RevertWhen_BpsSumAboveTotal(uint16 a, uint16 b) public {
        a = uint16(bound(a, 1, 10_000));
        b = uint16(bound(b, 10_001 - a, type(uint16).max));
        ITreasury.Allocation[] memory list = new ITreasury.Allocation[](2);
        list[0] = ITreasury.Allocation("a", ops, a);
        list[1] = ITreasury.Allocation("b", causes, b);
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.BpsSumTooHigh.selector, uint256(a) + uint256(b))
        );
        treasury.setAllocations(list);
    }

    // ---- invariant ----

    /// @dev Per token: the balance covers what recipients were credited plus the retained
    /// remainders, and the credits add up.
    function invariant_Solvent() public view {
        address[] memory tokens = handler.tokens();
        address[] memory recipients = handler.recipients();
        for (uint256 t; t < tokens.length; ++t) {
            address token = tokens[t];
            uint256 balance = handler.balanceOf(token, address(treasury));
            uint256 owed = treasury.totalCredited(token);
            assertGe(balance, owed);
            assertGe(balance, owed + treasury.retained(token));
            assertEq(treasury.pending(token), balance - owed - treasury.retained(token));
            uint256 sum;
            for (uint256 i; i < recipients.length; ++i) {
                sum += treasury.credited(token, recipients[i]);
            }
            assertEq(sum, owed);
        }
    }

    /// @dev Everything that came in is still here or left through `Withdrawn` or `Spent`.
    function invariant_FlowsAddUp() public view {
        address[] memory tokens = handler.tokens();
        for (uint256 t; t < tokens.length; ++t) {
            address token = tokens[t];
            uint256 balance = handler.balanceOf(token, address(treasury));
            assertEq(
                handler.paidIn(token), balance + handler.withdrawn(token) + handler.spent(token)
            );
        }
    }
}
