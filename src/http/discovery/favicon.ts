import { base64ToBytes } from '../../lib/base64'

/** A 32×32 icon (a PNG inside an ICO container, which every browser and directory reads), 153 bytes. */
const FAVICON_BASE64 =
  'AAABAAEAICAAAAEAIACDAAAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAAEpJREFUeNpjYBgFWICs343/tMCjDhgQS4l2zKgDsClCB9SQG3UA1RyAD486YNQBow4YdcDIcMBoXUAXB4y2iOjqgNF+waBywIgCACiMn7JUggSrAAAAAElFTkSuQmCC'

export const FAVICON_ICO: Uint8Array = base64ToBytes(FAVICON_BASE64)
