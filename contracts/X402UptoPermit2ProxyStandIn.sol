// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ISignatureTransfer} from "permit2/src/interfaces/ISignatureTransfer.sol";

/// @title Devnet stand-in for x402UptoPermit2Proxy — written from the x402 `upto` scheme spec, NOT the audited contract.
/// @notice Etched at the canonical 0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002 on the devnet only; production uses the
///         real deployment. Call-compatible with `x402UptoPermit2ProxyABI` in the official x402 EVM SDK: same functions, events and
///         errors (InvalidPermit2Address is declared for ABI parity but cannot happen: PERMIT2 is a constant).
///         The payer signs a Permit2 `PermitWitnessTransferFrom` for a maximum amount with this contract as spender and
///         a witness binding the recipient, the one facilitator allowed to settle, and the earliest settlement time.
///         That facilitator then moves any amount up to the maximum, once (Permit2's nonce), to the signed recipient.
/// @dev Stateless (constants and transient storage only, no immutables), so solc's runtime code is etched as is.
contract X402UptoPermit2ProxyStandIn is ReentrancyGuardTransient {
    /// @notice Canonical Permit2, a constant: the devnet always puts Permit2 there, so no initialiser is needed.
    ISignatureTransfer public constant PERMIT2 = ISignatureTransfer(0x000000000022D473030F116dDEE9F6B43aC78BA3);

    /// @notice The witness part of Permit2's `PermitWitnessTransferFrom` type, referenced types in EIP-712 order.
    string public constant WITNESS_TYPE_STRING =
        "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,address facilitator,uint256 validAfter)";

    bytes32 public constant WITNESS_TYPEHASH =
        keccak256("Witness(address to,address facilitator,uint256 validAfter)");

    /// @param to Recipient of the payment (the resource server's payTo).
    /// @param facilitator The only address allowed to call settle: it chooses the amount, so the payer names it.
    /// @param validAfter Earliest block timestamp at which the payment may settle; Permit2's deadline is the upper bound.
    struct Witness {
        address to;
        address facilitator;
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

    error AmountExceedsPermitted();
    error InvalidDestination();
    error InvalidOwner();
    error InvalidPermit2Address();
    error PaymentTooEarly();
    error Permit2612AmountMismatch();
    error UnauthorizedFacilitator();

    /// @notice Moves `amount` (at most the signed maximum) from `owner` to `witness.to`. Only `witness.facilitator`
    ///         may call. An amount of 0 moves nothing but still spends the Permit2 nonce (the authorization is used up).
    function settle(
        ISignatureTransfer.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external nonReentrant {
        _settle(permit, amount, owner, witness, signature);
        emit Settled();
    }

    /// @notice Like `settle`, first trying an EIP-2612 permit that approves Permit2 for the signed maximum. A failing
    ///         permit is ignored (the approval may already exist); the settlement then fails on its own without one.
    function settleWithPermit(
        EIP2612Permit calldata permit2612,
        ISignatureTransfer.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external nonReentrant {
        if (permit2612.value != permit.permitted.amount) revert Permit2612AmountMismatch();
        try IERC20Permit(permit.permitted.token).permit(
            owner, address(PERMIT2), permit2612.value, permit2612.deadline, permit2612.v, permit2612.r, permit2612.s
        ) {} catch {}
        _settle(permit, amount, owner, witness, signature);
        emit SettledWithPermit();
    }

    function _settle(
        ISignatureTransfer.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) private {
        if (msg.sender != witness.facilitator) revert UnauthorizedFacilitator();
        if (amount > permit.permitted.amount) revert AmountExceedsPermitted();
        if (owner == address(0)) revert InvalidOwner();
        if (witness.to == address(0)) revert InvalidDestination();
        if (block.timestamp < witness.validAfter) revert PaymentTooEarly();
        // Permit2 rebuilds the signed message from these values: a changed recipient, facilitator or validAfter fails
        // the signature; the deadline and the nonce are Permit2's own checks.
        PERMIT2.permitWitnessTransferFrom(
            permit,
            ISignatureTransfer.SignatureTransferDetails({to: witness.to, requestedAmount: amount}),
            owner,
            keccak256(abi.encode(WITNESS_TYPEHASH, witness.to, witness.facilitator, witness.validAfter)),
            WITNESS_TYPE_STRING,
            signature
        );
    }
}
