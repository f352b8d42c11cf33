/** "Did you mean" hints for misspelt names. */
import { compareText } from './text.js';

/** The candidates closest to `input` (by edit distance, ignoring case), best first; at most three. */
function closestNames(input: string, candidates: Iterable<string>): string[] {
  const lowered = input.toLowerCase();
  // A typo of up to a third of the name (at least one edit) is still a likely intent; beyond that the hint is noise.
  const threshold = Math.max(1, Math.floor(input.length / 3));
  const scored: Array<{ readonly name: string; readonly distance: number }> = [];
  for (const name of candidates) {
    const distance = name.toLowerCase() === lowered ? 0 : editDistance(lowered, name.toLowerCase());
    if (distance <= threshold) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || compareText(a.name, b.name));
  return scored.slice(0, 3).map((entry) => entry.name);
}

/** `did you mean "a" or "b"?`, or undefined when no candidate is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const names = closestNames(input, candidates).map((name) => `"${name}"`);
  const last = names.pop();
  if (last === undefined) return undefined;
  return names.length === 0
    ? `did you mean ${last}?`
    : `did you mean ${names.join(', ')} or ${last}?`;
}

/** Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`: optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      // A swap of two neighbouring characters ("tabel" for "table") is one typo, not two.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}
