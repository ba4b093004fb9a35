// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEscrow} from "src/interfaces/IEscrow.sol";
import {IEscrowLens} from "src/interfaces/IEscrowLens.sol";
import {EscrowMath} from "src/libraries/EscrowMath.sol";
import {PackedTerms} from "src/libraries/PackedTerms.sol";

/// @title EscrowLens
/// @notice Read-only views over one Escrow, computed with the Escrow's own money rules
/// (`EscrowMath`) from its stored state. Kept apart from the Escrow so that the Escrow stays
/// under the EIP-170 code size limit; it holds no state and no money.
contract EscrowLens is IEscrowLens {
    using PackedTerms for bytes;

    /// @inheritdoc IEscrowLens
    IEscrow public immutable escrow;

    // Storage slots of the Escrow's state variables (see `Escrow`; a test pins them).
    uint256 private constant _SLOT_USED_SIGNATURES = 2;
    uint256 private constant _SLOT_TERMS_HASH = 3;
    uint256 private constant _SLOT_STATE = 4;
    uint256 private constant _SLOT_AUX = 5;
    uint256 private constant _SLOT_DISPUTES = 6;
    uint256 private constant _SLOT_PROMOTER_POOL = 7;
    uint256 private constant _SLOT_PARTICIPANTS = 8;
    uint256 private constant _SLOT_CLAIMED = 9;

    /// @param escrow_ The Escrow to read.
    constructor(IEscrow escrow_) {
        escrow = escrow_;
    }

    /// @inheritdoc IEscrowLens
    function domainSeparator() external view returns (bytes32) {
        return escrow.verifier().domainSeparator(address(escrow));
    }

    /// @inheritdoc IEscrowLens
    function claimable(uint256 orderId, bytes calldata terms, address account)
        external
        view
        returns (uint256 amount)
    {
        IEscrow.OrderState memory s = _state(orderId, terms);
        uint256 entitled =
            EscrowMath.entitlement(terms, s, _released(orderId, terms, s), account, _treasury());
        uint256 claimed = claimedOf(orderId, account);
        amount = entitled > claimed ? entitled - claimed : 0;
    }

    /// @inheritdoc IEscrowLens
    function commissionClaimable(uint256 orderId, bytes calldata terms, address promoter)
        external
        view
        returns (uint256 amount)
    {
        IEscrow.OrderState memory s = _state(orderId, terms);
        // Whether the claim would close the position does not change what it would credit.
        // slither-disable-next-line unused-return
        (amount,) = EscrowMath.commission(
            terms,
            s,
            _released(orderId, terms, s),
            participantOf(orderId, promoter),
            promoterPoolOf(orderId),
            claimedOf(orderId, promoter)
        );
    }

    /// @inheritdoc IEscrowLens
    function refundable(uint256 orderId, bytes calldata terms, address backer)
        external
        view
        returns (uint256 amount)
    {
        IEscrow.OrderState memory s = _state(orderId, terms);
        uint256 units = participantOf(orderId, backer).units;
        if (units == 0) return 0;
        if (s.status == IEscrow.Status.Failed || s.status == IEscrow.Status.Cancelled) {
            return units * terms.unitPrice();
        }
        if (!EscrowMath.ended(s.status)) return 0;
        // The pool left is the whole backers' share; this backer's part is what it would get.
        // slither-disable-next-line unused-return
        (amount,) = EscrowMath.endRefund(terms, s, orderAux(orderId), units);
    }

    /// @inheritdoc IEscrowLens
    function releasedOf(uint256 orderId, bytes calldata terms) external view returns (uint256) {
        return _released(orderId, terms, _state(orderId, terms));
    }

    /// @inheritdoc IEscrowLens
    function milestoneAmount(uint256 orderId, bytes calldata terms, uint256 index)
        external
        view
        returns (uint256)
    {
        IEscrow.OrderState memory s = _state(orderId, terms);
        if (index >= terms.milestoneCount()) return 0;
        return EscrowMath.milestoneAmount(terms, s.unitsPledged, index);
    }

    /// @inheritdoc IEscrowLens
    function disputeBond(uint256 orderId, bytes calldata terms) external view returns (uint256) {
        IEscrow.OrderState memory s = _state(orderId, terms);
        if (s.milestone >= terms.milestoneCount()) return 0;
        return EscrowMath.bond(terms, s);
    }

    /// @inheritdoc IEscrowLens
    function deadlineOf(uint256 orderId, bytes calldata terms) external view returns (uint256) {
        return EscrowMath.deadline(terms, _state(orderId, terms));
    }

    /// @inheritdoc IEscrowLens
    function weightOf(uint256 orderId, bytes calldata terms, address account)
        external
        view
        returns (uint256)
    {
        _state(orderId, terms);
        return EscrowMath.weight(terms, participantOf(orderId, account), account);
    }

    /// @inheritdoc IEscrowLens
    function hashTerms(bytes calldata terms) external pure returns (bytes32) {
        return keccak256(terms);
    }

    /// @inheritdoc IEscrowLens
    function termsDigest(bytes calldata terms) external view returns (bytes32) {
        return escrow.verifier().digest(address(escrow), terms);
    }

    /// @inheritdoc IEscrowLens
    function packTerms(IEscrow.Terms calldata terms) external pure returns (bytes memory) {
        return PackedTerms.pack(terms);
    }

    /// @inheritdoc IEscrowLens
    function unpackTerms(bytes calldata terms) external pure returns (IEscrow.Terms memory) {
        // Only the checks matter here: unpack reads the counts again.
        // slither-disable-next-line unused-return
        terms.validateLayout();
        return terms.unpack();
    }

    /// @inheritdoc IEscrowLens
    function termsHashOf(uint256 orderId) public view returns (bytes32) {
        return _load(_slot(orderId, _SLOT_TERMS_HASH));
    }

    /// @inheritdoc IEscrowLens
    function orderState(uint256 orderId) public view returns (IEscrow.OrderState memory s) {
        uint256 w = uint256(_load(_slot(orderId, _SLOT_STATE)));
        // Each field is read back at exactly the width it was packed with.
        // forge-lint: disable-start(unsafe-typecast)
        s.status = IEscrow.Status(uint8(w));
        s.milestone = uint8(w >> 8);
        s.milestoneState = IEscrow.MilestoneState(uint8(w >> 16));
        s.since = uint40(w >> 24);
        s.unitsPledged = uint32(w >> 64);
        s.weightedUnits = uint32(w >> 96);
        s.promotedUnits = uint32(w >> 128);
        s.backerCount = uint32(w >> 160);
        s.promoterCount = uint32(w >> 192);
        s.approvalUnits = uint32(w >> 224);
        // forge-lint: disable-end(unsafe-typecast)
    }

    /// @inheritdoc IEscrowLens
    function orderAux(uint256 orderId) public view returns (IEscrow.OrderAux memory a) {
        uint256 w = uint256(_load(_slot(orderId, _SLOT_AUX)));
        // forge-lint: disable-start(unsafe-typecast)
        a.withheld = uint96(w);
        a.refundPaid = uint96(w >> 96);
        a.refundedCount = uint32(w >> 192);
        // forge-lint: disable-end(unsafe-typecast)
    }

    /// @inheritdoc IEscrowLens
    function disputeOf(uint256 orderId) public view returns (IEscrow.Dispute memory d) {
        uint256 w = uint256(_load(_slot(orderId, _SLOT_DISPUTES)));
        // forge-lint: disable-start(unsafe-typecast)
        d.disputer = address(uint160(w));
        d.bond = uint96(w >> 160);
        // forge-lint: disable-end(unsafe-typecast)
    }

    /// @inheritdoc IEscrowLens
    function promoterPoolOf(uint256 orderId) public view returns (IEscrow.PromoterPool memory p) {
        uint256 w = uint256(_load(_slot(orderId, _SLOT_PROMOTER_POOL)));
        // forge-lint: disable-start(unsafe-typecast)
        p.paid = uint96(w);
        p.closed = uint32(w >> 96);
        // forge-lint: disable-end(unsafe-typecast)
    }

    /// @inheritdoc IEscrowLens
    function participantOf(uint256 orderId, address account)
        public
        view
        returns (IEscrow.Participant memory p)
    {
        uint256 w = uint256(_load(_slot(account, _slot(orderId, _SLOT_PARTICIPANTS))));
        // forge-lint: disable-start(unsafe-typecast)
        p.units = uint32(w);
        p.promoter = address(uint160(w >> 32));
        p.promoted = uint32(w >> 192);
        p.approved = uint8(w >> 224);
        p.closed = uint8(w >> 232) != 0;
        // forge-lint: disable-end(unsafe-typecast)
    }

    /// @inheritdoc IEscrowLens
    function claimedOf(uint256 orderId, address account) public view returns (uint256) {
        return uint256(_load(_slot(account, _slot(orderId, _SLOT_CLAIMED))));
    }

    /// @inheritdoc IEscrowLens
    function signatureUsed(bytes32 digest) external view returns (bool) {
        return _load(keccak256(abi.encode(digest, _SLOT_USED_SIGNATURES))) != 0;
    }

    function _load(bytes32 slot) private view returns (bytes32) {
        return escrow.extsload(slot);
    }

    /// @dev The slot of `key` in the mapping at `base`.
    function _slot(uint256 key, uint256 base) private pure returns (bytes32) {
        return keccak256(abi.encode(key, base));
    }

    function _slot(address key, bytes32 base) private pure returns (bytes32) {
        return keccak256(abi.encode(key, base));
    }

    /// @dev The order's state, once `terms` are checked against its stored hash.
    function _state(uint256 orderId, bytes calldata terms)
        private
        view
        returns (IEscrow.OrderState memory)
    {
        if (keccak256(terms) != termsHashOf(orderId)) {
            revert IEscrow.TermsMismatch(orderId);
        }
        return orderState(orderId);
    }

    function _released(uint256 orderId, bytes calldata terms, IEscrow.OrderState memory s)
        private
        view
        returns (uint256)
    {
        return EscrowMath.released(terms, s, orderAux(orderId).withheld);
    }

    function _treasury() private view returns (address) {
        return escrow.treasury();
    }
}
