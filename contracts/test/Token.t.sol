// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Token} from "src/Token.sol";
import {IToken} from "src/interfaces/IToken.sol";

contract TokenTest is Test {
    bytes32 internal constant _PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    address internal timelock = makeAddr("timelock");
    address internal holder = makeAddr("holder");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    uint256 internal constant INITIAL = 100_000_000e18;
    Token internal token;

    function setUp() public {
        token = new Token(timelock, _one(holder), _one(INITIAL));
    }

    function _one(address a) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }

    function _one(uint256 x) internal pure returns (uint256[] memory list) {
        list = new uint256[](1);
        list[0] = x;
    }

    function test_Metadata() public view {
        assertEq(token.name(), "Co-Intent");
        assertEq(token.symbol(), "CINT");
        assertEq(token.decimals(), 18);
        assertEq(token.MAX_SUPPLY(), 1_000_000_000e18);
        assertEq(token.minter(), timelock);
        assertEq(token.totalSupply(), INITIAL);
        assertEq(token.balanceOf(holder), INITIAL);
        assertEq(token.CLOCK_MODE(), "mode=timestamp");
        assertEq(token.clock(), block.timestamp);
    }

    function test_ConstructorWithoutInitialSupply() public {
        Token t = new Token(timelock, new address[](0), new uint256[](0));
        assertEq(t.totalSupply(), 0);
    }

    function test_ConstructorMintsTheDistribution() public {
        address[] memory holders = new address[](3);
        uint256[] memory amounts = new uint256[](3);
        (holders[0], amounts[0]) = (timelock, 70e18);
        (holders[1], amounts[1]) = (alice, 20e18);
        (holders[2], amounts[2]) = (bob, 10e18);
        Token t = new Token(timelock, holders, amounts);
        assertEq(t.totalSupply(), 100e18);
        assertEq(t.balanceOf(timelock), 70e18);
        assertEq(t.balanceOf(alice), 20e18);
        assertEq(t.balanceOf(bob), 10e18);
    }

    function test_RevertWhen_ConstructorLengthsDiffer() public {
        vm.expectRevert(IToken.LengthMismatch.selector);
        new Token(timelock, _one(holder), new uint256[](0));
    }

    function test_RevertWhen_ConstructorMinterIsZero() public {
        vm.expectRevert(IToken.ZeroMinter.selector);
        new Token(address(0), _one(holder), _one(INITIAL));
    }

    function test_RevertWhen_ConstructorSupplyAboveCap() public {
        uint256 cap = 1_000_000_000e18;
        vm.expectRevert(abi.encodeWithSelector(IToken.SupplyCapExceeded.selector, cap + 1, cap));
        new Token(timelock, _one(holder), _one(cap + 1));
    }

    function test_MintByTimelock() public {
        vm.prank(timelock);
        token.mint(alice, 5e18);
        assertEq(token.balanceOf(alice), 5e18);
        assertEq(token.totalSupply(), INITIAL + 5e18);
    }

    function test_MintUpToCapExactly() public {
        uint256 room = token.MAX_SUPPLY() - INITIAL;
        vm.prank(timelock);
        token.mint(alice, room);
        assertEq(token.totalSupply(), token.MAX_SUPPLY());
    }

    function test_RevertWhen_MintAboveCap() public {
        uint256 cap = token.MAX_SUPPLY();
        uint256 room = cap - INITIAL;
        vm.prank(timelock);
        vm.expectRevert(abi.encodeWithSelector(IToken.SupplyCapExceeded.selector, cap + 1, cap));
        token.mint(alice, room + 1);
    }

    function testFuzz_RevertWhen_MintByNonMinter(address caller) public {
        vm.assume(caller != timelock);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IToken.OnlyMinter.selector, caller));
        token.mint(caller, 1);
    }

    function testFuzz_SupplyNeverExceedsCap(uint256 a, uint256 b) public {
        a = bound(a, 0, token.MAX_SUPPLY());
        b = bound(b, 0, token.MAX_SUPPLY());
        vm.startPrank(timelock);
        try token.mint(alice, a) {} catch {}
        try token.mint(bob, b) {} catch {}
        vm.stopPrank();
        assertLe(token.totalSupply(), token.MAX_SUPPLY());
    }

    function test_Permit() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        vm.prank(holder);
        assertTrue(token.transfer(owner, 10e18));
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(key, owner, bob, 7e18, 0, deadline);

        token.permit(owner, bob, 7e18, deadline, v, r, s);
        assertEq(token.allowance(owner, bob), 7e18);
        assertEq(token.nonces(owner), 1);

        vm.prank(bob);
        assertTrue(token.transferFrom(owner, bob, 7e18));
        assertEq(token.balanceOf(bob), 7e18);
    }

    function test_RevertWhen_PermitReplayed() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(key, owner, bob, 1, 0, deadline);
        token.permit(owner, bob, 1, deadline, v, r, s);
        vm.expectRevert(); // the nonce moved on, so the recovered signer differs
        token.permit(owner, bob, 1, deadline, v, r, s);
    }

    function test_RevertWhen_PermitExpired() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        uint256 deadline = block.timestamp;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(key, owner, bob, 1, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline)
        );
        token.permit(owner, bob, 1, deadline, v, r, s);
    }

    function test_RevertWhen_PermitSignedByAnotherKey() public {
        (address owner,) = makeAddrAndKey("owner");
        (address mallory, uint256 malloryKey) = makeAddrAndKey("mallory");
        uint256 deadline = block.timestamp + 1;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(malloryKey, owner, bob, 1, 0, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, mallory, owner)
        );
        token.permit(owner, bob, 1, deadline, v, r, s);
    }

    function test_VotesNeedDelegation() public view {
        assertEq(token.balanceOf(holder), INITIAL);
        assertEq(token.getVotes(holder), 0);
        assertEq(token.delegates(holder), address(0));
    }

    function test_DelegationCheckpoints() public {
        vm.warp(10);
        vm.prank(holder);
        token.delegate(holder);
        assertEq(token.getVotes(holder), INITIAL);
        assertEq(token.numCheckpoints(holder), 1);

        vm.warp(11);
        vm.prank(holder);
        assertTrue(token.transfer(alice, 1_000e18));
        // Alice has not delegated: her tokens carry no votes, and the holder's drop.
        assertEq(token.getVotes(holder), INITIAL - 1_000e18);
        assertEq(token.getVotes(alice), 0);

        vm.prank(alice);
        token.delegate(bob);
        assertEq(token.getVotes(bob), 1_000e18);

        vm.warp(12);
        assertEq(token.getPastVotes(holder, 10), INITIAL);
        assertEq(token.getPastVotes(holder, 11), INITIAL - 1_000e18);
        assertEq(token.getPastVotes(bob, 10), 0);
        assertEq(token.getPastVotes(bob, 11), 1_000e18);
        assertEq(token.getPastTotalSupply(11), INITIAL);
        assertEq(token.numCheckpoints(holder), 2);
    }

    function test_MintMovesVotesOfDelegate() public {
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(timelock);
        token.mint(alice, 3e18);
        assertEq(token.getVotes(alice), 3e18);
    }

    function test_RevertWhen_PastVotesQueriedForCurrentTime() public {
        vm.expectRevert();
        token.getPastVotes(holder, block.timestamp);
    }

    function test_DelegateBySig() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        vm.prank(holder);
        assertTrue(token.transfer(owner, 10e18));
        uint256 expiry = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Delegation(address delegatee,uint256 nonce,uint256 expiry)"),
                bob,
                0,
                expiry
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(structHash));
        token.delegateBySig(bob, 0, expiry, v, r, s);
        assertEq(token.delegates(owner), bob);
        assertEq(token.getVotes(bob), 10e18);
    }

    function test_TransferWithoutVotesStillWorks() public {
        vm.prank(holder);
        assertTrue(token.transfer(alice, 1));
        assertEq(ERC20(address(token)).balanceOf(alice), 1);
    }

    function _signPermit(
        uint256 key,
        address owner,
        address spender,
        uint256 value,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (uint8, bytes32, bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(_PERMIT_TYPEHASH, owner, spender, value, nonce, deadline)
        );
        return vm.sign(key, _digest(structHash));
    }

    function _digest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }
}
