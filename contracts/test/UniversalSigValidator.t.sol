// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {ValidateSigOffchain} from "src/UniversalSigValidator.sol";
import {ContractWallet} from "./utils/ContractWallet.sol";
import {ContractWalletFactory} from "./utils/ContractWalletFactory.sol";

/// @dev ERC-6492's deployless check as the API runs it: the validator's creation code with its
/// arguments, "deployed" in place; the one byte it returns as code is the verdict.
contract UniversalSigValidatorTest is Test {
    bytes32 private constant _SUFFIX =
        0x6492649264926492649264926492649264926492649264926492649264926492;
    ContractWalletFactory private factory;
    uint256 private ownerKey;
    address private owner;
    bytes32 private constant HASH = keccak256("sign in");

    function setUp() public {
        factory = new ContractWalletFactory();
        (owner, ownerKey) = makeAddrAndKey("owner");
    }

    function _verdict(address signer, bytes32 hash, bytes memory signature) private returns (bool) {
        bytes memory code = abi.encodePacked(
            type(ValidateSigOffchain).creationCode, abi.encode(signer, hash, signature)
        );
        address ran;
        assembly ("memory-safe") {
            ran := create(0, add(code, 32), mload(code))
        }
        assertTrue(ran != address(0), "the validator reverted");
        bytes memory out = ran.code;
        assertEq(out.length, 1);
        return out[0] == 0x01;
    }

    function _sign(uint256 key, bytes32 hash) private pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        return abi.encodePacked(r, s, v);
    }

    function _wrap(bytes memory calldata_, bytes memory sig) private view returns (bytes memory) {
        return abi.encodePacked(abi.encode(address(factory), calldata_, sig), _SUFFIX);
    }

    function test_Counterfactual_OwnersSignature() public {
        address wallet = factory.addressOf(owner, bytes32(uint256(1)));
        bytes memory deploy =
            abi.encodeCall(ContractWalletFactory.deploy, (owner, bytes32(uint256(1))));
        assertTrue(_verdict(wallet, HASH, _wrap(deploy, _sign(ownerKey, HASH))));
    }

    function test_Counterfactual_RefusesAnotherKey() public {
        address wallet = factory.addressOf(owner, bytes32(uint256(1)));
        bytes memory deploy =
            abi.encodeCall(ContractWalletFactory.deploy, (owner, bytes32(uint256(1))));
        (, uint256 other) = makeAddrAndKey("other");
        assertFalse(_verdict(wallet, HASH, _wrap(deploy, _sign(other, HASH))));
    }

    function test_Counterfactual_RefusesCalldataDeployingAnotherWallet() public {
        address wallet = factory.addressOf(owner, bytes32(uint256(1)));
        (address other, uint256 otherKey) = makeAddrAndKey("other");
        bytes memory deploy =
            abi.encodeCall(ContractWalletFactory.deploy, (other, bytes32(uint256(1))));
        assertFalse(_verdict(wallet, HASH, _wrap(deploy, _sign(otherKey, HASH))));
        // A create here is real, unlike in an eth_call: a fresh salt for the second attempt.
        deploy = abi.encodeCall(ContractWalletFactory.deploy, (other, bytes32(uint256(3))));
        assertFalse(_verdict(wallet, HASH, _wrap(deploy, _sign(ownerKey, HASH))));
        assertEq(wallet.code.length, 0);
    }

    function test_Counterfactual_RefusesAFailingFactoryCall() public {
        address wallet = factory.addressOf(owner, bytes32(uint256(1)));
        assertFalse(_verdict(wallet, HASH, _wrap(hex"deadbeef", _sign(ownerKey, HASH))));
    }

    function test_Deployed_UnwrapsAndAsksTheWallet() public {
        ContractWallet wallet = factory.deploy(owner, bytes32(uint256(2)));
        bytes memory deploy =
            abi.encodeCall(ContractWalletFactory.deploy, (owner, bytes32(uint256(2))));
        assertTrue(_verdict(address(wallet), HASH, _wrap(deploy, _sign(ownerKey, HASH))));
        assertTrue(_verdict(address(wallet), HASH, _sign(ownerKey, HASH)));
        assertFalse(_verdict(address(wallet), keccak256("other"), _sign(ownerKey, HASH)));
    }

    function test_Key_Ecrecover() public {
        assertTrue(_verdict(owner, HASH, _sign(ownerKey, HASH)));
        assertFalse(_verdict(owner, keccak256("other"), _sign(ownerKey, HASH)));
    }
}
