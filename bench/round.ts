/** Figures are kept to a sensible precision, so results files read (and diff) well. */
export function roundTo(value: number, digits: number): number;
export function roundTo(value: number | null | undefined, digits: number): number | null;
export function roundTo(value: number | null | undefined, digits: number): number | null {
  return value === null || value === undefined ? null : Number(value.toFixed(digits));
}
