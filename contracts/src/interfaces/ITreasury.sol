// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ITreasury
/// @notice The Co-Intent Treasury: collects platform fees and shares them out by allocations
/// that only governance (the timelock) sets.
/// @dev Every movement of value is an event, so a transparency report can be computed from
/// logs alone: native inflows (`Received`), ERC-20 inflows (the token's own `Transfer` to
/// this contract), distributions (`FeesDistributed` + one `AllocationCredited` per share),
/// withdrawals (`Withdrawn`) and governance spending (`Spent`). The native coin is written
/// as the token address `address(0)`.
interface ITreasury {
    /// @notice One share of the fees.
    /// @param label Short human-readable name, e.g. "operations" (a left-aligned string).
    /// @param recipient Who may withdraw the credited amounts.
    /// @param bps Share of each distribution, in basis points of 10 000.
    struct Allocation {
        bytes32 label;
        address recipient;
        uint16 bps;
    }

    /// @notice The caller of a governance-only function is not the timelock.
    /// @param caller The address that called.
    error OnlyGovernance(address caller);

    /// @notice An address that must be set is the zero address.
    error ZeroAddress();

    /// @notice More allocations than `MAX_ALLOCATIONS` were given.
    /// @param count The number given.
    /// @param max The maximum, `MAX_ALLOCATIONS`.
    error TooManyAllocations(uint256 count, uint256 max);

    /// @notice An allocation has a zero recipient or zero bps.
    /// @param index Position of the allocation in the list.
    error InvalidAllocation(uint256 index);

    /// @notice The allocations' bps add up to more than 10 000.
    /// @param sum Their sum.
    error BpsSumTooHigh(uint256 sum);

    /// @notice `distribute` found no allocations to credit.
    error NoAllocations();

    /// @notice `distribute` found no new fees for this token since the last distribution.
    /// @param token The token (`address(0)` for native).
    error NothingToDistribute(address token);

    /// @notice The caller has no credited balance of this token.
    /// @param account The caller.
    /// @param token The token (`address(0)` for native).
    error NothingToWithdraw(address account, address token);

    /// @notice `spend` asked for more than the part of the balance not owed to recipients.
    /// @param token The token (`address(0)` for native).
    /// @param requested The amount asked for.
    /// @param available The balance minus everything credited and not yet withdrawn.
    error InsufficientUnreserved(address token, uint256 requested, uint256 available);

    /// @notice Sending the native coin failed.
    /// @param to The receiver that rejected it.
    /// @param amount The amount.
    error NativeTransferFailed(address to, uint256 amount);

    /// @notice The treasury received native coin.
    /// @param from The sender.
    /// @param amount The amount in wei.
    event Received(address indexed from, uint256 amount);

    /// @notice Governance replaced the allocation table.
    /// @param allocations The new table, in order; the sum of bps is at most 10 000.
    event AllocationsSet(Allocation[] allocations);

    /// @notice New fees of a token were split by the allocations.
    /// @param token The token (`address(0)` for native).
    /// @param amount The new fees split: balance not yet credited or retained.
    /// @param credited The total credited to recipients (sum of `AllocationCredited`).
    /// @param retained What stayed in the treasury: unallocated bps and rounding dust.
    event FeesDistributed(
        address indexed token, uint256 amount, uint256 credited, uint256 retained
    );

    /// @notice A recipient was credited its share of a distribution.
    /// @param token The token (`address(0)` for native).
    /// @param label The allocation's label.
    /// @param recipient The allocation's recipient.
    /// @param amount The amount credited.
    event AllocationCredited(
        address indexed token, bytes32 indexed label, address indexed recipient, uint256 amount
    );

    /// @notice A recipient withdrew its credited balance.
    /// @param token The token (`address(0)` for native).
    /// @param account The recipient whose credit was paid out.
    /// @param to Where the funds were sent.
    /// @param amount The amount.
    event Withdrawn(address indexed token, address indexed account, address to, uint256 amount);

    /// @notice Governance spent from the treasury's own (unreserved) funds.
    /// @param token The token (`address(0)` for native).
    /// @param to The receiver.
    /// @param amount The amount.
    event Spent(address indexed token, address indexed to, uint256 amount);

    /// @notice The timelock, the only account that may set allocations and spend.
    function governance() external view returns (address);

    /// @notice Maximum number of allocations.
    function MAX_ALLOCATIONS() external view returns (uint256);

    /// @notice The current allocation table.
    function allocations() external view returns (Allocation[] memory);

    /// @notice Amount of `token` credited to `account` and not yet withdrawn.
    /// @param token The token (`address(0)` for native).
    /// @param account The recipient.
    function credited(address token, address account) external view returns (uint256);

    /// @notice Sum of `credited` over all accounts for `token`: owed, not the treasury's.
    /// @param token The token (`address(0)` for native).
    function totalCredited(address token) external view returns (uint256);

    /// @notice Amount of `token` kept by the treasury from past distributions (remainders).
    /// @dev It is never split again by `distribute`; only governance spends it.
    /// @param token The token (`address(0)` for native).
    function retained(address token) external view returns (uint256);

    /// @notice New fees of `token` that the next `distribute` would split.
    /// @param token The token (`address(0)` for native).
    function pending(address token) external view returns (uint256);

    /// @notice Replaces the allocation table; only governance.
    /// @param newAllocations At most `MAX_ALLOCATIONS` entries, each with a recipient and
    /// non-zero bps, summing to at most 10 000.
    function setAllocations(Allocation[] calldata newAllocations) external;

    /// @notice Splits the new fees of `token` by the allocations, crediting each recipient.
    /// Anyone may call. What is not allocated (bps under 10 000, rounding) is retained.
    /// @param token The token (`address(0)` for native).
    /// @return amount The new fees that were split.
    function distribute(address token) external returns (uint256 amount);

    /// @notice Sends the caller's whole credited balance of `token` to `to`.
    /// @param token The token (`address(0)` for native).
    /// @param to The receiver (the caller may redirect, e.g. when it cannot receive itself).
    /// @return amount The amount sent.
    function withdraw(address token, address to) external returns (uint256 amount);

    /// @notice Sends `amount` of the treasury's unreserved `token` to `to`; only governance.
    /// @param token The token (`address(0)` for native).
    /// @param to The receiver.
    /// @param amount The amount, at most the balance minus `totalCredited`.
    function spend(address token, address to, uint256 amount) external;
}
