import { describe, expect, it } from 'vitest';
import {
  acceptsEventStream,
  formatOfSuffix,
  negotiate,
  parseAccept,
} from '../../../templates/runtime/http/negotiate.js';

describe('negotiate', () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['application/cbor', 'cbor'],
    ['application/x-msgpack', 'msgpack'],
    ['application/msgpack', 'msgpack'],
    ['text/csv', 'csv'],
    ['TEXT/CSV', 'csv'],
    ['text/*', 'csv'],
    ['application/*', 'json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'json'],
  ] as const)('answers %s with %s', (accept, format) => {
    expect(negotiate(accept)).toBe(format);
  });

  it('follows q-values rather than list order', () => {
    expect(negotiate('application/json;q=0.5, text/csv;q=0.9')).toBe('csv');
    expect(negotiate('text/csv;q=0.2, application/cbor;q=0.3')).toBe('cbor');
    expect(negotiate('application/x-msgpack, application/json;q=0.1')).toBe('msgpack');
  });

  it('breaks ties in the order JSON, CBOR, MessagePack, CSV', () => {
    expect(negotiate('text/csv, application/x-msgpack, application/cbor, application/json')).toBe(
      'json',
    );
    expect(negotiate('text/csv, application/x-msgpack, application/cbor')).toBe('cbor');
    expect(negotiate('text/csv;q=0.5, application/x-msgpack;q=0.5')).toBe('msgpack');
  });

  it('lets a more specific range override a wildcard, q=0 included', () => {
    expect(negotiate('*/*;q=0.5, application/json;q=0')).toBe('cbor');
    expect(negotiate('application/*;q=0.1, text/csv;q=0.2')).toBe('csv');
  });

  it('finds nothing acceptable when no supported type is named (406)', () => {
    expect(negotiate('text/html')).toBeNull();
    expect(negotiate('application/xml, image/png')).toBeNull();
    expect(negotiate('application/json;q=0')).toBeNull();
    expect(negotiate('text/event-stream')).toBeNull();
  });

  it('drops ranges with unreadable q-values and malformed entries', () => {
    expect(parseAccept('text/csv;q=abc, application/cbor, nonsense, /x')).toEqual([
      { type: 'application', subtype: 'cbor', q: 1 },
    ]);
    expect(parseAccept('text/csv;q=0.25;level=1')).toEqual([
      { type: 'text', subtype: 'csv', q: 0.25 },
    ]);
    expect(negotiate('text/csv;q=2')).toBeNull();
  });

  it('knows the URL suffixes', () => {
    expect(formatOfSuffix('csv')).toBe('csv');
    expect(formatOfSuffix('msgpack')).toBe('msgpack');
    expect(formatOfSuffix('xml')).toBeUndefined();
  });

  it('recognizes a request for an event stream', () => {
    expect(acceptsEventStream('text/event-stream')).toBe(true);
    expect(acceptsEventStream('application/json, text/event-stream;q=0.5')).toBe(true);
    expect(acceptsEventStream('text/event-stream;q=0')).toBe(false);
    expect(acceptsEventStream('application/json')).toBe(false);
    expect(acceptsEventStream(undefined)).toBe(false);
  });
});
