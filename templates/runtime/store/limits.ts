/**
 * Limits every store accepts at least. Validation enforces them before a write reaches the store,
 * so that a client can never make the storage engine fail (LMDB refuses keys over 1978 bytes).
 */
export const STORE_LIMITS = {
  /** Longest primary key, and longest indexed string value, in UTF-8 bytes. */
  maxKeyBytes: 1900,
} as const;
