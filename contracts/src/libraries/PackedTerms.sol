// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";

/// @title PackedTerms
/// @notice Reads the fields of an order's packed terms straight from calldata, and converts
/// between the packed and the typed (`IEscrow.Terms`) forms.
/// @dev Layout (big-endian, no padding), as documented on `IEscrow.Terms`:
///   0 seller 20 | 20 token 20 | 40 unitPrice 12 | 52 minUnits 4 | 56 maxUnits 4
///   | 60 fundingDeadline 5 | 65 reviewPeriod 4 | 69 rulingPeriod 4 | 73 promoterBps 2
///   | 75 feeBps 2 | 77 bondBps 2 | 79 soleBuyer 20 | 99 arbiter 20 | 119 metadataHash 32
///   | 151 n 1 | 152 n x (bps 2, deliveryPeriod 4) | 152+6n m 1 | 153+6n m x (recipient 20, bps 2).
/// The getters do no bounds checks: they are only used on terms whose length was validated
/// at creation (and that hash to the stored terms hash). Reading past the end of calldata
/// yields zeros, never a revert or someone else's data.
library PackedTerms {
    /// @notice EIP-712 type of the terms a seller signs.
    bytes32 internal constant TERMS_TYPEHASH = keccak256(
        "Terms(address seller,address token,uint96 unitPrice,uint32 minUnits,uint32 maxUnits,"
        "uint40 fundingDeadline,uint32 reviewPeriod,uint32 rulingPeriod,uint16 promoterBps,"
        "uint16 feeBps,uint16 bondBps,address soleBuyer,address arbiter,bytes32 metadataHash,"
        "Milestone[] milestones,Split[] splits)Milestone(uint16 bps,uint32 deliveryPeriod)"
        "Split(address recipient,uint16 bps)"
    );
    /// @notice EIP-712 type of one milestone.
    bytes32 internal constant MILESTONE_TYPEHASH =
        keccak256("Milestone(uint16 bps,uint32 deliveryPeriod)");
    /// @notice EIP-712 type of one split entry.
    bytes32 internal constant SPLIT_TYPEHASH = keccak256("Split(address recipient,uint16 bps)");
    /// @notice Maximum number of milestones.
    uint256 internal constant MAX_MILESTONES = 8;
    /// @notice Maximum number of split entries.
    uint256 internal constant MAX_SPLITS = 5;

    /// @notice Length of the fixed part, up to and including the milestone count.
    uint256 internal constant HEADER = 152;
    uint256 internal constant MILESTONE_SIZE = 6;
    uint256 internal constant SPLIT_SIZE = 22;

    function seller(bytes calldata t) internal pure returns (address a) {
        assembly ("memory-safe") {
            a := shr(96, calldataload(t.offset))
        }
    }

    function token(bytes calldata t) internal pure returns (address a) {
        assembly ("memory-safe") {
            a := shr(96, calldataload(add(t.offset, 20)))
        }
    }

    function unitPrice(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(160, calldataload(add(t.offset, 40)))
        }
    }

    function minUnits(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(224, calldataload(add(t.offset, 52)))
        }
    }

    function maxUnits(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(224, calldataload(add(t.offset, 56)))
        }
    }

    function fundingDeadline(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(216, calldataload(add(t.offset, 60)))
        }
    }

    function reviewPeriod(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(224, calldataload(add(t.offset, 65)))
        }
    }

    function rulingPeriod(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(224, calldataload(add(t.offset, 69)))
        }
    }

    function promoterBps(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(240, calldataload(add(t.offset, 73)))
        }
    }

    function feeBps(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(240, calldataload(add(t.offset, 75)))
        }
    }

    function bondBps(bytes calldata t) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(240, calldataload(add(t.offset, 77)))
        }
    }

    function soleBuyer(bytes calldata t) internal pure returns (address a) {
        assembly ("memory-safe") {
            a := shr(96, calldataload(add(t.offset, 79)))
        }
    }

    function arbiter(bytes calldata t) internal pure returns (address a) {
        assembly ("memory-safe") {
            a := shr(96, calldataload(add(t.offset, 99)))
        }
    }

    function metadataHash(bytes calldata t) internal pure returns (bytes32 v) {
        assembly ("memory-safe") {
            v := calldataload(add(t.offset, 119))
        }
    }

    function milestoneCount(bytes calldata t) internal pure returns (uint256 n) {
        assembly ("memory-safe") {
            n := shr(248, calldataload(add(t.offset, 151)))
        }
    }

    /// @return bps Milestone `i`'s share of the funds.
    /// @return period Milestone `i`'s delivery period.
    function milestone(bytes calldata t, uint256 i)
        internal
        pure
        returns (uint256 bps, uint256 period)
    {
        assembly ("memory-safe") {
            let p := add(t.offset, add(152, mul(i, 6)))
            bps := shr(240, calldataload(p))
            period := shr(224, calldataload(add(p, 2)))
        }
    }

    function milestoneBps(bytes calldata t, uint256 i) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(240, calldataload(add(t.offset, add(152, mul(i, 6)))))
        }
    }

    function deliveryPeriod(bytes calldata t, uint256 i) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(224, calldataload(add(t.offset, add(154, mul(i, 6)))))
        }
    }

    /// @notice Sum of the bps of the milestones before index `k`.
    function bpsBefore(bytes calldata t, uint256 k) internal pure returns (uint256 sum) {
        assembly ("memory-safe") {
            let p := add(t.offset, 152)
            for { let end := add(p, mul(k, 6)) } lt(p, end) { p := add(p, 6) } {
                sum := add(sum, shr(240, calldataload(p)))
            }
        }
    }

    /// @notice Offset of the split count, which follows the `n` milestones.
    function splitsAt(uint256 n) internal pure returns (uint256) {
        return HEADER + MILESTONE_SIZE * n;
    }

    function splitCount(bytes calldata t, uint256 splitsOffset) internal pure returns (uint256 m) {
        assembly ("memory-safe") {
            m := shr(248, calldataload(add(t.offset, splitsOffset)))
        }
    }

    /// @param splitsOffset Offset of the split count (`splitsAt`).
    function splitRecipient(bytes calldata t, uint256 splitsOffset, uint256 j)
        internal
        pure
        returns (address recipient)
    {
        assembly ("memory-safe") {
            recipient := shr(96, calldataload(add(t.offset, add(add(splitsOffset, 1), mul(j, 22)))))
        }
    }

    /// @param splitsOffset Offset of the split count (`splitsAt`).
    /// @return recipient Split `j`'s recipient.
    /// @return bps Split `j`'s share.
    function split(bytes calldata t, uint256 splitsOffset, uint256 j)
        internal
        pure
        returns (address recipient, uint256 bps)
    {
        assembly ("memory-safe") {
            let p := add(t.offset, add(add(splitsOffset, 1), mul(j, 22)))
            recipient := shr(96, calldataload(p))
            bps := shr(240, calldataload(add(p, 20)))
        }
    }

    /// @notice Checks that the length of packed terms matches their milestone and split
    /// counts, and that the counts are within bounds.
    /// @return n The milestone count.
    /// @return m The split count.
    function validateLayout(bytes calldata t) internal pure returns (uint256 n, uint256 m) {
        if (t.length <= HEADER) revert IEscrow.InvalidTerms("length");
        n = milestoneCount(t);
        if (n == 0 || n > MAX_MILESTONES) revert IEscrow.InvalidTerms("milestoneCount");
        uint256 splitsOffset = splitsAt(n);
        if (t.length <= splitsOffset) revert IEscrow.InvalidTerms("length");
        m = splitCount(t, splitsOffset);
        if (m > MAX_SPLITS) revert IEscrow.InvalidTerms("splitCount");
        if (t.length != splitsOffset + 1 + SPLIT_SIZE * m) revert IEscrow.InvalidTerms("length");
    }

    /// @notice The EIP-712 struct hash of packed terms whose layout was validated.
    function structHash(bytes calldata t) internal pure returns (bytes32) {
        bytes memory head =
            abi.encode(TERMS_TYPEHASH, seller(t), token(t), unitPrice(t), minUnits(t), maxUnits(t));
        bytes memory middle = abi.encode(
            fundingDeadline(t),
            reviewPeriod(t),
            rulingPeriod(t),
            promoterBps(t),
            feeBps(t),
            bondBps(t)
        );
        bytes memory tail = abi.encode(
            soleBuyer(t), arbiter(t), metadataHash(t), _milestonesHash(t), _splitsHash(t)
        );
        return keccak256(bytes.concat(head, middle, tail));
    }

    function _milestonesHash(bytes calldata t) private pure returns (bytes32) {
        uint256 n = milestoneCount(t);
        bytes32[] memory hashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            (uint256 bps, uint256 period) = milestone(t, i);
            hashes[i] = keccak256(abi.encode(MILESTONE_TYPEHASH, bps, period));
        }
        return keccak256(abi.encodePacked(hashes));
    }

    function _splitsHash(bytes calldata t) private pure returns (bytes32) {
        uint256 splitsOffset = splitsAt(milestoneCount(t));
        uint256 m = splitCount(t, splitsOffset);
        bytes32[] memory hashes = new bytes32[](m);
        for (uint256 j; j < m; ++j) {
            (address recipient, uint256 bps) = split(t, splitsOffset, j);
            hashes[j] = keccak256(abi.encode(SPLIT_TYPEHASH, recipient, bps));
        }
        return keccak256(abi.encodePacked(hashes));
    }

    /// @notice The packed encoding of typed terms (no validation).
    function pack(IEscrow.Terms calldata t) internal pure returns (bytes memory out) {
        out = abi.encodePacked(
            t.seller, t.token, t.unitPrice, t.minUnits, t.maxUnits, t.fundingDeadline
        );
        out = abi.encodePacked(
            out, t.reviewPeriod, t.rulingPeriod, t.promoterBps, t.feeBps, t.bondBps, t.soleBuyer
        );
        out = abi.encodePacked(out, t.arbiter, t.metadataHash, uint8(t.milestones.length));
        for (uint256 i; i < t.milestones.length; ++i) {
            out = abi.encodePacked(out, t.milestones[i].bps, t.milestones[i].deliveryPeriod);
        }
        out = abi.encodePacked(out, uint8(t.splits.length));
        for (uint256 j; j < t.splits.length; ++j) {
            out = abi.encodePacked(out, t.splits[j].recipient, t.splits[j].bps);
        }
    }

    /// @notice Decodes packed terms whose length matches their counts.
    function unpack(bytes calldata p) internal pure returns (IEscrow.Terms memory t) {
        t.seller = seller(p);
        t.token = token(p);
        // Each value was read from a field of exactly the target width.
        // forge-lint: disable-start(unsafe-typecast)
        t.unitPrice = uint96(unitPrice(p));
        t.minUnits = uint32(minUnits(p));
        t.maxUnits = uint32(maxUnits(p));
        t.fundingDeadline = uint40(fundingDeadline(p));
        t.reviewPeriod = uint32(reviewPeriod(p));
        t.rulingPeriod = uint32(rulingPeriod(p));
        t.promoterBps = uint16(promoterBps(p));
        t.feeBps = uint16(feeBps(p));
        t.bondBps = uint16(bondBps(p));
        t.soleBuyer = soleBuyer(p);
        t.arbiter = arbiter(p);
        t.metadataHash = metadataHash(p);
        uint256 n = milestoneCount(p);
        t.milestones = new IEscrow.Milestone[](n);
        for (uint256 i; i < n; ++i) {
            (uint256 bps, uint256 period) = milestone(p, i);
            t.milestones[i] = IEscrow.Milestone(uint16(bps), uint32(period));
        }
        uint256 splitsOffset = splitsAt(n);
        uint256 m = splitCount(p, splitsOffset);
        t.splits = new IEscrow.Split[](m);
        for (uint256 j; j < m; ++j) {
            (address recipient, uint256 bps) = split(p, splitsOffset, j);
            t.splits[j] = IEscrow.Split(recipient, uint16(bps));
        }
        // forge-lint: disable-end(unsafe-typecast)
    }
}
