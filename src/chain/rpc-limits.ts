/**
 * The largest JSON-RPC answer we read, in bytes: a hostile or broken node cannot make us hold more. Our biggest honest
 * answers (a batch settlement's receipt, a block header with its transaction hashes, a window of logs) are far below
 * it; anything larger is treated as an RPC fault, so the request fails closed.
 */
export const RPC_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
