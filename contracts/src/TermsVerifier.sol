// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ITermsVerifier} from "src/interfaces/ITermsVerifier.sol";
import {PackedTerms} from "src/libraries/PackedTerms.sol";

/// @title TermsVerifier
/// @notice Computes the EIP-712 digest of packed terms for an Escrow and checks the seller's
/// signature over it (plain keys and EIP-1271 contract wallets, through OpenZeppelin's
/// SignatureChecker). Holds no state.
contract TermsVerifier is ITermsVerifier {
    using PackedTerms for bytes;

    /// @notice EIP-712 type of the terms a seller signs (see `IEscrow.Terms`).
    bytes32 public constant TERMS_TYPEHASH = PackedTerms.TERMS_TYPEHASH;

    bytes32 private constant _DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant _NAME_HASH = keccak256("Co-Intent Escrow");
    bytes32 private constant _VERSION_HASH = keccak256("2");

    /// @inheritdoc ITermsVerifier
    function domainSeparator(address escrow) public view returns (bytes32) {
        return
            keccak256(
                abi.encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, block.chainid, escrow)
            );
    }

    /// @inheritdoc ITermsVerifier
    function digest(address escrow, bytes calldata terms) external view returns (bytes32) {
        // Only the checks matter here: the digest reads the counts again.
        // slither-disable-next-line unused-return
        terms.validateLayout();
        return _digest(escrow, terms);
    }

    /// @inheritdoc ITermsVerifier
    function verify(address escrow, bytes calldata terms, bytes calldata signature)
        external
        view
        returns (bytes32 termsDigest, bool valid)
    {
        termsDigest = _digest(escrow, terms);
        valid = SignatureChecker.isValidSignatureNow(terms.seller(), termsDigest, signature);
    }

    function _digest(address escrow, bytes calldata terms) private view returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(escrow), terms.structHash()));
    }
}
