// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ValidateSigOffchain
/// @notice ERC-6492's "deployless" signature check, never deployed: its creation code with
/// the constructor's arguments is the data of an `eth_call` without `to`, and the call's
/// output is one byte, 0x01 when the signature is valid and 0x00 otherwise.
///
/// A signature ending in the ERC-6492 suffix is `abi.encode(factory, factoryCalldata,
/// innerSignature)` followed by the suffix: when the signer has no code yet, the factory is
/// called with its calldata first (inside the simulated call only), then the signer's
/// EIP-1271 `isValidSignature` judges the inner signature. A signer that still has no code
/// (the calldata deployed something else, or nothing) is refused. Without the suffix, a
/// signer with code is asked through EIP-1271 and one without is checked with `ecrecover`.
/// Unlike the ERC's reference, a failing factory call or a reverting wallet answers 0x00
/// rather than reverting: the caller only needs "valid or not", and a revert could not be
/// told apart from a node's error.
contract ValidateSigOffchain {
    /// @dev `bytes32` of repeated 0x6492: marks an ERC-6492 wrapped signature.
    bytes32 private constant _ERC6492_SUFFIX =
        0x6492649264926492649264926492649264926492649264926492649264926492;

    /// @param signer The account whose signature is checked.
    /// @param hash The signed hash (EIP-191 or EIP-712 digest).
    /// @param signature The signature, ERC-6492 wrapped or not.
    constructor(address signer, bytes32 hash, bytes memory signature) {
        bool valid = _isValid(signer, hash, signature);
        assembly ("memory-safe") {
            mstore(0, valid)
            return(31, 1)
        }
    }

    function _isValid(address signer, bytes32 hash, bytes memory signature) private returns (bool) {
        bytes memory inner = signature;
        uint256 n = signature.length;
        if (n >= 32 && _tail(signature) == _ERC6492_SUFFIX) {
            bytes memory wrapped = new bytes(n - 32);
            for (uint256 i; i < n - 32; ++i) {
                wrapped[i] = signature[i];
            }
            address factory;
            bytes memory factoryCalldata;
            (factory, factoryCalldata, inner) = abi.decode(wrapped, (address, bytes, bytes));
            if (signer.code.length == 0) {
                // A failed deployment shows below as a signer without code.
                // forge-lint: disable-next-line(unchecked-call)
                (bool deployed,) = factory.call(factoryCalldata);
                deployed;
            }
            if (signer.code.length == 0) return false;
        }
        if (signer.code.length == 0) {
            // The third value only details the error, which `err` already reports.
            // slither-disable-next-line unused-return
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, inner);
            return err == ECDSA.RecoverError.NoError && recovered == signer;
        }
        (bool ok, bytes memory out) =
            signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (hash, inner)));
        return ok && out.length >= 32
            && abi.decode(out, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }

    function _tail(bytes memory b) private pure returns (bytes32 word) {
        assembly ("memory-safe") {
            word := mload(add(b, mload(b)))
        }
    }
}
