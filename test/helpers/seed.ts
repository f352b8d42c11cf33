/**
 * One seed for every random test (property, fuzz and crash tests): `TEST_SEED=<n>` replays a run,
 * otherwise each run draws a fresh one. The seed is printed when a test that used it fails, with
 * the command line that replays it; fast-check properties get it through their `seed` option.
 */
import fc from 'fast-check';
import { onTestFailed } from 'vitest';

function drawSeed(): number {
  const given = process.env['TEST_SEED'];
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`TEST_SEED must be an integer, not ${given}`);
  return seed;
}

/** The seed of this test process (the same for every test in it, so one variable replays them all). */
export const TEST_SEED = drawSeed();

/** Call inside a test: prints the seed (and how to replay it) if the test fails. */
export function logSeedOnFailure(label: string): number {
  onTestFailed(() => {
    console.error(`${label} failed with seed ${TEST_SEED}; replay with TEST_SEED=${TEST_SEED}`);
  });
  return TEST_SEED;
}

/** `fc.assert` with the test seed: the failure message names it (fast-check's own report follows). */
export async function assertProperty<Ts extends [unknown, ...unknown[]]>(
  label: string,
  property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>,
  parameters: Omit<fc.Parameters<Ts>, 'seed'> = {},
): Promise<void> {
  logSeedOnFailure(label);
  await fc.assert(property, { ...parameters, seed: TEST_SEED });
}

/** The synchronous form, for properties that are not async. */
export function assertSyncProperty<Ts extends [unknown, ...unknown[]]>(
  label: string,
  property: fc.IProperty<Ts>,
  parameters: Omit<fc.Parameters<Ts>, 'seed'> = {},
): void {
  logSeedOnFailure(label);
  fc.assert(property, { ...parameters, seed: TEST_SEED });
}
