/**
 * The budget of one answer (contract section 9): how many related records resolving relationships
 * may read, and about how many bytes the shaped value may hold. A `select()` through a relationship
 * cycle (`products{category{products{…}}}`) multiplies the records it reads at every level; the
 * budget stops it with a 400 `ANSWER_TOO_LARGE` naming the limit, before it has used the memory.
 *
 * One budget covers a whole answer that is built in memory (a record, an attribute), and each
 * element of a streamed list (a list's length is not limited: it is streamed, memory stays flat).
 * A record is paid for each time it is resolved, even if the same answer resolved it before: that
 * is what makes a cycle cost what it really costs.
 */
import { clientError } from '../http/errors.js';

export interface AnswerLimits {
  /** Related records one answer (one element of a streamed list) may resolve (`MAX_RESOLVED_RECORDS`). */
  readonly maxResolvedRecords: number;
  /** Approximate bytes one answer (one element of a streamed list) may hold (`MAX_ANSWER_BYTES`). */
  readonly maxAnswerBytes: number;
}

/** The defaults of `MAX_RESOLVED_RECORDS` and `MAX_ANSWER_BYTES` (`config.ts`). */
export const DEFAULT_ANSWER_LIMITS: AnswerLimits = {
  maxResolvedRecords: 10_000,
  maxAnswerBytes: 64 * 1024 * 1024,
};

/** What one answer has spent so far; `reset` starts the next element of a list. */
export class AnswerBudget {
  private records = 0;
  private bytes = 0;

  constructor(readonly limits: AnswerLimits = DEFAULT_ANSWER_LIMITS) {}

  reset(): void {
    this.records = 0;
    this.bytes = 0;
  }

  /**
   * Pays for one related record read to resolve a relationship; its bytes count when it is part of
   * the answer (`kept`), not when a filter on the relationship left it out.
   */
  resolved(value: unknown, kept = true): void {
    this.records += 1;
    if (this.records > this.limits.maxResolvedRecords) {
      throw clientError(
        'ANSWER_TOO_LARGE',
        `The answer resolves more than ${this.limits.maxResolvedRecords} related records (MAX_RESOLVED_RECORDS); select fewer or less deeply nested relationships`,
        { limit: 'MAX_RESOLVED_RECORDS', max: this.limits.maxResolvedRecords },
      );
    }
    if (!kept) return;
    this.bytes += approximateSize(value, this.limits.maxAnswerBytes - this.bytes);
    if (this.bytes > this.limits.maxAnswerBytes) {
      throw clientError(
        'ANSWER_TOO_LARGE',
        `The answer is larger than ${this.limits.maxAnswerBytes} bytes (MAX_ANSWER_BYTES); select fewer attributes or relationships`,
        { limit: 'MAX_ANSWER_BYTES', max: this.limits.maxAnswerBytes },
      );
    }
  }
}

/**
 * About the size of `value` once encoded (JSON-like: strings by length, numbers as 8 bytes), walked
 * without recursion and abandoned once it passes `cap` (the caller only needs to know that much).
 */
export function approximateSize(value: unknown, cap: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= cap) {
    const item = stack.pop();
    if (typeof item === 'string') size += item.length + 2;
    else if (typeof item === 'bigint') size += Math.ceil(item.toString(16).length * 1.2) + 2;
    else if (typeof item !== 'object' || item === null || item instanceof Date) size += 8;
    else if (Array.isArray(item)) {
      size += 2 + item.length;
      for (const element of item) stack.push(element);
    } else if (ArrayBuffer.isView(item)) {
      size += item.byteLength;
    } else {
      size += 2;
      for (const [name, element] of Object.entries(item)) {
        size += name.length + 4;
        stack.push(element);
      }
    }
  }
  return size;
}
