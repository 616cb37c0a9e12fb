// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IX402DepositCollector} from "./IX402DepositCollector.sol";

/// @title Devnet stand-in for x402BatchSettlement (the `batch-settlement` channel contract) — written from the x402
///        scheme spec and the official x402 EVM SDK's client and facilitator, NOT the audited contract.
/// @notice Etched at the canonical 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003 on the devnet only; production uses the
///         real deployment. Same functions as `batchSettlementABI` in the official x402 EVM SDK; events and errors are our own apart
///         from `Settled`. Unidirectional payment channels:
///         - a channel is identified by the EIP-712 hash of its immutable config and created by its first deposit,
///           pulled from the payer by a deposit collector (EIP-3009 or Permit2) and credited only as received;
///         - the payer (or its payerAuthorizer key) signs cumulative vouchers `Voucher(channelId, maxClaimableAmount)`
///           off chain; the receiver side claims them in batches (`claim`, or `claimWithSignature` relayed by anyone
///           with a `ClaimBatch` signature of the receiverAuthorizer), which only moves accounting;
///         - `settle` sweeps everything claimed for a receiver and token to the receiver in one transfer;
///         - unclaimed escrow goes back to the payer by a cooperative refund of the receiver side (direct, or relayed
///           with a `Refund` signature carrying a per-channel nonce), or by the payer's timed withdrawal, which the
///           receiver can still claim against during `withdrawDelay`.
///         Invariant per channel: totalClaimed <= balance; the contract holds every balance minus what was settled.
/// @dev No immutables (the EIP-712 domain is rebuilt from constants, the chain id and address(this)), so solc's
///      runtime code is etched as is. Tokens are assumed to move exact amounts (no fee-on-transfer); a deposit that
///      delivers less than announced reverts.
contract X402BatchSettlementStandIn is Multicall, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice A channel's identity: every field is fixed for the channel's life (any change is another channel).
    struct ChannelConfig {
        address payer;
        address payerAuthorizer; // EOA that signs vouchers (ECDSA), or 0: the payer signs (EOA or ERC-1271)
        address receiver;
        address receiverAuthorizer; // signs ClaimBatch and Refund; may also call claim/refund directly
        address token;
        uint40 withdrawDelay; // seconds, 15 min to 30 days
        bytes32 salt;
    }

    struct Voucher {
        ChannelConfig channel;
        uint128 maxClaimableAmount;
    }

    /// @param totalClaimed The channel's new cumulative claimed total (absolute, so resubmitting a claim is harmless).
    struct VoucherClaim {
        Voucher voucher;
        bytes signature;
        uint128 totalClaimed;
    }

    struct ChannelState {
        uint128 balance; // deposited minus refunded and withdrawn (claimed funds stay counted here)
        uint128 totalClaimed;
    }

    struct PendingWithdrawal {
        uint128 amount;
        uint40 initiatedAt;
    }

    struct ReceiverState {
        uint128 totalClaimed;
        uint128 totalSettled;
    }

    bytes32 public constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );
    bytes32 private constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
    bytes32 private constant REFUND_TYPEHASH = keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)");
    bytes32 private constant CLAIM_ENTRY_TYPEHASH =
        keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)");
    bytes32 private constant CLAIM_BATCH_TYPEHASH = keccak256(
        "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("x402 Batch Settlement");
    bytes32 private constant VERSION_HASH = keccak256("1");
    uint40 private constant MIN_WITHDRAW_DELAY = 15 minutes;
    uint40 private constant MAX_WITHDRAW_DELAY = 30 days;

    mapping(bytes32 channelId => ChannelState) public channels;
    mapping(bytes32 channelId => PendingWithdrawal) public pendingWithdrawals;
    /// @notice The nonce the next `refundWithSignature` must carry; every refund, signed or direct, advances it.
    mapping(bytes32 channelId => uint256) public refundNonce;
    mapping(address receiver => mapping(address token => ReceiverState)) public receivers;

    event ChannelCreated(bytes32 indexed channelId, ChannelConfig config);
    event Deposited(bytes32 indexed channelId, address indexed collector, uint128 amount, uint128 balance);
    event Claimed(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 totalClaimed);
    event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount);
    event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount, uint256 nonce);
    event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint256 finalizableAt);
    event WithdrawFinalized(bytes32 indexed channelId, uint128 amount);
    event ChannelClosed(bytes32 indexed channelId, ChannelConfig config);

    error InvalidChannelConfig();
    error WithdrawDelayOutOfRange();
    error ZeroAmount();
    error DepositNotReceived();
    error EmptyClaimBatch();
    error MixedReceiverAuthorizers();
    error InvalidVoucherSignature(bytes32 channelId);
    error ClaimExceedsVoucher(bytes32 channelId);
    error ClaimExceedsBalance(bytes32 channelId);
    error InvalidAuthorizerSignature();
    error NotReceiverSide();
    error NotPayerSide();
    error InvalidRefundNonce(uint256 expected);
    error WithdrawAlreadyPending();
    error WithdrawExceedsAvailable(uint128 available);
    error NoPendingWithdraw();
    error WithdrawDelayNotElapsed(uint256 finalizableAt);

    // ---- deposit -------------------------------------------------------------------------------------------------

    /// @notice Adds `amount` to the channel of `config`, pulled from the payer by `collector` with the authorization in
    ///         `collectorData`. Anyone may submit it (the facilitator pays the gas); the collector's signature check
    ///         binds the funds to this channel. Creates the channel when it has no balance.
    function deposit(ChannelConfig calldata config, uint128 amount, address collector, bytes calldata collectorData)
        external
        nonReentrant
    {
        if (amount == 0) revert ZeroAmount();
        _checkConfig(config);
        bytes32 channelId = getChannelId(config);
        IERC20 token = IERC20(config.token);
        uint256 before = token.balanceOf(address(this));
        IX402DepositCollector(collector).collect(config.payer, config.token, amount, channelId, collectorData);
        if (token.balanceOf(address(this)) < before + amount) revert DepositNotReceived();
        ChannelState storage channel = channels[channelId];
        if (channel.balance == 0) emit ChannelCreated(channelId, config);
        channel.balance += amount;
        emit Deposited(channelId, collector, amount, channel.balance);
    }

    // ---- claims and settlement -----------------------------------------------------------------------------------

    /// @notice Claims vouchers of several channels; the caller must be the receiver or receiverAuthorizer of each.
    function claim(VoucherClaim[] calldata voucherClaims) external nonReentrant {
        if (voucherClaims.length == 0) revert EmptyClaimBatch();
        for (uint256 i; i < voucherClaims.length; ++i) {
            ChannelConfig calldata config = voucherClaims[i].voucher.channel;
            if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) revert NotReceiverSide();
            _claim(voucherClaims[i], getChannelId(config));
        }
    }

    /// @notice Claims vouchers of several channels sharing one receiverAuthorizer, whose EIP-712 `ClaimBatch`
    ///         signature over every row authorizes it; anyone may relay. Rows at or below a channel's claimed total
    ///         change nothing, so a replayed batch moves nothing.
    function claimWithSignature(VoucherClaim[] calldata voucherClaims, bytes calldata authorizerSignature)
        external
        nonReentrant
    {
        (bytes32 digest, bytes32[] memory channelIds) = _claimBatchDigest(voucherClaims);
        address authorizer = voucherClaims[0].voucher.channel.receiverAuthorizer;
        if (!SignatureChecker.isValidSignatureNow(authorizer, digest, authorizerSignature)) {
            revert InvalidAuthorizerSignature();
        }
        for (uint256 i; i < voucherClaims.length; ++i) {
            _claim(voucherClaims[i], channelIds[i]);
        }
    }

    /// @notice Transfers everything claimed and not yet settled for `receiver` in `token` to `receiver`.
    ///         Permissionless; a no-op when nothing is owed.
    function settle(address receiver, address token) external nonReentrant {
        ReceiverState storage state = receivers[receiver][token];
        uint128 amount = state.totalClaimed - state.totalSettled;
        if (amount == 0) return;
        state.totalSettled = state.totalClaimed;
        IERC20(token).safeTransfer(receiver, amount);
        emit Settled(receiver, token, msg.sender, amount);
    }

    // ---- refunds and withdrawal ----------------------------------------------------------------------------------

    /// @notice Cooperative refund by the receiver or receiverAuthorizer: returns up to `amount` of the unclaimed escrow.
    function refund(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) revert NotReceiverSide();
        _refund(config, getChannelId(config), amount);
    }

    /// @notice Cooperative refund relayed by anyone with the receiverAuthorizer's EIP-712 `Refund` signature for the
    ///         channel's current refund nonce.
    function refundWithSignature(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 nonce,
        bytes calldata receiverAuthorizerSignature
    ) external nonReentrant {
        bytes32 channelId = getChannelId(config);
        uint256 expected = refundNonce[channelId];
        if (nonce != expected) revert InvalidRefundNonce(expected);
        bytes32 digest = getRefundDigest(channelId, nonce, amount);
        if (!SignatureChecker.isValidSignatureNow(config.receiverAuthorizer, digest, receiverAuthorizerSignature)) {
            revert InvalidAuthorizerSignature();
        }
        _refund(config, channelId, amount);
    }

    /// @notice The payer side starts a timed withdrawal of at most the unclaimed escrow; the receiver can still claim
    ///         vouchers until `finalizeWithdraw` is allowed, `withdrawDelay` seconds later.
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        _checkPayerSide(config);
        if (amount == 0) revert ZeroAmount();
        bytes32 channelId = getChannelId(config);
        PendingWithdrawal storage pending = pendingWithdrawals[channelId];
        if (pending.amount != 0) revert WithdrawAlreadyPending();
        ChannelState storage channel = channels[channelId];
        uint128 available = channel.balance - channel.totalClaimed;
        if (amount > available) revert WithdrawExceedsAvailable(available);
        pending.amount = amount;
        pending.initiatedAt = uint40(block.timestamp);
        emit WithdrawInitiated(channelId, amount, block.timestamp + config.withdrawDelay);
    }

    /// @notice Completes a timed withdrawal once its delay has passed, paying the payer what is still unclaimed (at
    ///         most the requested amount).
    function finalizeWithdraw(ChannelConfig calldata config) external nonReentrant {
        _checkPayerSide(config);
        bytes32 channelId = getChannelId(config);
        PendingWithdrawal memory pending = pendingWithdrawals[channelId];
        if (pending.amount == 0) revert NoPendingWithdraw();
        uint256 finalizableAt = uint256(pending.initiatedAt) + config.withdrawDelay;
        if (block.timestamp < finalizableAt) revert WithdrawDelayNotElapsed(finalizableAt);
        delete pendingWithdrawals[channelId];
        ChannelState storage channel = channels[channelId];
        uint128 available = channel.balance - channel.totalClaimed;
        uint128 amount = pending.amount < available ? pending.amount : available;
        if (amount != 0) {
            channel.balance -= amount;
            IERC20(config.token).safeTransfer(config.payer, amount);
        }
        emit WithdrawFinalized(channelId, amount);
        if (channel.balance == 0) emit ChannelClosed(channelId, config);
    }

    // ---- views ---------------------------------------------------------------------------------------------------

    /// @notice The channel id: the EIP-712 typed-data hash of the config under this contract's domain
    ///         ("x402 Batch Settlement", "1", chain id, this address), as the x402 EVM SDK's computeChannelId.
    function getChannelId(ChannelConfig calldata config) public view returns (bytes32) {
        // Every field is static, so abi.encode(config) is the fields' 32-byte words in order (EIP-712 encodeData).
        return _hashTypedData(keccak256(abi.encode(CHANNEL_CONFIG_TYPEHASH, config)));
    }

    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) public view returns (bytes32) {
        return _hashTypedData(keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, maxClaimableAmount)));
    }

    function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) public view returns (bytes32) {
        return _hashTypedData(keccak256(abi.encode(REFUND_TYPEHASH, channelId, nonce, amount)));
    }

    function getClaimBatchDigest(VoucherClaim[] calldata voucherClaims) external view returns (bytes32 digest) {
        (digest,) = _claimBatchDigest(voucherClaims);
    }

    // ---- internals -----------------------------------------------------------------------------------------------

    function _claim(VoucherClaim calldata voucherClaim, bytes32 channelId) private {
        ChannelConfig calldata config = voucherClaim.voucher.channel;
        uint128 maxClaimable = voucherClaim.voucher.maxClaimableAmount;
        if (!_isValidVoucher(config, channelId, maxClaimable, voucherClaim.signature)) {
            revert InvalidVoucherSignature(channelId);
        }
        uint128 newTotal = voucherClaim.totalClaimed;
        if (newTotal > maxClaimable) revert ClaimExceedsVoucher(channelId);
        ChannelState storage channel = channels[channelId];
        if (newTotal > channel.balance) revert ClaimExceedsBalance(channelId);
        uint128 previous = channel.totalClaimed;
        if (newTotal <= previous) return; // already claimed this far: nothing new to count
        uint128 amount = newTotal - previous;
        channel.totalClaimed = newTotal;
        receivers[config.receiver][config.token].totalClaimed += amount;
        emit Claimed(channelId, msg.sender, amount, newTotal);
    }

    /// @dev Advances the refund nonce first, so even a refund that finds nothing to return uses its nonce up.
    function _refund(ChannelConfig calldata config, bytes32 channelId, uint128 amount) private {
        if (amount == 0) revert ZeroAmount();
        uint256 nonce = refundNonce[channelId]++;
        ChannelState storage channel = channels[channelId];
        uint128 available = channel.balance - channel.totalClaimed;
        uint128 refunded = amount < available ? amount : available;
        if (refunded == 0) return;
        channel.balance -= refunded;
        PendingWithdrawal storage pending = pendingWithdrawals[channelId];
        if (pending.amount != 0) {
            // What was refunded no longer needs withdrawing: shrink the pending withdrawal, or cancel it when covered.
            if (refunded >= pending.amount) delete pendingWithdrawals[channelId];
            else pending.amount -= refunded;
        }
        IERC20(config.token).safeTransfer(config.payer, refunded);
        emit Refunded(channelId, msg.sender, refunded, nonce);
        if (channel.balance == 0) emit ChannelClosed(channelId, config);
    }

    /// @dev Vouchers of a channel with a payerAuthorizer are plain ECDSA by that key (cheap to verify off chain);
    ///      without one the payer itself signs, an EOA or an ERC-1271 smart wallet.
    function _isValidVoucher(
        ChannelConfig calldata config,
        bytes32 channelId,
        uint128 maxClaimableAmount,
        bytes calldata signature
    ) private view returns (bool) {
        bytes32 digest = getVoucherDigest(channelId, maxClaimableAmount);
        if (config.payerAuthorizer != address(0)) {
            (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(digest, signature);
            return error == ECDSA.RecoverError.NoError && signer == config.payerAuthorizer;
        }
        return SignatureChecker.isValidSignatureNowCalldata(config.payer, digest, signature);
    }

    /// @dev EIP-712 `ClaimBatch(ClaimEntry[] claims)`: the array is hashed as the concatenation of its entries' hashes.
    function _claimBatchDigest(VoucherClaim[] calldata voucherClaims)
        private
        view
        returns (bytes32 digest, bytes32[] memory channelIds)
    {
        if (voucherClaims.length == 0) revert EmptyClaimBatch();
        address authorizer = voucherClaims[0].voucher.channel.receiverAuthorizer;
        channelIds = new bytes32[](voucherClaims.length);
        bytes32[] memory entryHashes = new bytes32[](voucherClaims.length);
        for (uint256 i; i < voucherClaims.length; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            if (row.voucher.channel.receiverAuthorizer != authorizer) revert MixedReceiverAuthorizers();
            channelIds[i] = getChannelId(row.voucher.channel);
            entryHashes[i] = keccak256(
                abi.encode(CLAIM_ENTRY_TYPEHASH, channelIds[i], row.voucher.maxClaimableAmount, row.totalClaimed)
            );
        }
        digest = _hashTypedData(keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, keccak256(abi.encodePacked(entryHashes)))));
    }

    function _hashTypedData(bytes32 structHash) private view returns (bytes32) {
        bytes32 domainSeparator =
            keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    function _checkConfig(ChannelConfig calldata config) private pure {
        if (
            config.payer == address(0) || config.receiver == address(0) || config.receiverAuthorizer == address(0)
                || config.token == address(0)
        ) revert InvalidChannelConfig();
        if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY) {
            revert WithdrawDelayOutOfRange();
        }
    }

    function _checkPayerSide(ChannelConfig calldata config) private view {
        if (msg.sender != config.payer && (config.payerAuthorizer == address(0) || msg.sender != config.payerAuthorizer))
        {
            revert NotPayerSide();
        }
    }
}
