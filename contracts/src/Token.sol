// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IToken} from "src/interfaces/IToken.sol";

/// @title Token
/// @notice The Co-Intent governance token (CINT): ERC-20 with EIP-2612 permit and ERC20Votes
/// checkpoints on the ERC-6372 timestamp clock, so that voting delays and periods are counted
/// in seconds and mean the same on every chain. Holders delegate to vote in the
/// CointentGovernor.
/// @dev Supply is capped by the constant `MAX_SUPPLY`. Only `minter` (the timelock, fixed at
/// deployment) may mint after construction. The constructor mints the initial distribution
/// (see `script/Deploy.s.sol`: bootstrap voters, a team vesting wallet, a community share held
/// by the timelock) so that governance has voters from the start: without any nobody could
/// ever reach the proposal threshold, since minting itself needs a passed proposal.
contract Token is IToken, ERC20, ERC20Permit, ERC20Votes {
    /// @inheritdoc IToken
    uint256 public constant MAX_SUPPLY = 1_000_000_000e18;

    /// @inheritdoc IToken
    address public immutable minter;

    /// @param minter_ The governance timelock, the only account that may mint later.
    /// @param holders Receivers of the initial distribution.
    /// @param amounts Amount minted to each holder; all together at most `MAX_SUPPLY`.
    constructor(address minter_, address[] memory holders, uint256[] memory amounts)
        ERC20("Co-Intent", "CINT")
        ERC20Permit("Co-Intent")
    {
        if (minter_ == address(0)) revert ZeroMinter();
        if (holders.length != amounts.length) revert LengthMismatch();
        minter = minter_;
        for (uint256 i; i < holders.length; ++i) {
            _mint(holders[i], amounts[i]);
        }
    }

    /// @notice The ERC-6372 clock: the block timestamp.
    /// @return The current timepoint, in seconds.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice The ERC-6372 clock mode: timestamps.
    /// @return The mode string.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
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
