// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {CommonBase} from "forge-std/Base.sol";
import {Script} from "forge-std/Script.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {CointentGovernor} from "src/CointentGovernor.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {Token} from "src/Token.sol";
import {Treasury} from "src/Treasury.sol";

/// @title DeployBase
/// @notice The deployment logic of Co-Intent, shared by the `Deploy` script and the tests.
/// @dev Every contract is created through the deterministic CREATE2 deployer
/// (0x4e59b44847b379578588920ca78fbf26c0b4956c, present on anvil and most chains) with one
/// salt and chain-independent constructor arguments, so a given deployer account gets the
/// same addresses on every chain. Re-running is safe: a contract whose code is already at
/// its predicted address is skipped, and the role wiring only does what is still missing.
///
/// Governor and timelock cannot both name each other in their constructors (each CREATE2
/// address hashes the other's), so the timelock is created with the deployer as temporary
/// admin and no proposer; the deployer then grants the proposer and canceller roles to the
/// governor and renounces the admin role, in the same run, as OpenZeppelin recommends.
/// Because the deployer appears in the timelock's constructor, the addresses depend on the
/// deployer account (use the same one on every chain) but on nothing chain-specific.
abstract contract DeployBase is CommonBase {
    /// @notice A CREATE2 deployment did not land at the predicted address.
    error DeploymentFailed(string name);

    /// @notice The deterministic CREATE2 deployer has no code on this chain.
    error NoCreate2Deployer();

    /// @notice The addresses of one deployment.
    struct Deployment {
        address timelock;
        address governor;
        address token;
        address treasury;
        address escrow;
        address stablecoin;
    }

    bytes32 internal constant SALT = keccak256("co-intent/v1");

    /// @dev Protocol parameters: all of them can later be changed by governance.
    uint256 internal constant TIMELOCK_MIN_DELAY = 2 days;
    uint48 internal constant VOTING_DELAY = 1; // blocks: the snapshot follows the proposal
    uint32 internal constant VOTING_PERIOD = 50_400; // blocks: about a week at 12 s
    uint256 internal constant PROPOSAL_THRESHOLD = 100_000e18; // 0.01 % of the cap
    uint256 internal constant QUORUM_PERCENT = 4;
    uint16 internal constant ESCROW_FEE_BPS = 100; // 1 %, under the escrow's hard cap
    /// @dev Bootstrap supply for `initialHolder` (10 % of the cap), see `Token`.
    uint256 internal constant INITIAL_SUPPLY = 100_000_000e18;

    /// @notice Predicts the addresses for a deployer and an initial token holder.
    function _predict(address deployer, address initialHolder)
        internal
        pure
        returns (Deployment memory d)
    {
        d.timelock = _addressOf(_timelockInitCode(deployer));
        d.token = _addressOf(_tokenInitCode(d.timelock, initialHolder));
        d.governor = _addressOf(_governorInitCode(d.token, d.timelock));
        d.treasury = _addressOf(_treasuryInitCode(d.timelock));
        d.escrow = _addressOf(_escrowInitCode(d.timelock, d.treasury));
        d.stablecoin = _addressOf(type(DemoStablecoin).creationCode);
    }

    /// @notice Deploys what is missing and wires the timelock's roles. Every call made here
    /// must come from `deployer` (broadcast in the script, `vm.startPrank` in tests).
    /// @return d The addresses.
    /// @return fresh Whether the timelock was created by this call (a first deployment).
    function _deploy(address deployer, address initialHolder)
        internal
        returns (Deployment memory d, bool fresh)
    {
        if (CREATE2_FACTORY.code.length == 0) revert NoCreate2Deployer();
        d = _predict(deployer, initialHolder);
        fresh = _create("timelock", d.timelock, _timelockInitCode(deployer));
        _create("token", d.token, _tokenInitCode(d.timelock, initialHolder));
        _create("governor", d.governor, _governorInitCode(d.token, d.timelock));
        _create("treasury", d.treasury, _treasuryInitCode(d.timelock));
        _create("escrow", d.escrow, _escrowInitCode(d.timelock, d.treasury));
        _create("stablecoin", d.stablecoin, type(DemoStablecoin).creationCode);

        TimelockController timelock = TimelockController(payable(d.timelock));
        bytes32 admin = timelock.DEFAULT_ADMIN_ROLE();
        if (timelock.hasRole(admin, deployer)) {
            // Only a deployer that still holds the admin role can (and needs to) finish wiring.
            if (!timelock.hasRole(timelock.PROPOSER_ROLE(), d.governor)) {
                timelock.grantRole(timelock.PROPOSER_ROLE(), d.governor);
            }
            if (!timelock.hasRole(timelock.CANCELLER_ROLE(), d.governor)) {
                timelock.grantRole(timelock.CANCELLER_ROLE(), d.governor);
            }
            timelock.renounceRole(admin, deployer);
        }
    }

    function _timelockInitCode(address deployer) internal pure returns (bytes memory) {
        address[] memory proposers = new address[](0);
        address[] memory executors = new address[](1); // address(0): anyone may execute
        return abi.encodePacked(
            type(TimelockController).creationCode,
            abi.encode(TIMELOCK_MIN_DELAY, proposers, executors, deployer)
        );
    }

    function _tokenInitCode(address timelock, address initialHolder)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            type(Token).creationCode, abi.encode(timelock, initialHolder, INITIAL_SUPPLY)
        );
    }

    function _governorInitCode(address token, address timelock)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            type(CointentGovernor).creationCode,
            abi.encode(
                IVotes(token),
                TimelockController(payable(timelock)),
                VOTING_DELAY,
                VOTING_PERIOD,
                PROPOSAL_THRESHOLD,
                QUORUM_PERCENT
            )
        );
    }

    function _treasuryInitCode(address timelock) internal pure returns (bytes memory) {
        return abi.encodePacked(type(Treasury).creationCode, abi.encode(timelock));
    }

    function _escrowInitCode(address timelock, address treasury)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            type(Escrow).creationCode, abi.encode(timelock, treasury, ESCROW_FEE_BPS)
        );
    }

    function _addressOf(bytes memory initCode) internal pure returns (address) {
        return address(
            uint160(
                uint256(
                    keccak256(
                        abi.encodePacked(bytes1(0xff), CREATE2_FACTORY, SALT, keccak256(initCode))
                    )
                )
            )
        );
    }

    /// @return created Whether the contract was created now (false: it was already there).
    function _create(string memory name, address predicted, bytes memory initCode)
        internal
        returns (bool created)
    {
        if (predicted.code.length != 0) return false;
        (bool ok, bytes memory out) = CREATE2_FACTORY.call(abi.encodePacked(SALT, initCode));
        // The factory returns the 20 bytes of the new address.
        if (!ok || keccak256(out) != keccak256(abi.encodePacked(predicted))) {
            revert DeploymentFailed(name);
        }
        return true;
    }
}

/// @title Deploy
/// @notice Deploys Co-Intent and writes `deployments/<chain id>.json`:
/// `{"chain_id", "start_block", "contracts": {escrow, token, treasury, governor, timelock,
/// stablecoin}}`. `start_block` is a block at or before the first deployment transaction;
/// a re-run that finds the contracts in place keeps the recorded one.
///
///     forge script script/Deploy.s.sol --rpc-url $RPC --broadcast --private-key $KEY
///
/// The initial token supply goes to the deployer unless `COINTENT_INITIAL_HOLDER` is set
/// (which changes the token's and governor's addresses).
contract Deploy is Script, DeployBase {
    function run() external returns (Deployment memory d) {
        uint256 startBlock = block.number;
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        address initialHolder = vm.envOr("COINTENT_INITIAL_HOLDER", deployer);
        bool fresh;
        (d, fresh) = _deploy(deployer, initialHolder);
        vm.stopBroadcast();

        string memory dir = string.concat(vm.projectRoot(), "/deployments");
        string memory path = string.concat(dir, "/", vm.toString(block.chainid), ".json");
        if (!fresh && vm.exists(path)) {
            startBlock = vm.parseJsonUint(vm.readFile(path), ".start_block");
        }
        vm.createDir(dir, true);
        vm.writeJson(_json(d, startBlock), path);
    }

    function _json(Deployment memory d, uint256 startBlock) internal returns (string memory) {
        string memory c = "contracts";
        vm.serializeAddress(c, "escrow", d.escrow);
        vm.serializeAddress(c, "token", d.token);
        vm.serializeAddress(c, "treasury", d.treasury);
        vm.serializeAddress(c, "governor", d.governor);
        vm.serializeAddress(c, "timelock", d.timelock);
        c = vm.serializeAddress(c, "stablecoin", d.stablecoin);
        string memory root = "deployment";
        vm.serializeUint(root, "chain_id", block.chainid);
        vm.serializeUint(root, "start_block", startBlock);
        return vm.serializeString(root, "contracts", c);
    }
}
