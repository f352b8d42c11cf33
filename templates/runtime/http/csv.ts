/**
 * CSV answers (contract section 6): a header row, then one row per record; arrays and objects
 * are written as JSON inside their cell. Rows end with CRLF (RFC 4180). A text cell that a
 * spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a CR) is
 * prefixed with `'`; numbers are written as they are.
 */
import { ownValue } from '../meta.js';
import { base64Of, toJson } from './json.js';

/** The columns for records: the given ones first, then any other attribute of the `samples`. */
export function columnsFor(declared: readonly string[], samples: readonly unknown[]): string[] {
  const columns = [...declared];
  const known = new Set(columns);
  for (const sample of samples) {
    if (!isRecord(sample)) continue;
    for (const name of Object.keys(sample)) {
      if (!known.has(name)) {
        known.add(name);
        columns.push(name);
      }
    }
  }
  return columns;
}

/** The header row: every name quoted, as Harper writes it (`"id","name"`). */
export function csvHeader(columns: readonly string[]): string {
  return `${columns.map((name) => `"${neutralised(name).replaceAll('"', '""')}"`).join(',')}\r\n`;
}

/** One CSV row: a record's cells in column order, or a bare value in one cell. */
export function csvRow(value: unknown, columns: readonly string[]): string {
  if (!isRecord(value)) return `${csvCell(value)}\r\n`;
  let row = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) row += ',';
    row += csvCell(ownValue(value, columns[i] ?? ''));
  }
  return `${row}\r\n`;
}

/** The first characters that make a spreadsheet read a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') text = neutralised(value);
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? '' : value.toISOString();
  else if (value instanceof Uint8Array) text = neutralised(base64Of(value));
  else if (typeof value === 'object') text = toJson(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    text = String(value);
  // Nothing else is stored (functions and symbols do not survive encoding).
  else text = '';
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Text that a spreadsheet shows as text: a formula-like cell gets a leading `'`. */
function neutralised(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A record as CSV sees it: a plain object, not a date, bytes or array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  );
}
