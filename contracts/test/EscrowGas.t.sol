// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {VmSafe} from "forge-std/Vm.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {EscrowFixture} from "./utils/EscrowFixture.sol";

/// @dev Gas of the hot paths, written to `snapshots/escrow.json` and checked against the goals.
/// Every top-level call runs as its own transaction (`isolate`), so storage starts cold and
/// refunds apply as on chain. For each path two figures are written: `<name>_tx`, the whole
/// transaction's gas (21 000 + calldata + execution, net of refunds) as `snapshotGasLastCall`
/// measures it in isolation, and `<name>`, the execution part alone (the `_tx` figure minus 21 000
/// and the EIP-2028 calldata cost), which is what the goals bound.
/// forge-config: default.isolate = true
/// forge-config: ci.isolate = true
contract EscrowGasTest is EscrowFixture {
    uint256 internal constant CREATE_GOAL = 90_000;
    uint256 internal constant PLEDGE_GOAL = 85_000;
    uint256 internal constant RELEASE_GOAL = 45_000;
    uint256 internal constant REFUND_GOAL = 60_000;
    uint256 internal constant CLAIM_GOAL = 65_000;

    function _bigTerms() internal view returns (IEscrow.Terms memory t) {
        t = _terms();
        t.milestoneBps = new uint16[](8);
        for (uint256 i; i < 8; ++i) {
            t.milestoneBps[i] = 1250;
        }
        t.splits = new IEscrow.Split[](5);
        for (uint256 i; i < 5; ++i) {
            t.splits[i] = IEscrow.Split(address(uint160(0x5000 + i)), 1000);
        }
    }

    /// @dev Records the last call's figures; `data` must be that call's calldata.
    function _record(string memory name, bytes memory data) internal returns (uint256 execution) {
        // Coverage builds without the optimizer: its figures mean nothing, keep the snapshot.
        if (vm.isContext(VmSafe.ForgeContext.Coverage)) return 0;
        uint256 total = vm.snapshotGasLastCall("escrow", string.concat(name, "_tx"));
        uint256 calldataGas;
        for (uint256 i; i < data.length; ++i) {
            calldataGas += data[i] == 0 ? 4 : 16;
        }
        execution = total - 21_000 - calldataGas;
        vm.snapshotValue("escrow", name, execution);
    }

    function _prepare(address who, uint256 units) internal {
        usd.mint(who, units * PRICE);
        vm.prank(who);
        usd.approve(address(escrow), type(uint256).max);
    }

    function test_Gas_CreateOrder() public {
        IEscrow.Terms memory t = _terms();
        _create(t); // the counter slot is no longer zero, as on a live chain
        vm.prank(seller);
        escrow.createOrder(t);
        assertLe(_record("createOrder", abi.encodeCall(escrow.createOrder, (t))), CREATE_GOAL);
    }

    function test_Gas_CreateOrderMaxTerms() public {
        IEscrow.Terms memory t = _bigTerms();
        _create(t);
        vm.prank(seller);
        escrow.createOrder(t);
        bytes memory data = abi.encodeCall(escrow.createOrder, (t));
        assertLe(_record("createOrder_8milestones_5splits", data), CREATE_GOAL);
    }

    function test_Gas_PledgeErc20IntoBackedOrder() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, address(0));
        _prepare(bob, 2);
        vm.prank(bob);
        escrow.pledge(id, t, 2, address(0));
        bytes memory data = abi.encodeCall(escrow.pledge, (id, t, 2, address(0)));
        assertLe(_record("pledge_erc20_backed_order", data), PLEDGE_GOAL);
    }

    function test_Gas_PledgeErc20IntoBackedOrderKnownPromoter() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, promoter);
        _prepare(bob, 2);
        vm.prank(bob);
        escrow.pledge(id, t, 2, promoter);
        bytes memory data = abi.encodeCall(escrow.pledge, (id, t, 2, promoter));
        assertLe(_record("pledge_erc20_backed_order_known_promoter", data), PLEDGE_GOAL);
    }

    function test_Gas_PledgeErc20IntoBackedOrderNewPromoter() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, address(0));
        _prepare(bob, 2);
        vm.prank(bob);
        escrow.pledge(id, t, 2, promoter);
        _record(
            "pledge_erc20_backed_order_new_promoter",
            abi.encodeCall(escrow.pledge, (id, t, 2, promoter))
        );
    }

    function test_Gas_PledgeNativeIntoBackedOrder() public {
        IEscrow.Terms memory t = _terms();
        t.token = address(0);
        uint256 id = _create(t);
        _pledge(id, t, alice, 1, address(0));
        vm.deal(bob, 2 * PRICE);
        vm.prank(bob);
        escrow.pledge{value: 2 * PRICE}(id, t, 2, address(0));
        bytes memory data = abi.encodeCall(escrow.pledge, (id, t, 2, address(0)));
        assertLe(_record("pledge_native_backed_order", data), PLEDGE_GOAL);
    }

    function _releaseGas(IEscrow.Terms memory t, string memory name) internal {
        uint256 id = _create(t);
        _pledge(id, t, alice, 10, promoter);
        escrow.finalize(id, t);
        _deliverAndRelease(id, t);
        _deliver(id, t);
        vm.warp(block.timestamp + t.reviewPeriod);
        escrow.release(id, t);
        assertLe(_record(name, abi.encodeCall(escrow.release, (id, t))), RELEASE_GOAL);
    }

    function test_Gas_Release() public {
        _releaseGas(_terms(), "release_1split");
    }

    function test_Gas_ReleaseMaxTerms() public {
        _releaseGas(_bigTerms(), "release_5splits_8milestones");
    }

    function test_Gas_Refund() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 2, address(0));
        _pledge(id, t, bob, 2, address(0));
        vm.warp(t.fundingDeadline);
        escrow.finalize(id, t);
        escrow.refund(id, t, alice);
        escrow.refund(id, t, bob);
        bytes memory data = abi.encodeCall(escrow.refund, (id, t, bob));
        assertLe(_record("refund_failed_order", data), REFUND_GOAL);
    }

    function test_Gas_RefundResolved() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _create(t);
        _pledge(id, t, alice, 5, address(0));
        _pledge(id, t, bob, 5, address(0));
        escrow.finalize(id, t);
        vm.prank(alice);
        escrow.dispute(id, t);
        vm.prank(arbiter);
        escrow.resolve(id, t, 50e6);
        escrow.refund(id, t, alice);
        bytes memory data = abi.encodeCall(escrow.refund, (id, t, alice));
        assertLe(_record("refund_resolved_order_first", data), REFUND_GOAL);
    }

    function _completed(IEscrow.Terms memory t) internal returns (uint256 id) {
        id = _create(t);
        _pledge(id, t, alice, 10, promoter);
        escrow.finalize(id, t);
        _deliverAndRelease(id, t);
        for (uint256 i = 1; i < t.milestoneBps.length; ++i) {
            _deliverAndRelease(id, t);
        }
    }

    function test_Gas_ClaimSeller() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _completed(t);
        escrow.claim(id, t, seller);
        assertLe(_record("claim_seller", abi.encodeCall(escrow.claim, (id, t, seller))), CLAIM_GOAL);
    }

    function test_Gas_ClaimSellerMaxTerms() public {
        IEscrow.Terms memory t = _bigTerms();
        uint256 id = _completed(t);
        escrow.claim(id, t, seller);
        bytes memory data = abi.encodeCall(escrow.claim, (id, t, seller));
        assertLe(_record("claim_seller_5splits", data), CLAIM_GOAL);
    }

    function test_Gas_ClaimPromoter() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _completed(t);
        escrow.claimCommission(id, t, promoter);
        bytes memory data = abi.encodeCall(escrow.claimCommission, (id, t, promoter));
        assertLe(_record("claimCommission_last", data), CLAIM_GOAL);
    }

    function test_Gas_Withdraw() public {
        IEscrow.Terms memory t = _terms();
        uint256 id = _completed(t);
        escrow.claim(id, t, seller);
        escrow.withdraw(address(usd), seller);
        bytes memory data = abi.encodeCall(escrow.withdraw, (address(usd), seller));
        assertLe(_record("withdraw_erc20", data), CLAIM_GOAL);
    }
}
