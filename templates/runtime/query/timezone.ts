/**
 * Time zones for `timezone=<IANA zone>` (contract 5.5), using only the platform's zone data (Intl):
 * answers show date-times with the zone's offset, and zone-less filter values are read as local
 * time in that zone.
 */
import {
  formatOffset,
  formatWallTime,
  utcWallTime,
  wallTimeToUtc,
  type WallTime,
} from './dates.js';

const DAY_MS = 86_400_000;

/** Formatters by canonical zone name; there are a few hundred zones at most. */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Spellings already checked, to their canonical name; cleared when it grows past a bound. */
const resolvedNames = new Map<string, string>();
const MAX_RESOLVED_NAMES = 2048;

/** The canonical name of an IANA zone (`america/new_york` → `America/New_York`), or null if unknown. */
export function resolveTimeZone(name: string): string | null {
  const known = resolvedNames.get(name);
  if (known !== undefined) return known;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  if (resolvedNames.size >= MAX_RESOLVED_NAMES) resolvedNames.clear();
  resolvedNames.set(name, canonical);
  return canonical;
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at an instant, in seconds (east positive). */
export function offsetSecondsAt(zone: string, epochMs: number): number {
  const wholeSecond = epochMs - (((epochMs % 1000) + 1000) % 1000);
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let beforeCommonEra = false;
  for (const part of formatterFor(zone).formatToParts(new Date(wholeSecond))) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        beforeCommonEra = part.value === 'BC' || part.value === 'B';
        break;
      default:
        break;
    }
  }
  // Intl counts years before the common era from 1 BC; ISO years count 1 BC as year 0.
  const isoYear = beforeCommonEra ? 1 - year : year;
  const wall = wallTimeToUtc({ year: isoYear, month, day, hour, minute, second, millisecond: 0 });
  return Math.round((wall - wholeSecond) / 1000);
}

/** An instant written as ISO-8601 with the zone's offset: `2024-08-15T10:00:00-04:00`. */
export function formatInZone(epochMs: number, zone: string): string {
  const offset = offsetSecondsAt(zone, epochMs);
  return formatWallTime(utcWallTime(epochMs + offset * 1000)) + formatOffset(offset);
}

/**
 * The instant at which the zone's clocks show `wall`. A wall time that occurs twice (clocks set
 * back) is the earlier instant; one that never occurs (clocks set forward) is read with the offset
 * in force before the change, which lands after the gap (`02:30` → `03:30` in New York in March).
 */
export function wallTimeInZone(wall: WallTime, zone: string): number {
  const asUtc = wallTimeToUtc(wall);
  // Zones change their offset at most once within a day, so the offsets a day before and after
  // are the only two candidates.
  const before = offsetSecondsAt(zone, asUtc - DAY_MS) * 1000;
  const after = offsetSecondsAt(zone, asUtc + DAY_MS) * 1000;
  const withBefore = asUtc - before;
  if (before === after) return withBefore;
  const withAfter = asUtc - after;
  const beforeHolds = offsetSecondsAt(zone, withBefore) * 1000 === before;
  const afterHolds = offsetSecondsAt(zone, withAfter) * 1000 === after;
  if (beforeHolds && afterHolds) return Math.min(withBefore, withAfter);
  if (afterHolds) return withAfter;
  return withBefore;
}
