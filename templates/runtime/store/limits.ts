/**
 * Limits every store accepts at least. Validation enforces them before a write reaches the store,
 * so that a client can never make the storage engine fail (LMDB refuses keys over 1978 bytes).
 */
export const STORE_LIMITS = {
  /** Longest primary key, and longest indexed string value, in UTF-8 bytes. */
  maxKeyBytes: 1900,
} as const;

/**
 * Most decimal digits of a BigInt value (contract section 9). Converting, encoding and decoding
 * big integers costs more than linear time in their size (a million digits: tens of seconds in
 * one CBOR answer), so larger ones are refused (400) before anything is stored.
 */
export const MAX_BIGINT_DIGITS = 1000;

/** Bytes of the magnitude of the largest allowed BigInt (10^1000 < 2^3322). */
export const MAX_BIGINT_BYTES = Math.ceil((MAX_BIGINT_DIGITS * Math.log2(10)) / 8);

const BIGINT_BOUND = 10n ** BigInt(MAX_BIGINT_DIGITS);

/** Whether `value` has at most `MAX_BIGINT_DIGITS` digits; linear time, no conversion to text. */
export function bigintWithinLimit(value: bigint): boolean {
  return value < BIGINT_BOUND && value > -BIGINT_BOUND;
}

/** Whether `text` (an optional minus sign and digits) is short enough to convert to a BigInt. */
export function integerTextWithinLimit(text: string): boolean {
  return text.length <= MAX_BIGINT_DIGITS + (text.startsWith('-') ? 1 : 0);
}
