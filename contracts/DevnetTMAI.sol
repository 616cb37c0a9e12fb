// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Devnet stand-in for TMAI (Token Metrics AI) on Base — NOT the real token.
/// @notice A plain 18-decimal ERC-20 like the real one: no EIP-2612 permit, no EIP-3009. Name, symbol and owner live
///         in code so the runtime code can be etched at the canonical TMAI address without copying storage.
contract DevnetTMAI is ERC20 {
    address public immutable owner;

    constructor(address owner_) ERC20("", "") {
        owner = owner_;
    }

    function name() public pure override returns (string memory) {
        return "Token Metrics AI";
    }

    function symbol() public pure override returns (string memory) {
        return "TMAI";
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == owner, "TMAI: caller is not the owner");
        _mint(to, amount);
    }
}
