// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title DemoStablecoin
/// @notice A 6-decimal dollar-like token with EIP-2612 permit for local chains and demos.
/// @dev Anyone may mint: it exists only so the dev stack and tests have a stablecoin. Never
/// deploy it where its balances could be mistaken for money.
contract DemoStablecoin is ERC20, ERC20Permit {
    constructor() ERC20("Demo USD", "dUSD") ERC20Permit("Demo USD") {}

    /// @notice Mints `amount` to `to`; open to anyone on purpose (demo faucet).
    /// @param to Receiver of the new tokens.
    /// @param amount Amount in 6-decimal units.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
