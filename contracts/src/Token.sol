// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IToken} from "src/interfaces/IToken.sol";

/// @title Token
/// @notice The Co-Intent governance token (CINT): ERC-20 with EIP-2612 permit and ERC20Votes
/// checkpoints on the block-number clock. Holders delegate to vote in the CointentGovernor.
/// @dev Supply is capped by the constant `MAX_SUPPLY`. Only `minter` (the timelock, fixed at
/// deployment) may mint after construction. The constructor may mint an initial supply to
/// `initialHolder` so that governance has voters from the start: without it nobody could
/// ever reach the proposal threshold, since minting itself needs a passed proposal.
contract Token is IToken, ERC20, ERC20Permit, ERC20Votes {
    /// @inheritdoc IToken
    uint256 public constant MAX_SUPPLY = 1_000_000_000e18;

    /// @inheritdoc IToken
    address public immutable minter;

    /// @param minter_ The governance timelock, the only account that may mint later.
    /// @param initialHolder Receives the bootstrap supply (ignored when it is zero).
    /// @param initialSupply Bootstrap supply minted at construction, at most `MAX_SUPPLY`.
    constructor(address minter_, address initialHolder, uint256 initialSupply)
        ERC20("Co-Intent", "CINT")
        ERC20Permit("Co-Intent")
    {
        if (minter_ == address(0)) revert ZeroMinter();
        minter = minter_;
        if (initialSupply != 0) _mint(initialHolder, initialSupply);
    }

    /// @inheritdoc IToken
    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert OnlyMinter(msg.sender);
        _mint(to, amount);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Enforces the cap on every mint path (constructor and `mint`).
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
        if (from == address(0)) {
            uint256 supply = totalSupply();
            if (supply > MAX_SUPPLY) revert SupplyCapExceeded(supply, MAX_SUPPLY);
        }
    }
}
