/**
 * Writing answers in the negotiated format: one value at once (`encodeValue`), or a list of values
 * as a stream (`listEncoder`), so that a large collection is never held as one string.
 */
import { Encoder as CborEncoder } from 'cbor-x';
import { Packr } from 'msgpackr';
import { columnsFor, csvHeader, csvRow, isRecord } from './csv.js';
import { toJson } from './json.js';
import type { Format } from './negotiate.js';

// Records extensions are msgpackr/cbor-x specific; plain encodings are what other clients decode.
const cbor = new CborEncoder({ useRecords: false });
const msgpack = new Packr({ useRecords: false, largeBigIntToString: true });

/** A whole answer in `format`; `columns` are the CSV columns for records (more are added as found). */
export function encodeValue(
  format: Format,
  value: unknown,
  columns: readonly string[] = [],
): Buffer {
  switch (format) {
    case 'json':
      return Buffer.from(toJson(value));
    case 'cbor':
      return cbor.encode(value);
    case 'msgpack':
      return msgpack.pack(value);
    case 'csv': {
      const rows = Array.isArray(value) ? value : [value];
      const csvColumns = columnsFor(columns, rows);
      let text = rows.some(isRecord) || rows.length === 0 ? csvHeader(csvColumns) : '';
      for (const row of rows) text += csvRow(row, csvColumns);
      return Buffer.from(text);
    }
  }
}

/**
 * Encodes a list piece by piece: `item` for each element, then `end`. Pieces may be empty.
 * MessagePack has no array of unknown length, so a MessagePack list is a sequence of values, one
 * per element, concatenated (as Harper streams it).
 */
export interface ListEncoder {
  start(): Buffer | string;
  item(value: unknown): Buffer | string;
  end(): Buffer | string;
}

export function listEncoder(format: Format, columns: readonly string[]): ListEncoder {
  switch (format) {
    case 'json':
      return new JsonListEncoder();
    case 'cbor':
      return new CborListEncoder();
    case 'msgpack':
      return new MsgpackListEncoder();
    case 'csv':
      return new CsvListEncoder(columns);
  }
}

class JsonListEncoder implements ListEncoder {
  private first = true;
  start(): string {
    return '[';
  }
  item(value: unknown): string {
    if (this.first) {
      this.first = false;
      return toJson(value);
    }
    return `,${toJson(value)}`;
  }
  end(): string {
    return ']';
  }
}

/** CBOR's indefinite-length array: 0x9f, the items, 0xff. */
class CborListEncoder implements ListEncoder {
  start(): Buffer {
    return Buffer.from([0x9f]);
  }
  item(value: unknown): Buffer {
    return cbor.encode(value);
  }
  end(): Buffer {
    return Buffer.from([0xff]);
  }
}

/** One MessagePack value per element, nothing around them: an empty list is an empty body. */
class MsgpackListEncoder implements ListEncoder {
  start(): string {
    return '';
  }
  item(value: unknown): Buffer {
    return msgpack.pack(value);
  }
  end(): string {
    return '';
  }
}

/** The header is written with the first row, once that row has shown any undeclared columns. */
class CsvListEncoder implements ListEncoder {
  private columns: readonly string[] | undefined;
  constructor(private readonly declared: readonly string[]) {}
  start(): string {
    return '';
  }
  item(value: unknown): string {
    if (this.columns === undefined) {
      // A stream cannot look ahead: the first record decides the columns beyond the declared ones.
      this.columns = columnsFor(this.declared, [value]);
      return csvHeader(this.columns) + csvRow(value, this.columns);
    }
    return csvRow(value, this.columns);
  }
  end(): string {
    return this.columns === undefined ? csvHeader(this.declared) : '';
  }
}
