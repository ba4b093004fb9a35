// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {CointentGovernor} from "src/CointentGovernor.sol";
import {Token} from "src/Token.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {DeployBase} from "../../script/Deploy.s.sol";

/// @dev The deployment-level findings of issue 12, each as a test named for it. On the v1
/// deploy logic every one of them fails.
contract DeployAttacksTest is Test, DeployBase {
    bytes internal constant _CREATE2_DEPLOYER_CODE =
        hex"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";

    address internal deployer = makeAddr("deployer");

    function setUp() public {
        if (CREATE2_FACTORY.code.length == 0) vm.etch(CREATE2_FACTORY, _CREATE2_DEPLOYER_CODE);
    }

    /// @dev The parameters the script uses by default on chain `chainId`.
    function _params(uint256 chainId) internal view returns (Params memory p) {
        p.bootstrapHolder = deployer;
        p.team = deployer;
        p.local = _isLocalChain(chainId);
        p.allowNative = true;
    }

    /// @dev On a real chain (mainnet's id) the free-mint DemoStablecoin must not exist.
    function test_Attack_FreeMintTokenDeployedOnRealChain() public {
        vm.chainId(1);
        vm.startPrank(deployer);
        (Deployment memory d,) = _deploy(deployer, _params(1));
        vm.stopPrank();
        address demo = _predict(deployer, _params(31_337)).stablecoin;
        assertEq(demo.code.length, 0, "free-mint token on a real chain");
        assertEq(d.stablecoin, address(0));
        assertFalse(IEscrow(d.escrow).isTokenAllowed(demo));
    }

    /// @dev The deployer must not be left with the whole token supply.
    function test_Attack_DeployerKeepsWholeSupply() public {
        vm.startPrank(deployer);
        (Deployment memory d,) = _deploy(deployer, _params(block.chainid));
        vm.stopPrank();
        Token token = Token(d.token);
        assertLt(token.balanceOf(deployer), token.totalSupply(), "deployer holds everything");
    }

    /// @dev Voting periods counted in blocks mean different durations on different chains: the
    /// Governor must count time in seconds (ERC-6372 timestamp clock).
    function test_Attack_GovernorClockInBlocks() public {
        vm.startPrank(deployer);
        (Deployment memory d,) = _deploy(deployer, _params(block.chainid));
        vm.stopPrank();
        CointentGovernor governor = CointentGovernor(payable(d.governor));
        assertEq(governor.CLOCK_MODE(), "mode=timestamp");
        assertEq(governor.clock(), block.timestamp);
    }
}
