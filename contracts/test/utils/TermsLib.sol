// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";

/// @dev Test-side packing of `IEscrow.Terms`, written independently of `PackedTerms` so that the
/// tests check the contract's encoding rather than reuse it.
library TermsLib {
    function pack(IEscrow.Terms memory t) internal pure returns (bytes memory out) {
        out = bytes.concat(
            abi.encodePacked(t.seller, t.token, t.unitPrice, t.minUnits, t.maxUnits),
            abi.encodePacked(t.fundingDeadline, t.reviewPeriod, t.rulingPeriod),
            abi.encodePacked(t.promoterBps, t.feeBps, t.bondBps, t.soleBuyer, t.arbiter),
            abi.encodePacked(t.metadataHash, uint8(t.milestones.length))
        );
        for (uint256 i; i < t.milestones.length; ++i) {
            out = bytes.concat(
                out, abi.encodePacked(t.milestones[i].bps, t.milestones[i].deliveryPeriod)
            );
        }
        out = bytes.concat(out, abi.encodePacked(uint8(t.splits.length)));
        for (uint256 j; j < t.splits.length; ++j) {
            out = bytes.concat(out, abi.encodePacked(t.splits[j].recipient, t.splits[j].bps));
        }
    }

    /// @dev Equal milestones (the last takes the rounding) with one delivery period.
    function milestones(uint256 n, uint32 period)
        internal
        pure
        returns (IEscrow.Milestone[] memory m)
    {
        m = new IEscrow.Milestone[](n);
        uint256 left = 10_000;
        for (uint256 i; i < n; ++i) {
            uint256 bps = i == n - 1 ? left : 10_000 / n;
            m[i] = IEscrow.Milestone(uint16(bps), period);
            left -= bps;
        }
    }

    /// @dev The EIP-712 struct hash of typed terms, computed from the type strings.
    function structHash(IEscrow.Terms memory t) internal pure returns (bytes32) {
        bytes32[] memory ms = new bytes32[](t.milestones.length);
        for (uint256 i; i < ms.length; ++i) {
            ms[i] = keccak256(
                abi.encode(
                    keccak256("Milestone(uint16 bps,uint32 deliveryPeriod)"),
                    t.milestones[i].bps,
                    t.milestones[i].deliveryPeriod
                )
            );
        }
        bytes32[] memory ss = new bytes32[](t.splits.length);
        for (uint256 j; j < ss.length; ++j) {
            ss[j] = keccak256(
                abi.encode(
                    keccak256("Split(address recipient,uint16 bps)"),
                    t.splits[j].recipient,
                    t.splits[j].bps
                )
            );
        }
        bytes memory a = abi.encode(
            keccak256(
                "Terms(address seller,address token,uint96 unitPrice,uint32 minUnits,uint32 maxUnits,uint40 fundingDeadline,uint32 reviewPeriod,uint32 rulingPeriod,uint16 promoterBps,uint16 feeBps,uint16 bondBps,address soleBuyer,address arbiter,bytes32 metadataHash,Milestone[] milestones,Split[] splits)Milestone(uint16 bps,uint32 deliveryPeriod)Split(address recipient,uint16 bps)"
            ),
            t.seller,
            t.token,
            t.unitPrice,
            t.minUnits,
            t.maxUnits,
            t.fundingDeadline
        );
        bytes memory b = abi.encode(
            t.reviewPeriod, t.rulingPeriod, t.promoterBps, t.feeBps, t.bondBps, t.soleBuyer
        );
        bytes memory c = abi.encode(
            t.arbiter,
            t.metadataHash,
            keccak256(abi.encodePacked(ms)),
            keccak256(abi.encodePacked(ss))
        );
        return keccak256(bytes.concat(a, b, c));
    }
}
