// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ITermsVerifier
/// @notice Checks a seller's EIP-712 signature over an order's terms for an Escrow, so that
/// orders can be created on a seller's behalf. Stateless: the Escrow records which signatures
/// were used.
/// @dev The signed type is `IEscrow.Terms` under the domain {name "Co-Intent Escrow", version
/// "2", chainId, verifyingContract: the Escrow}. Kept apart from the Escrow to keep the
/// Escrow under the EIP-170 code size limit.
interface ITermsVerifier {
    /// @notice The EIP-712 domain separator of `escrow` on this chain.
    /// @param escrow The Escrow (the verifying contract).
    /// @return The separator.
    function domainSeparator(address escrow) external view returns (bytes32);

    /// @notice The EIP-712 digest a seller signs to let others create an order with `terms` in
    /// `escrow`. Reverts with `IEscrow.InvalidTerms` when the layout is malformed.
    /// @param escrow The Escrow.
    /// @param terms The packed terms.
    /// @return The digest.
    function digest(address escrow, bytes calldata terms) external view returns (bytes32);

    /// @notice Whether `signature` is the terms' seller's signature over their digest: an
    /// ECDSA signature of the seller's key, or one its contract wallet accepts (EIP-1271).
    /// @param escrow The Escrow.
    /// @param terms The packed terms (layout already validated).
    /// @param signature The signature.
    /// @return termsDigest The digest.
    /// @return valid Whether the signature is valid.
    function verify(address escrow, bytes calldata terms, bytes calldata signature)
        external
        view
        returns (bytes32 termsDigest, bool valid);
}
