// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ISignatureTransfer} from "permit2/src/interfaces/ISignatureTransfer.sol";

/// @title Devnet stand-in for x402ExactPermit2Proxy — written from the x402 spec, NOT the audited x402 contract.
/// @notice Etched at the canonical 0x402085c248EeA27D92E8b30b2C58ed07f9E20001 on the devnet only. Call-compatible with
///         `x402ExactPermit2ProxyABI` in the x402 EVM SDK: same functions, events and errors (except
///         InvalidPermit2Address, which cannot happen here: see PERMIT2). It is the spender of the payer's Permit2
///         signature; the signed witness fixes the recipient and the earliest settlement time, and the amount moved is
///         always the permitted amount, so whoever submits the call cannot redirect or resize the payment.
/// @dev Stateless (constants and transient storage only), so its runtime code can be etched without copying storage.
contract X402ExactPermit2ProxyStandIn is ReentrancyGuardTransient {
    /// @notice Canonical Permit2, a constant: the devnet always puts Permit2 there, so no initialiser or immutable is needed.
    ISignatureTransfer public constant PERMIT2 = ISignatureTransfer(0x000000000022D473030F116dDEE9F6B43aC78BA3);

    /// @notice The witness part of Permit2's `PermitWitnessTransferFrom` type, referenced types in EIP-712 order.
    string public constant WITNESS_TYPE_STRING =
        "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,uint256 validAfter)";

    bytes32 public constant WITNESS_TYPEHASH = keccak256("Witness(address to,uint256 validAfter)");

    /// @param to Recipient of the payment (the resource server's payTo).
    /// @param validAfter Earliest block timestamp at which the payment may settle; Permit2's deadline is the upper bound.
    struct Witness {
        address to;
        uint256 validAfter;
    }

    /// @notice An EIP-2612 permit approving Permit2, for tokens that support it (gasless first payment).
    struct EIP2612Permit {
        uint256 value;
        uint256 deadline;
        bytes32 r;
        bytes32 s;
        uint8 v;
    }

    event Settled();
    event SettledWithPermit();

    error InvalidAmount();
    error InvalidDestination();
    error InvalidOwner();
    error PaymentTooEarly();
    error Permit2612AmountMismatch();

    /// @notice Pulls exactly `permit.permitted.amount` from `owner` to `witness.to` with the owner's Permit2 signature.
    function settle(
        ISignatureTransfer.PermitTransferFrom calldata permit,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external nonReentrant {
        _settle(permit, owner, witness, signature);
        emit Settled();
    }

    /// @notice Like `settle`, first trying an EIP-2612 permit that approves Permit2. A failing permit is ignored
    ///         (the approval may already exist); the settlement then fails on its own if there is no allowance.
    function settleWithPermit(
        EIP2612Permit calldata permit2612,
        ISignatureTransfer.PermitTransferFrom calldata permit,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external nonReentrant {
        if (permit2612.value != permit.permitted.amount) revert Permit2612AmountMismatch();
        try IERC20Permit(permit.permitted.token).permit(
            owner, address(PERMIT2), permit2612.value, permit2612.deadline, permit2612.v, permit2612.r, permit2612.s
        ) {} catch {}
        _settle(permit, owner, witness, signature);
        emit SettledWithPermit();
    }

    function _settle(
        ISignatureTransfer.PermitTransferFrom calldata permit,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) private {
        // A zero amount would burn the nonce without paying anyone.
        if (permit.permitted.amount == 0) revert InvalidAmount();
        if (owner == address(0)) revert InvalidOwner();
        if (witness.to == address(0)) revert InvalidDestination();
        if (block.timestamp < witness.validAfter) revert PaymentTooEarly();
        // Permit2 rebuilds the signed message from these values: a changed recipient or validAfter fails the signature.
        PERMIT2.permitWitnessTransferFrom(
            permit,
            ISignatureTransfer.SignatureTransferDetails({to: witness.to, requestedAmount: permit.permitted.amount}),
            owner,
            keccak256(abi.encode(WITNESS_TYPEHASH, witness.to, witness.validAfter)),
            WITNESS_TYPE_STRING,
            signature
        );
    }
}
