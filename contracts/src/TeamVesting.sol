// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
import {VestingWalletCliff} from "@openzeppelin/contracts/finance/VestingWalletCliff.sol";

/// @title TeamVesting
/// @notice Holds the team's share of the initial CINT supply and releases it linearly to the
/// beneficiary after a cliff (OpenZeppelin's VestingWalletCliff, unchanged). Tokens still in the
/// wallet carry no votes: the wallet never delegates, so the team votes only with what vested
/// and was released.
contract TeamVesting is VestingWalletCliff {
    /// @param beneficiary Receives the vested tokens (and owns the wallet).
    /// @param start When vesting starts (a fixed date, the same on every chain).
    /// @param duration Seconds from `start` until everything vested.
    /// @param cliffSeconds Seconds from `start` before anything vests.
    constructor(address beneficiary, uint64 start, uint64 duration, uint64 cliffSeconds)
        VestingWallet(beneficiary, start, duration)
        VestingWalletCliff(cliffSeconds)
    {}
}
