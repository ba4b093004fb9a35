// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {CommonBase} from "forge-std/Base.sol";
import {Script} from "forge-std/Script.sol";
import {VmSafe} from "forge-std/Vm.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {CointentGovernor} from "src/CointentGovernor.sol";
import {DemoStablecoin} from "src/DemoStablecoin.sol";
import {Escrow} from "src/Escrow.sol";
import {EscrowLens} from "src/EscrowLens.sol";
import {Shop} from "src/Shop.sol";
import {TeamVesting} from "src/TeamVesting.sol";
import {TermsVerifier} from "src/TermsVerifier.sol";
import {Token} from "src/Token.sol";
import {Treasury} from "src/Treasury.sol";
import {IEscrow} from "src/interfaces/IEscrow.sol";
import {ITermsVerifier} from "src/interfaces/ITermsVerifier.sol";

/// @title DeployBase
/// @notice The deployment logic of Co-Intent, shared by the `Deploy` script and the tests.
/// @dev Every contract is created through the deterministic CREATE2 deployer
/// (0x4e59b44847b379578588920ca78fbf26c0b4956c, present on anvil and most chains) with one
/// salt and chain-independent constructor arguments, so a given deployer account (with the same
/// bootstrap holder and team beneficiary) gets the same addresses on every chain. Re-running is
/// safe: a contract whose code is already at its predicted address is skipped, and the role
/// wiring only does what is still missing.
///
/// Governor and timelock cannot both name each other in their constructors (each CREATE2
/// address hashes the other's), so the timelock is created with the deployer as temporary
/// admin and no proposer; the deployer then grants the proposer and canceller roles to the
/// governor and renounces the admin role, in the same run, as OpenZeppelin recommends. The
/// Escrow likewise names the deployer as its allowlist bootstrap: in the same run the deployer
/// allowlists this chain's payment tokens, sets the Shop (the one contract that may sell
/// listings' purchases as orders, whose address depends on the Escrow's) and renounces, leaving
/// the allowlist to governance and the shop fixed.
///
/// Token distribution (100 M CINT of the 1 000 M cap, minted at construction):
/// - 70 M community share, held by the timelock: spent only by passed proposals;
/// - 20 M team share, in a `TeamVesting` wallet: nothing before a one-year cliff from
///   2027-01-01, then linear until 2031-01-01; unvested tokens do not vote;
/// - 10 M bootstrap share, liquid, to the bootstrap holder, so that governance has voters on
///   day one (above the 4 % quorum: it can pass proposals alone until others hold votes).
///
/// The free-mint `DemoStablecoin` is deployed, and allowlisted, only on local chains.
abstract contract DeployBase is CommonBase {
    /// @notice A CREATE2 deployment did not land at the predicted address.
    error DeploymentFailed(string name);

    /// @notice The deterministic CREATE2 deployer has no code on this chain.
    error NoCreate2Deployer();

    /// @notice The addresses of one deployment (`stablecoin` is zero off local chains).
    struct Deployment {
        address timelock;
        address governor;
        address token;
        address treasury;
        address escrow;
        address stablecoin;
        address verifier;
        address lens;
        address shop;
        address teamVesting;
    }

    /// @notice What varies between deployments.
    /// @param bootstrapHolder Receives the liquid bootstrap share of the token supply.
    /// @param team Beneficiary of the team's vesting wallet.
    /// @param local Whether this is a local chain: deploys and allowlists the DemoStablecoin.
    /// @param allowNative Whether to allowlist the chain's native coin.
    /// @param paymentTokens ERC-20 tokens to allowlist on this chain.
    struct Params {
        address bootstrapHolder;
        address team;
        bool local;
        bool allowNative;
        address[] paymentTokens;
    }

    bytes32 internal constant SALT = keccak256("co-intent/v2");

    /// @dev Protocol parameters: all of them can later be changed by governance.
    uint256 internal constant TIMELOCK_MIN_DELAY = 2 days;
    uint48 internal constant VOTING_DELAY = 1 days; // seconds: the snapshot follows the proposal
    uint32 internal constant VOTING_PERIOD = 7 days; // seconds
    uint256 internal constant PROPOSAL_THRESHOLD = 100_000e18; // 0.01 % of the cap
    uint256 internal constant QUORUM_PERCENT = 4;
    uint16 internal constant ESCROW_FEE_BPS = 100; // 1 %, under the escrow's hard cap

    /// @dev The initial distribution, see the contract's natspec.
    uint256 internal constant COMMUNITY_SUPPLY = 70_000_000e18;
    uint256 internal constant TEAM_SUPPLY = 20_000_000e18;
    uint256 internal constant BOOTSTRAP_SUPPLY = 10_000_000e18;
    uint64 internal constant TEAM_VESTING_START = 1_798_761_600; // 2027-01-01T00:00:00Z
    uint64 internal constant TEAM_VESTING_DURATION = 4 * 365 days;
    uint64 internal constant TEAM_VESTING_CLIFF = 365 days;

    /// @notice Predicts the addresses of a deployment (`stablecoin` only when local).
    function _predict(address deployer, Params memory p)
        internal
        pure
        returns (Deployment memory d)
    {
        d.timelock = _addressOf(_timelockInitCode(deployer));
        d.teamVesting = _addressOf(_vestingInitCode(p.team));
        d.token = _addressOf(_tokenInitCode(d.timelock, p.bootstrapHolder, d.teamVesting));
        d.governor = _addressOf(_governorInitCode(d.token, d.timelock));
        d.treasury = _addressOf(_treasuryInitCode(d.timelock));
        d.verifier = _addressOf(type(TermsVerifier).creationCode);
        d.escrow = _addressOf(_escrowInitCode(d.timelock, d.treasury, d.verifier, deployer));
        d.lens = _addressOf(_lensInitCode(d.escrow));
        d.shop = _addressOf(_shopInitCode(d.escrow));
        if (p.local) d.stablecoin = _addressOf(type(DemoStablecoin).creationCode);
    }

    /// @notice Deploys what is missing, allowlists the payment tokens and wires the timelock's
    /// roles. Every call made here must come from `deployer` (broadcast in the script,
    /// `vm.startPrank` in tests).
    /// @return d The addresses.
    /// @return fresh Whether the timelock was created by this call (a first deployment).
    function _deploy(address deployer, Params memory p)
        internal
        returns (Deployment memory d, bool fresh)
    {
        if (CREATE2_FACTORY.code.length == 0) revert NoCreate2Deployer();
        d = _predict(deployer, p);
        fresh = _create("timelock", d.timelock, _timelockInitCode(deployer));
        _create("teamVesting", d.teamVesting, _vestingInitCode(p.team));
        _create("token", d.token, _tokenInitCode(d.timelock, p.bootstrapHolder, d.teamVesting));
        _create("governor", d.governor, _governorInitCode(d.token, d.timelock));
        _create("treasury", d.treasury, _treasuryInitCode(d.timelock));
        _create("verifier", d.verifier, type(TermsVerifier).creationCode);
        _create("escrow", d.escrow, _escrowInitCode(d.timelock, d.treasury, d.verifier, deployer));
        _create("lens", d.lens, _lensInitCode(d.escrow));
        _create("shop", d.shop, _shopInitCode(d.escrow));
        if (p.local) _create("stablecoin", d.stablecoin, type(DemoStablecoin).creationCode);

        IEscrow escrow = IEscrow(d.escrow);
        if (escrow.bootstrap() == deployer) {
            address[] memory tokens = _paymentTokens(d, p);
            for (uint256 i; i < tokens.length; ++i) {
                escrow.setTokenAllowed(tokens[i], true);
            }
            if (escrow.shop() == address(0)) escrow.setShop(d.shop);
            escrow.renounceBootstrap();
        }

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

    /// @notice The tokens a deployment allowlists: the native coin (unless disabled), the
    /// given ERC-20 tokens, and the DemoStablecoin on local chains.
    function _paymentTokens(Deployment memory d, Params memory p)
        internal
        pure
        returns (address[] memory tokens)
    {
        uint256 n = p.paymentTokens.length + (p.allowNative ? 1 : 0) + (p.local ? 1 : 0);
        tokens = new address[](n);
        uint256 k;
        if (p.allowNative) tokens[k++] = address(0);
        if (p.local) tokens[k++] = d.stablecoin;
        for (uint256 i; i < p.paymentTokens.length; ++i) {
            tokens[k++] = p.paymentTokens[i];
        }
    }

    /// @notice Whether `chainId` is one of the local development chains (anvil's 31337, and the
    /// second dev chain 31338).
    function _isLocalChain(uint256 chainId) internal pure returns (bool) {
        return chainId == 31_337 || chainId == 31_338;
    }

    function _timelockInitCode(address deployer) internal pure returns (bytes memory) {
        address[] memory proposers = new address[](0);
        address[] memory executors = new address[](1); // address(0): anyone may execute
        return abi.encodePacked(
            type(TimelockController).creationCode,
            abi.encode(TIMELOCK_MIN_DELAY, proposers, executors, deployer)
        );
    }

    function _vestingInitCode(address team) internal pure returns (bytes memory) {
        return abi.encodePacked(
            type(TeamVesting).creationCode,
            abi.encode(team, TEAM_VESTING_START, TEAM_VESTING_DURATION, TEAM_VESTING_CLIFF)
        );
    }

    function _tokenInitCode(address timelock, address bootstrapHolder, address teamVesting)
        internal
        pure
        returns (bytes memory)
    {
        address[] memory holders = new address[](3);
        uint256[] memory amounts = new uint256[](3);
        (holders[0], amounts[0]) = (timelock, COMMUNITY_SUPPLY);
        (holders[1], amounts[1]) = (teamVesting, TEAM_SUPPLY);
        (holders[2], amounts[2]) = (bootstrapHolder, BOOTSTRAP_SUPPLY);
        return abi.encodePacked(type(Token).creationCode, abi.encode(timelock, holders, amounts));
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

    function _escrowInitCode(address timelock, address treasury, address verifier, address boot)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            type(Escrow).creationCode,
            abi.encode(timelock, treasury, ESCROW_FEE_BPS, ITermsVerifier(verifier), boot)
        );
    }

    function _lensInitCode(address escrow) internal pure returns (bytes memory) {
        return abi.encodePacked(type(EscrowLens).creationCode, abi.encode(IEscrow(escrow)));
    }

    function _shopInitCode(address escrow) internal pure returns (bytes memory) {
        return abi.encodePacked(type(Shop).creationCode, abi.encode(IEscrow(escrow)));
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
/// `{"chain_id", "start_block", "local", "payment_tokens": [...], "contracts": {escrow, token,
/// treasury, governor, timelock, stablecoin, escrow_lens, terms_verifier, team_vesting, shop}}`.
/// `stablecoin` is the zero address off local chains; `payment_tokens` lists the tokens on the
/// escrow's allowlist among those this deployment considers (the native coin is
/// `0x0000000000000000000000000000000000000000`). `start_block` is a block at or before the
/// first deployment transaction; a re-run that finds the contracts in place keeps it.
///
///     forge script script/Deploy.s.sol --rpc-url $RPC --broadcast --slow --account deployer
///
/// Environment (all optional):
/// - `COINTENT_INITIAL_HOLDER`: bootstrap share holder (default: the deployer);
/// - `COINTENT_TEAM`: team vesting beneficiary (default: the deployer);
/// - `COINTENT_LOCAL`: treat the chain as local (default: chain id 31337 or 31338), which
///   deploys and allowlists the free-mint DemoStablecoin;
/// - `COINTENT_PAYMENT_TOKENS`: comma-separated ERC-20 addresses to allowlist;
/// - `COINTENT_ALLOW_NATIVE`: allowlist the native coin (default: true);
/// - `COINTENT_DEPLOYMENTS_DIR`: where the record goes (default: `deployments/` in the project;
///   forge's file permissions allow only that folder and the folders under it).
/// The holder and the team change the token's (and so the governor's) address; the allowlist
/// is set once, by the first run (later changes go through governance). A simulation (no
/// `--broadcast`) writes no record: nothing was deployed. `script/deploy --chain <key>` runs
/// this script for a chain of `chains/registry.json`, with the signer and the environment set.
contract Deploy is Script, DeployBase {
    function run() external returns (Deployment memory d) {
        uint256 startBlock = block.number;
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        Params memory p = Params({
            bootstrapHolder: vm.envOr("COINTENT_INITIAL_HOLDER", deployer),
            team: vm.envOr("COINTENT_TEAM", deployer),
            local: vm.envOr("COINTENT_LOCAL", _isLocalChain(block.chainid)),
            allowNative: vm.envOr("COINTENT_ALLOW_NATIVE", true),
            paymentTokens: vm.envOr("COINTENT_PAYMENT_TOKENS", ",", new address[](0))
        });
        bool fresh;
        (d, fresh) = _deploy(deployer, p);
        vm.stopBroadcast();

        if (vm.isContext(VmSafe.ForgeContext.ScriptDryRun)) return d;
        string memory dir =
            vm.envOr("COINTENT_DEPLOYMENTS_DIR", string.concat(vm.projectRoot(), "/deployments"));
        string memory path = string.concat(dir, "/", vm.toString(block.chainid), ".json");
        if (!fresh && vm.exists(path)) {
            startBlock = vm.parseJsonUint(vm.readFile(path), ".start_block");
        }
        vm.createDir(dir, true);
        vm.writeJson(_json(d, p, startBlock), path);
    }

    function _json(Deployment memory d, Params memory p, uint256 startBlock)
        internal
        returns (string memory)
    {
        string memory c = "contracts";
        vm.serializeAddress(c, "escrow", d.escrow);
        vm.serializeAddress(c, "token", d.token);
        vm.serializeAddress(c, "treasury", d.treasury);
        vm.serializeAddress(c, "governor", d.governor);
        vm.serializeAddress(c, "timelock", d.timelock);
        vm.serializeAddress(c, "escrow_lens", d.lens);
        vm.serializeAddress(c, "terms_verifier", d.verifier);
        vm.serializeAddress(c, "team_vesting", d.teamVesting);
        vm.serializeAddress(c, "shop", d.shop);
        c = vm.serializeAddress(c, "stablecoin", d.stablecoin);
        string memory root = "deployment";
        vm.serializeUint(root, "chain_id", block.chainid);
        vm.serializeUint(root, "start_block", startBlock);
        vm.serializeBool(root, "local", p.local);
        vm.serializeAddress(root, "payment_tokens", _allowed(d, p));
        return vm.serializeString(root, "contracts", c);
    }

    /// @dev The considered tokens that the escrow's allowlist holds now.
    function _allowed(Deployment memory d, Params memory p)
        internal
        view
        returns (address[] memory out)
    {
        address[] memory tokens = _paymentTokens(d, p);
        uint256 n;
        out = new address[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) {
            if (IEscrow(d.escrow).isTokenAllowed(tokens[i])) out[n++] = tokens[i];
        }
        assembly ("memory-safe") {
            mstore(out, n)
        }
    }
}
