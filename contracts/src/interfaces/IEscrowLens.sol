// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";

/// @title IEscrowLens
/// @notice Read-only views over the Escrow's orders: what each party can claim or take back
/// now, milestone amounts, bonds, deadlines, weights, and the packed-terms helpers. The lens
/// computes them with the very library code the Escrow pays with (`EscrowMath`), from the
/// Escrow's stored state, so an off-chain mirror can differential-test its own figures against
/// it. Every function taking `terms` reverts with `IEscrow.TermsMismatch` unless they hash to
/// the order's stored terms hash.
interface IEscrowLens {
    /// @notice The Escrow this lens reads.
    /// @return The Escrow.
    function escrow() external view returns (IEscrow);

    /// @notice The EIP-712 domain separator of the Escrow (name "Co-Intent Escrow", version
    /// "2", this chain, the Escrow's address).
    /// @return The separator.
    function domainSeparator() external view returns (bytes32);

    /// @notice What `claim` would credit `account` now.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param account The account.
    /// @return amount The claimable amount.
    function claimable(uint256 orderId, bytes calldata terms, address account)
        external
        view
        returns (uint256 amount);

    /// @notice What `claimCommission` would credit `promoter` now.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param promoter The promoter.
    /// @return amount The claimable commission.
    function commissionClaimable(uint256 orderId, bytes calldata terms, address promoter)
        external
        view
        returns (uint256 amount);

    /// @notice What `refund` would pay `backer` now (0 when it would revert).
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param backer The backer.
    /// @return amount The refundable amount.
    function refundable(uint256 orderId, bytes calldata terms, address backer)
        external
        view
        returns (uint256 amount);

    /// @notice The order's cumulative released amount, from which every seller-side share and
    /// the promoter pool are computed.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @return The released amount.
    function releasedOf(uint256 orderId, bytes calldata terms) external view returns (uint256);

    /// @notice The amount milestone `index` releases in full.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param index The milestone index.
    /// @return The amount.
    function milestoneAmount(uint256 orderId, bytes calldata terms, uint256 index)
        external
        view
        returns (uint256);

    /// @notice The bond a dispute of the current milestone costs.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @return The bond.
    function disputeBond(uint256 orderId, bytes calldata terms) external view returns (uint256);

    /// @notice The deadline of the order's current phase: funding deadline, delivery deadline,
    /// end of the review window or of the ruling period; 0 once the order ended.
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @return The deadline.
    function deadlineOf(uint256 orderId, bytes calldata terms) external view returns (uint256);

    /// @notice The approval and dispute weight of `account` in the order (its units, or 0).
    /// @param orderId The order.
    /// @param terms Its packed terms.
    /// @param account The account.
    /// @return The weight in units.
    function weightOf(uint256 orderId, bytes calldata terms, address account)
        external
        view
        returns (uint256);

    /// @notice keccak256 of the packed terms: the hash stored per order.
    /// @param terms The packed terms.
    /// @return The hash.
    function hashTerms(bytes calldata terms) external pure returns (bytes32);

    /// @notice The EIP-712 digest a seller signs to let others create an order with `terms`.
    /// @param terms The packed terms.
    /// @return The digest.
    function termsDigest(bytes calldata terms) external view returns (bytes32);

    /// @notice The packed encoding of `terms`.
    /// @param terms The terms.
    /// @return The packed terms.
    function packTerms(IEscrow.Terms calldata terms) external pure returns (bytes memory);

    /// @notice Decodes packed terms.
    /// @param terms The packed terms.
    /// @return The terms.
    function unpackTerms(bytes calldata terms) external pure returns (IEscrow.Terms memory);

    /// @notice The stored terms hash of an order.
    /// @param orderId The order.
    /// @return The hash (zero if the order does not exist).
    function termsHashOf(uint256 orderId) external view returns (bytes32);

    /// @notice The packed state of an order.
    /// @param orderId The order.
    /// @return The state.
    function orderState(uint256 orderId) external view returns (IEscrow.OrderState memory);

    /// @notice The ruling and refund bookkeeping of an order.
    /// @param orderId The order.
    /// @return The bookkeeping.
    function orderAux(uint256 orderId) external view returns (IEscrow.OrderAux memory);

    /// @notice The open dispute of an order (zero when none).
    /// @param orderId The order.
    /// @return The dispute.
    function disputeOf(uint256 orderId) external view returns (IEscrow.Dispute memory);

    /// @notice The promoter pool bookkeeping of an order.
    /// @param orderId The order.
    /// @return The bookkeeping.
    function promoterPoolOf(uint256 orderId) external view returns (IEscrow.PromoterPool memory);

    /// @notice An account's position in an order, as backer and as promoter.
    /// @param orderId The order.
    /// @param account The account.
    /// @return The position.
    function participantOf(uint256 orderId, address account)
        external
        view
        returns (IEscrow.Participant memory);

    /// @notice Amount claimed by `account` from the order, as a seller-side role or, for a
    /// promoter, as commission (promoters are never seller-side roles).
    /// @param orderId The order.
    /// @param account The account.
    /// @return The amount.
    function claimedOf(uint256 orderId, address account) external view returns (uint256);

    /// @notice Whether a seller signature over this EIP-712 digest was used or revoked.
    /// @param digest The digest.
    /// @return The flag.
    function signatureUsed(bytes32 digest) external view returns (bool);
}
