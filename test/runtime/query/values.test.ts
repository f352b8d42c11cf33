/** The building blocks: value order, ISO dates, and time zones from Intl. */
import { describe, expect, it } from 'vitest';
import { parseIsoDate, wallTimeToUtc } from '../../../templates/runtime/query/dates.js';
import {
  formatInZone,
  offsetSecondsAt,
  resolveTimeZone,
  wallTimeInZone,
} from '../../../templates/runtime/query/timezone.js';
import {
  compareStrings,
  compareValues,
  prefixSuccessor,
} from '../../../templates/runtime/query/values.js';

describe('value order', () => {
  it('orders strings by code point, as their UTF-8 bytes order', () => {
    // UTF-16 code units put U+E000..U+FFFF after the surrogates of 😀 (U+1F600); UTF-8 does not.
    const ordered = ['', 'A', 'Z', 'a', 'ab', 'b', 'é', '\uE000', '\uFFFF', '😀', '😀a', '🙂'];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareStrings)).toEqual(ordered);
    const bytes = (text: string) => Buffer.from(text, 'utf8');
    for (let index = 1; index < ordered.length; index += 1) {
      expect(Buffer.compare(bytes(ordered[index - 1]!), bytes(ordered[index]!))).toBe(-1);
    }
  });

  it('orders families null < false < true < numbers < strings, bigints among numbers', () => {
    const ordered = [null, false, true, -Infinity, -1, 0, 1n, 1.5, 2n ** 70n, '', '0'];
    expect([...ordered].reverse().sort(compareValues)).toEqual(ordered);
    expect(compareValues(1, 1n)).toBe(0);
  });

  it('finds the first string after every string with a prefix', () => {
    expect(prefixSuccessor('ab')).toBe('ac');
    expect(prefixSuccessor('a\uD7FF')).toBe('a\uE000');
    expect(prefixSuccessor('a\u{10FFFF}')).toBe('b');
    expect(prefixSuccessor('\u{10FFFF}')).toBeNull();
    for (const text of ['ab', 'ab\u{10FFFF}\u{10FFFF}', 'abz', 'ab😀'])
      expect(compareStrings(text, prefixSuccessor('ab')!)).toBeLessThan(0);
  });
});

describe('ISO dates', () => {
  it.each([
    ['2024-08-15', Date.UTC(2024, 7, 15), null],
    ['2024-08-15T09:30', Date.UTC(2024, 7, 15, 9, 30), null],
    ['2024-08-15 09:30:05', Date.UTC(2024, 7, 15, 9, 30, 5), null],
    ['2024-08-15T09:30:05.5Z', Date.UTC(2024, 7, 15, 9, 30, 5, 500), 0],
    ['2024-08-15T09:30:05.123456789+05:30', Date.UTC(2024, 7, 15, 9, 30, 5, 123), 330],
    ['2024-08-15T09:30-0400', Date.UTC(2024, 7, 15, 9, 30), -240],
    ['2024-02-29', Date.UTC(2024, 1, 29), null],
    ['0001-01-01', -62135596800000, null],
    ['+010000-01-01', Date.UTC(10000, 0, 1), null],
  ])('%s', (text, wallAsUtc, offset) => {
    const date = parseIsoDate(text);
    expect(date).not.toBeNull();
    expect(wallTimeToUtc(date!.wall)).toBe(wallAsUtc);
    expect(date!.offsetMinutes).toBe(offset);
  });

  it.each([
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31',
    '2024-08-15T24:00',
    '2024-08-15T10:60',
    '2024-08-15Z',
    '2024-8-15',
    '20240815',
    '2024-08-15T10:00+25:00',
    'soon',
    '',
  ])('refuses %j', (text) => {
    expect(parseIsoDate(text)).toBeNull();
  });
});

describe('time zones', () => {
  it('resolves IANA names, in any case, and refuses others', () => {
    expect(resolveTimeZone('America/New_York')).toBe('America/New_York');
    // The platform's canonical spelling (ICU may still call Kolkata by its older name).
    expect(resolveTimeZone('asia/kolkata')).toBe(resolveTimeZone('Asia/Kolkata'));
    expect(resolveTimeZone('Asia/Kolkata')).toMatch(/^Asia\/(Kolkata|Calcutta)$/);
    expect(resolveTimeZone('Mars/Base')).toBeNull();
    expect(resolveTimeZone('')).toBeNull();
  });

  it.each([
    [Date.UTC(2024, 7, 15, 14), 'America/New_York', '2024-08-15T10:00:00-04:00'],
    [Date.UTC(2024, 0, 15, 14), 'America/New_York', '2024-01-15T09:00:00-05:00'],
    [Date.UTC(2024, 7, 15, 14, 0, 0, 250), 'Asia/Kolkata', '2024-08-15T19:30:00.250+05:30'],
    [Date.UTC(2024, 7, 15, 14), 'Asia/Kathmandu', '2024-08-15T19:45:00+05:45'],
    [Date.UTC(2024, 7, 15, 14), 'UTC', '2024-08-15T14:00:00+00:00'],
    [Date.UTC(2024, 11, 31, 23), 'Pacific/Kiritimati', '2025-01-01T13:00:00+14:00'],
    // Before standard time, New York kept local mean time, an offset with seconds.
    [Date.UTC(1850, 0, 1, 12), 'America/New_York', '1850-01-01T07:03:58-04:56:02'],
  ])('%i in %s is %s', (epoch, zone, expected) => {
    expect(formatInZone(epoch, zone)).toBe(expected);
  });

  it('reads wall times in a zone, around clock changes', () => {
    const wall = (text: string) => parseIsoDate(text)!.wall;
    expect(wallTimeInZone(wall('2024-08-15T00:00'), 'America/New_York')).toBe(
      Date.UTC(2024, 7, 15, 4),
    );
    expect(wallTimeInZone(wall('2024-03-10T02:30'), 'America/New_York')).toBe(
      Date.UTC(2024, 2, 10, 7, 30),
    );
    expect(wallTimeInZone(wall('2024-11-03T01:30'), 'America/New_York')).toBe(
      Date.UTC(2024, 10, 3, 5, 30),
    );
    expect(wallTimeInZone(wall('2024-03-31T02:30'), 'Europe/Paris')).toBe(
      Date.UTC(2024, 2, 31, 1, 30),
    );
    expect(wallTimeInZone(wall('2024-10-27T02:30'), 'Europe/Paris')).toBe(
      Date.UTC(2024, 9, 27, 0, 30),
    );
    expect(offsetSecondsAt('Asia/Kolkata', Date.UTC(2024, 0, 1))).toBe(19_800);
  });
});
