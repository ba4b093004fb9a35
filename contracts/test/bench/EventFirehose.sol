// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {TermsLib} from "../utils/TermsLib.sol";

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
                emit IEscrow.Pledged(
                    orderId, account, address(0), 1 + i % 5, 1e6 * (1 + i % 5), 1 + i % 5
                );
            } else if (kind == 1) {
                emit IEscrow.MilestoneReleased(orderId, 0, 5e5, 5e5, block.timestamp + 30 days);
            } else if (kind == 2) {
                emit IEscrow.Claimed(orderId, account, token, 1e5);
            } else {
                emit IEscrow.Refunded(orderId, account, account, 1e6);
            }
        }
    }

    /// @notice Emits `count` OrderCreated events for orders `firstOrder` onwards, cycling
    /// through the three kinds (collective, single sale, freelance with three milestones),
    /// so the API benchmark has a realistic orders table.
    /// @param firstOrder Id of the first order.
    /// @param count Number of orders.
    function blastOrders(uint256 firstOrder, uint256 count) external {
        IEscrow.Terms memory terms;
        terms.token = address(0xdEaD);
        terms.reviewPeriod = 3 days;
        terms.rulingPeriod = 7 days;
        terms.feeBps = 100;
        terms.bondBps = 500;
        terms.arbiter = address(0xA7b1);
        IEscrow.Split[] memory splits = new IEscrow.Split[](1);
        splits[0] = IEscrow.Split({recipient: address(0x5A0b), bps: 1500});
        for (uint256 i; i < count; ++i) {
            uint256 kind = i % 3;
            terms.seller = address(uint160(0x2000 + (i % 211)));
            terms.unitPrice = uint96(1e6 * (5 + i % 50));
            terms.minUnits = kind == 0 ? 10 : 1;
            terms.maxUnits = kind == 0 ? 100 : 1;
            terms.fundingDeadline = uint40(block.timestamp + 30 days);
            terms.promoterBps = kind == 0 ? 500 : 0;
            terms.soleBuyer = kind == 0 ? address(0) : address(uint160(0x3000 + (i % 89)));
            terms.metadataHash = keccak256(abi.encode(firstOrder + i));
            if (kind == 2) {
                terms.milestones = new IEscrow.Milestone[](3);
                terms.milestones[0] = IEscrow.Milestone(3000, 14 days);
                terms.milestones[1] = IEscrow.Milestone(3000, 14 days);
                terms.milestones[2] = IEscrow.Milestone(4000, 14 days);
            } else {
                terms.milestones = new IEscrow.Milestone[](1);
                terms.milestones[0] = IEscrow.Milestone(10_000, 30 days);
            }
            terms.splits = kind == 1 ? splits : new IEscrow.Split[](0);
            emit IEscrow.OrderCreated(
                firstOrder + i, terms.seller, terms.token, terms.seller, TermsLib.pack(terms)
            );
        }
    }
}
