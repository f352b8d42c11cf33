/** A small seeded generator, so that a data set and the ids a case asks for are the same on every run. */
export type Random = () => number;

/** mulberry32: a 32-bit state generator with uniform output in [0, 1); plenty for picking test data. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [0, bound). */
export function randomIndex(random: Random, bound: number): number {
  return Math.floor(random() * bound);
}
