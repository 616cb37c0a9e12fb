// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ISignatureTransfer} from "permit2/src/interfaces/ISignatureTransfer.sol";
import {IX402DepositCollector} from "./IX402DepositCollector.sol";

/// @title Devnet stand-in for the batch-settlement Permit2DepositCollector — written from the x402 `batch-settlement`
///        spec and the official x402 EVM SDK client, NOT the audited contract.
/// @notice Etched at the canonical 0x4020425FAf3B746C082C2f942b4E5159887B0005 on the devnet only; production uses the
///         real deployment. For tokens without EIP-3009 (TMAI): the payer signs a Permit2 `PermitWitnessTransferFrom`
///         with this collector as spender and the witness `DepositWitness(bytes32 channelId)`, so the deposit can land
///         only in that channel. `collectorData` is `abi.encode(nonce, deadline, signature, eip2612PermitData)`, the
///         last either empty or `abi.encode(value, deadline, v, r, s)` of an EIP-2612 permit approving Permit2.
/// @dev Only the channel contract may call `collect` (the transfer goes to the caller). Stateless, no immutables.
contract Permit2DepositCollectorStandIn is IX402DepositCollector {
    ISignatureTransfer public constant PERMIT2 = ISignatureTransfer(0x000000000022D473030F116dDEE9F6B43aC78BA3);

    /// @notice The canonical batch-settlement channel contract, the only caller and the only recipient.
    address public constant BATCH_SETTLEMENT = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003;

    /// @notice The witness part of Permit2's `PermitWitnessTransferFrom` type, referenced types in EIP-712 order.
    string public constant WITNESS_TYPE_STRING =
        "DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)";

    bytes32 public constant WITNESS_TYPEHASH = keccak256("DepositWitness(bytes32 channelId)");

    error OnlyBatchSettlement();

    /// @inheritdoc IX402DepositCollector
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external
    {
        if (msg.sender != BATCH_SETTLEMENT) revert OnlyBatchSettlement();
        (uint256 nonce, uint256 deadline, bytes memory signature, bytes memory eip2612PermitData) =
            abi.decode(collectorData, (uint256, uint256, bytes, bytes));
        if (eip2612PermitData.length != 0) _tryPermit(payer, token, eip2612PermitData);
        PERMIT2.permitWitnessTransferFrom(
            ISignatureTransfer.PermitTransferFrom({
                permitted: ISignatureTransfer.TokenPermissions({token: token, amount: amount}),
                nonce: nonce,
                deadline: deadline
            }),
            ISignatureTransfer.SignatureTransferDetails({to: msg.sender, requestedAmount: amount}),
            payer,
            keccak256(abi.encode(WITNESS_TYPEHASH, channelId)),
            WITNESS_TYPE_STRING,
            signature
        );
    }

    /// @dev A failing permit is ignored (the approval may already exist); Permit2 then fails on its own without one.
    function _tryPermit(address payer, address token, bytes memory data) private {
        (uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) =
            abi.decode(data, (uint256, uint256, uint8, bytes32, bytes32));
        try IERC20Permit(token).permit(payer, address(PERMIT2), value, deadline, v, r, s) {} catch {}
    }
}
