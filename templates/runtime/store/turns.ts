/**
 * How an engine runs the works of optimistic write transactions (`types.ts`, `Store.write`) so
 * that contention ends in commits, not in `WriteConflictError`s.
 *
 * Works run concurrently while they do not meet. A work that met a conflict does not simply run
 * again at once beside the others (fifty writers of one record would then commit one per round,
 * and most would use up their retries): from then on writes take turns, one at a time, each run
 * to its durable commit before the next starts, so every run after a conflict sees the state the
 * previous one left and can only lose to another process. Once no write waits for its turn, works
 * run concurrently again.
 *
 * A write started by a work (a nested `Store.write`) would wait for its own turn to end: it runs
 * beside the others instead, optimistically, as another process's write would.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_WRITE_RETRIES, WriteConflictError } from './types.js';

/** A run that met a conflict (its writes were left out); anything else is the run's outcome. */
export const CONFLICT = Symbol('conflict');

export class Turns {
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();
  private readonly insideWork = new AsyncLocalStorage<true>();

  /**
   * Runs `attempt` (one run of a work, through its commit) until it does not meet a conflict:
   * concurrently first, unless writes are taking turns; in turns after a conflict.
   */
  async run<R>(attempt: () => Promise<R | typeof CONFLICT>, retries?: number): Promise<R> {
    const budget = retries ?? DEFAULT_WRITE_RETRIES;
    if (this.insideWork.getStore() === true) {
      // A write made by the work of another (which holds the turn, perhaps): it cannot wait for
      // turns, so it runs beside it, as a write of another process would.
      for (let runs = 1; ; runs++) {
        const outcome = await attempt();
        if (outcome !== CONFLICT) return outcome;
        if (runs > budget) throw new WriteConflictError(runs);
      }
    }
    let runs = 0;
    if (this.waiting === 0) {
      runs = 1;
      const outcome = await this.insideWork.run(true, attempt);
      if (outcome !== CONFLICT) return outcome;
    }
    return this.inTurn(async () => {
      for (;;) {
        // `retries` counts the runs after the first.
        if (runs > budget) throw new WriteConflictError(runs);
        runs += 1;
        const outcome = await this.insideWork.run(true, attempt);
        if (outcome !== CONFLICT) return outcome;
      }
    });
  }

  private async inTurn<R>(work: () => Promise<R>): Promise<R> {
    this.waiting += 1;
    const previous = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      return await work();
    } finally {
      this.waiting -= 1;
      done();
    }
  }
}
