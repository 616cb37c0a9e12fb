// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IX402DepositCollector} from "./IX402DepositCollector.sol";

/// @notice The one EIP-3009 call the collector needs (USDC's bytes-signature overload).
interface IERC3009Receive {
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;
}

/// @title Devnet stand-in for the batch-settlement ERC3009DepositCollector — written from the x402 `batch-settlement`
///        spec and the official x402 EVM SDK client, NOT the audited contract.
/// @notice Etched at the canonical 0x4020806089470a89826cB9fB1f4059150b550004 on the devnet only; production uses the
///         real deployment. The official client signs an EIP-3009 `ReceiveWithAuthorization` whose payee (`to`) is
///         this collector and whose nonce is `keccak256(abi.encode(channelId, salt))`, so the deposit can land only in
///         the channel it was signed for. `collectorData` is `abi.encode(validAfter, validBefore, salt, signature)`.
/// @dev Only the channel contract may call `collect`: anyone else could otherwise take a signed deposit seen in the
///      mempool and have the funds forwarded to themselves. Stateless, no immutables: solc's runtime code is etched.
contract ERC3009DepositCollectorStandIn is IX402DepositCollector {
    using SafeERC20 for IERC20;

    /// @notice The canonical batch-settlement channel contract, the only caller and the only recipient.
    address public constant BATCH_SETTLEMENT = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003;

    error OnlyBatchSettlement();

    /// @inheritdoc IX402DepositCollector
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external
    {
        if (msg.sender != BATCH_SETTLEMENT) revert OnlyBatchSettlement();
        (uint256 validAfter, uint256 validBefore, uint256 salt, bytes memory signature) =
            abi.decode(collectorData, (uint256, uint256, uint256, bytes));
        // The token checks the signature, the time window and that the nonce is unused, and requires to == msg.sender.
        IERC3009Receive(token).receiveWithAuthorization(
            payer, address(this), amount, validAfter, validBefore, keccak256(abi.encode(channelId, salt)), signature
        );
        IERC20(token).safeTransfer(msg.sender, amount);
    }
}
