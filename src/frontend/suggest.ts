/** "Did you mean" hints for misspelt names. */

/** The candidates closest to `input` (by edit distance, ignoring case), best first; at most three. */
export function closestNames(input: string, candidates: Iterable<string>): string[] {
  const lowered = input.toLowerCase();
  // A typo of up to a third of the name (at least one edit) is still a likely intent; beyond that the hint is noise.
  const threshold = Math.max(1, Math.floor(input.length / 3));
  const scored: Array<{ readonly name: string; readonly distance: number }> = [];
  for (const name of candidates) {
    const distance = name.toLowerCase() === lowered ? 0 : editDistance(lowered, name.toLowerCase());
    if (distance <= threshold) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, 3).map((entry) => entry.name);
}

/** `did you mean "a" or "b"?`, or undefined when no candidate is close. */
export function didYouMean(input: string, candidates: Iterable<string>, format: (name: string) => string = (name) => `"${name}"`): string | undefined {
  const names = closestNames(input, candidates).map(format);
  const last = names.pop();
  if (last === undefined) return undefined;
  return names.length === 0 ? `did you mean ${last}?` : `did you mean ${names.join(', ')} or ${last}?`;
}

/** Levenshtein distance with one rolling row. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
