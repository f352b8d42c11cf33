/**
 * How an engine runs the works of optimistic write transactions (`types.ts`, `Store.write`) so
 * that contention ends in commits, not in `WriteConflictError`s.
 *
 * Works run concurrently. A work that met a conflict does not simply run again at once beside the
 * others (fifty writers of one record would then commit one per round, and most would use up
 * their retries): it waits for its turn among the writes that met conflicts, one at a time, each
 * run to its durable commit before the next starts, so every run after a conflict sees the state
 * the previous one left. A run in its turn goes first in its batch (`inTurn()` tells the engine),
 * so a write that started meanwhile and read the same records yields to it, not the other way
 * round. Writes that meet no conflict never wait.
 *
 * A write started by a work (a nested `Store.write`) would wait for its own turn to end: it runs
 * beside the others instead, optimistically, as another process's write would.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_WRITE_RETRIES, WriteConflictError } from './types.js';

/** A run that met a conflict (its writes were left out); anything else is the run's outcome. */
export const CONFLICT = Symbol('conflict');

export class Turns {
  private tail: Promise<void> = Promise.resolve();
  /** Set while a work runs: true for a run in its turn, false for a first run. */
  private readonly insideWork = new AsyncLocalStorage<boolean>();

  /**
   * Runs `attempt` (one run of a work, through its commit) until it does not meet a conflict:
   * concurrently first, unless writes are taking turns; in turns after a conflict.
   */
  async run<R>(attempt: () => Promise<R | typeof CONFLICT>, retries?: number): Promise<R> {
    const budget = retries ?? DEFAULT_WRITE_RETRIES;
    if (this.insideWork.getStore() !== undefined) {
      // A write made by the work of another (which holds the turn, perhaps): it cannot wait for
      // turns, so it runs beside it, as a write of another process would.
      for (let runs = 1; ; runs++) {
        const outcome = await attempt();
        if (outcome !== CONFLICT) return outcome;
        if (runs > budget) throw new WriteConflictError(runs);
      }
    }
    let runs = 1;
    const first = await this.insideWork.run(false, attempt);
    if (first !== CONFLICT) return first;
    return this.takeTurn(async () => {
      for (;;) {
        // `retries` counts the runs after the first.
        if (runs > budget) throw new WriteConflictError(runs);
        runs += 1;
        const outcome = await this.insideWork.run(true, attempt);
        if (outcome !== CONFLICT) return outcome;
      }
    });
  }

  /** Whether the code running now is a run in its turn (its commit goes first in its batch). */
  inTurn(): boolean {
    return this.insideWork.getStore() === true;
  }

  private async takeTurn<R>(work: () => Promise<R>): Promise<R> {
    const previous = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      return await work();
    } finally {
      done();
    }
  }
}
