// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";

/// @title EventFirehose
/// @notice Emits the Escrow's own event types in bulk, so the indexer benchmark can build a
/// history of hundreds of thousands of real-shaped events in a few hundred transactions.
/// @dev Benchmark-only; never deployed outside a local chain.
contract EventFirehose {
    /// @notice Emits `count` events cycling through Pledged, MilestoneReleased, Claimed and
    /// Refunded, for orders `firstOrder` onwards.
    /// @param firstOrder Order id of the first event.
    /// @param count Number of events.
    function blast(uint256 firstOrder, uint256 count) external {
        address token = address(0xdEaD);
        for (uint256 i; i < count; ++i) {
            uint256 orderId = firstOrder + i / 4;
            address account = address(uint160(0x1000 + (i % 97)));
            uint256 kind = i % 4;
            if (kind == 0) {
                emit IEscrow.Pledged(orderId, account, address(0), 1 + i % 5, 1e6 * (1 + i % 5));
            } else if (kind == 1) {
                emit IEscrow.MilestoneReleased(orderId, 0, 5e5, 5e5);
            } else if (kind == 2) {
                emit IEscrow.Claimed(orderId, account, token, 1e5);
            } else {
                emit IEscrow.Refunded(orderId, account, 1e6);
            }
        }
    }
}
