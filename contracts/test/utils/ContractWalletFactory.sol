// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ContractWallet} from "./ContractWallet.sol";

/// @dev Deploys `ContractWallet`s with CREATE2, so a wallet's address is known (and can sign,
/// ERC-6492 wrapped) before it exists: the counterfactual accounts of the sign-in tests.
contract ContractWalletFactory {
    function deploy(address owner, bytes32 salt) external returns (ContractWallet) {
        return new ContractWallet{salt: salt}(owner);
    }

    function addressOf(address owner, bytes32 salt) external view returns (address) {
        bytes32 code =
            keccak256(abi.encodePacked(type(ContractWallet).creationCode, abi.encode(owner)));
        return address(
            uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, code))))
        );
    }
}
