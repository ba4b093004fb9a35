// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IToken
/// @notice The Co-Intent governance token: capped supply, minted only by governance.
/// @dev ERC-20, EIP-2612 and ERC-5805 (votes) come from OpenZeppelin's interfaces; this one
/// holds what is specific to Co-Intent.
interface IToken {
    /// @notice A mint would take the total supply above the cap.
    /// @param supply The total supply the mint would have produced.
    /// @param cap The hard cap, `MAX_SUPPLY`.
    error SupplyCapExceeded(uint256 supply, uint256 cap);

    /// @notice The caller of a minter-only function is not the minter.
    /// @param caller The address that called.
    error OnlyMinter(address caller);

    /// @notice The minter given to the constructor is the zero address.
    error ZeroMinter();

    /// @notice The constructor's holders and amounts differ in length.
    error LengthMismatch();

    /// @notice The hard cap on the total supply, in 18-decimal units.
    function MAX_SUPPLY() external view returns (uint256);

    /// @notice The only address allowed to mint: the governance timelock.
    function minter() external view returns (address);

    /// @notice Mints `amount` to `to`; only the minter may call.
    /// @param to Receiver of the new tokens.
    /// @param amount Amount in 18-decimal units.
    function mint(address to, uint256 amount) external;
}
