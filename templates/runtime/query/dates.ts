/**
 * ISO-8601 dates as the query language reads and writes them: `2024-08-15`, `2024-08-15T09:00`,
 * `2024-08-15T09:00:00.250Z`, `2024-08-15T09:00:00-04:00`. Parsing is done here rather than with
 * `Date.parse`, whose treatment of zone-less date-times depends on the host's time zone.
 */

export interface WallTime {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

export interface IsoDate {
  readonly wall: WallTime;
  /** The written offset from UTC in minutes, or null when the value names no zone. */
  readonly offsetMinutes: number | null;
}

const ISO_DATE =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/** A date-time that carries its own zone: the String values the time zone conversion rewrites. */
const ISO_DATE_TIME_WITH_ZONE =
  /^([+-]\d{6}|\d{4})-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses an ISO-8601 date or date-time; null when `text` is not one (or names an impossible day). */
export function parseIsoDate(text: string): IsoDate | null {
  const match = ISO_DATE.exec(text);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMins] =
    match;
  const wall: WallTime = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: hour === undefined ? 0 : Number(hour),
    minute: minute === undefined ? 0 : Number(minute),
    second: second === undefined ? 0 : Number(second),
    millisecond: fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')),
  };
  if (!isValidWallTime(wall)) return null;
  let offsetMinutes: number | null = null;
  if (zulu !== undefined) offsetMinutes = 0;
  else if (sign !== undefined) {
    const hours = Number(offsetHours);
    const minutes = offsetMins === undefined ? 0 : Number(offsetMins);
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return { wall, offsetMinutes };
}

/** Whether `text` is an ISO date-time with a zone designator (`Z` or an offset). */
export function isIsoDateTimeWithZone(text: string): boolean {
  return ISO_DATE_TIME_WITH_ZONE.test(text) && parseIsoDate(text) !== null;
}

function isValidWallTime(wall: WallTime): boolean {
  const { year, month, day, hour, minute, second } = wall;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  if (day > DAYS_IN_MONTH[month - 1]!) return false;
  return !(month === 2 && day === 29 && !isLeapYear(year));
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Epoch milliseconds of a wall time read as UTC (years 0-99 included, unlike `Date.UTC`). */
export function wallTimeToUtc(wall: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  return date.getTime();
}

/** The UTC wall time of an instant. */
export function utcWallTime(epochMs: number): WallTime {
  const date = new Date(epochMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  };
}

/** `2024-08-15T10:00:00` (milliseconds only when not zero), without a zone designator. */
export function formatWallTime(wall: WallTime): string {
  const year =
    wall.year >= 0 && wall.year <= 9999
      ? pad(wall.year, 4)
      : `${wall.year < 0 ? '-' : '+'}${pad(Math.abs(wall.year), 6)}`;
  const base = `${year}-${pad(wall.month, 2)}-${pad(wall.day, 2)}T${pad(wall.hour, 2)}:${pad(wall.minute, 2)}:${pad(wall.second, 2)}`;
  return wall.millisecond === 0 ? base : `${base}.${pad(wall.millisecond, 3)}`;
}

/** `+05:30`, `-04:00`, `+00:00`; seconds only for historical local mean times that have them. */
export function formatOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const total = Math.abs(offsetSeconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const base = `${sign}${pad(hours, 2)}:${pad(minutes, 2)}`;
  return seconds === 0 ? base : `${base}:${pad(seconds, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
