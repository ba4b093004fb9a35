// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ITreasury} from "src/interfaces/ITreasury.sol";

/// @title Treasury
/// @notice Receives Co-Intent platform fees (ERC-20 and native) and shares them out by
/// allocations that token holders vote on. Anyone may trigger a distribution; recipients
/// withdraw what they were credited (pull payments), so a recipient that reverts or is
/// blacklisted by a token cannot block anyone else.
/// @dev For every token the balance is split into three parts:
///   - `totalCredited`: owed to recipients, only they can take it out;
///   - `retained`: remainders of past distributions, spent only by governance;
///   - `pending`: everything else, i.e. fees that arrived since the last distribution.
/// `distribute` moves `pending` into the first two. Solvency: balance >= totalCredited.
contract Treasury is ITreasury {
    using SafeERC20 for IERC20;

    /// @dev The native coin, in every `token` argument.
    address internal constant _NATIVE = address(0);
    uint256 internal constant _BPS = 10_000;

    /// @inheritdoc ITreasury
    uint256 public constant MAX_ALLOCATIONS = 8;

    /// @inheritdoc ITreasury
    address public immutable governance;

    Allocation[] internal _allocations;
    mapping(address token => mapping(address account => uint256)) internal _credited;
    mapping(address token => uint256) internal _totalCredited;
    mapping(address token => uint256) internal _retained;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert OnlyGovernance(msg.sender);
        _;
    }

    /// @param governance_ The timelock that sets allocations and spends.
    constructor(address governance_) {
        if (governance_ == address(0)) revert ZeroAddress();
        governance = governance_;
    }

    /// @notice Accepts native fees.
    receive() external payable {
        emit Received(msg.sender, msg.value);
    }

    /// @inheritdoc ITreasury
    function allocations() external view returns (Allocation[] memory) {
        return _allocations;
    }

    /// @inheritdoc ITreasury
    function credited(address token, address account) external view returns (uint256) {
        return _credited[token][account];
    }

    /// @inheritdoc ITreasury
    function totalCredited(address token) external view returns (uint256) {
        return _totalCredited[token];
    }

    /// @inheritdoc ITreasury
    function retained(address token) external view returns (uint256) {
        return _retained[token];
    }

    /// @inheritdoc ITreasury
    function pending(address token) public view returns (uint256) {
        uint256 held = _totalCredited[token] + _retained[token];
        uint256 balance = _balanceOf(token);
        // A token that shrinks balances on its own (rebasing down) must not make this revert.
        return balance > held ? balance - held : 0;
    }

    /// @inheritdoc ITreasury
    function setAllocations(Allocation[] calldata newAllocations) external onlyGovernance {
        uint256 count = newAllocations.length;
        if (count > MAX_ALLOCATIONS) revert TooManyAllocations(count, MAX_ALLOCATIONS);
        uint256 sum = 0;
        delete _allocations;
        for (uint256 i; i < count; ++i) {
            Allocation calldata a = newAllocations[i];
            if (a.recipient == address(0) || a.bps == 0) revert InvalidAllocation(i);
            sum += a.bps;
            _allocations.push(a);
        }
        if (sum > _BPS) revert BpsSumTooHigh(sum);
        emit AllocationsSet(newAllocations);
    }

    /// @inheritdoc ITreasury
    function distribute(address token) external returns (uint256 amount) {
        uint256 count = _allocations.length;
        if (count == 0) revert NoAllocations();
        amount = pending(token);
        // Not an exact-balance condition a donation could defeat: zero just means nothing new.
        // slither-disable-next-line incorrect-equality
        if (amount == 0) revert NothingToDistribute(token);

        uint256 creditedSum = 0;
        for (uint256 i; i < count; ++i) {
            Allocation memory a = _allocations[i];
            uint256 share = Math.mulDiv(amount, a.bps, _BPS);
            // Skips empty credits from tiny amounts; the zero is not an exact-balance condition.
            // slither-disable-next-line incorrect-equality
            if (share == 0) continue;
            _credited[token][a.recipient] += share;
            creditedSum += share;
            emit AllocationCredited(token, a.label, a.recipient, share);
        }
        // The bps sum to at most 10 000 and each share rounds down, so creditedSum <= amount.
        uint256 kept = amount - creditedSum;
        _totalCredited[token] += creditedSum;
        _retained[token] += kept;
        emit FeesDistributed(token, amount, creditedSum, kept);
    }

    /// @inheritdoc ITreasury
    function withdraw(address token, address to) external returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        amount = _credited[token][msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender, token);
        _credited[token][msg.sender] = 0;
        _totalCredited[token] -= amount;
        emit Withdrawn(token, msg.sender, to, amount);
        _send(token, to, amount);
    }

    /// @inheritdoc ITreasury
    function spend(address token, address to, uint256 amount) external onlyGovernance {
        if (to == address(0)) revert ZeroAddress();
        uint256 reserved = _totalCredited[token];
        uint256 balance = _balanceOf(token);
        uint256 available = balance > reserved ? balance - reserved : 0;
        if (amount > available) revert InsufficientUnreserved(token, amount, available);
        // Spend the retained remainder first, then pending fees: retained never exceeds
        // what is left after the spend, which keeps `pending` exact.
        uint256 fromRetained = amount < _retained[token] ? amount : _retained[token];
        _retained[token] -= fromRetained;
        emit Spent(token, to, amount);
        _send(token, to, amount);
    }

    function _balanceOf(address token) internal view returns (uint256) {
        return token == _NATIVE ? address(this).balance : IERC20(token).balanceOf(address(this));
    }

    function _send(address token, address to, uint256 amount) internal {
        if (token == _NATIVE) {
            // `to` is chosen by the caller only for its own credit (`withdraw`) or by
            // governance (`spend`); both paths update state before this call.
            // slither-disable-next-line arbitrary-send-eth
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
