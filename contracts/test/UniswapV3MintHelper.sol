// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// TEST ONLY (compiled by test/e2e/tmai-dex-twap.test.ts, never deployed by the service).
// Uniswap v3 pools pull tokens through a callback on the caller; this helper pays mint and swap callbacks from its
// own balance, so a test funds it once and then adds liquidity or moves the price with plain calls.

interface IERC20Like {
    function transfer(address to, uint256 value) external returns (bool);
}

interface IUniswapV3PoolLike {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);
}

contract UniswapV3MintHelper {
    // Only the pool this helper is calling right now may collect payment.
    address private activePool;

    function mint(address pool, int24 tickLower, int24 tickUpper, uint128 amount)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        activePool = pool;
        (amount0, amount1) = IUniswapV3PoolLike(pool).mint(address(this), tickLower, tickUpper, amount, "");
        activePool = address(0);
    }

    function swap(address pool, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96)
        external
        returns (int256 amount0, int256 amount1)
    {
        activePool = pool;
        (amount0, amount1) =
            IUniswapV3PoolLike(pool).swap(address(this), zeroForOne, amountSpecified, sqrtPriceLimitX96, "");
        activePool = address(0);
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        pay(amount0Owed, amount1Owed);
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        pay(amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    function pay(uint256 amount0, uint256 amount1) private {
        require(msg.sender == activePool, "unexpected caller");
        IUniswapV3PoolLike pool = IUniswapV3PoolLike(msg.sender);
        if (amount0 > 0) require(IERC20Like(pool.token0()).transfer(msg.sender, amount0), "pay token0");
        if (amount1 > 0) require(IERC20Like(pool.token1()).transfer(msg.sender, amount1), "pay token1");
    }
}
