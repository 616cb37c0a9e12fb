// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title How the devnet channel contract stand-in pulls a deposit (our own interface, devnet only).
/// @notice The batch-settlement spec names two deposit collectors (ERC-3009 and Permit2) at canonical addresses but
///         not the call between them and the channel contract; this is ours. The channel contract calls `collect`
///         during `deposit` and credits the channel only with what actually arrived in its balance.
interface IX402DepositCollector {
    /// @notice Moves exactly `amount` of `token` from `payer` to the caller (the channel contract), using the payer's
    ///         signed authorization in `collectorData`, which must be bound to `channelId`.
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external;
}
