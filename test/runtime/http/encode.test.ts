import { decode as decodeCbor } from 'cbor-x';
import { pack, unpack, unpackMultiple } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeValue, listEncoder } from '../../../templates/runtime/http/encode.js';
import { toJson } from '../../../templates/runtime/http/json.js';

const record = {
  id: 'a',
  when: new Date('2024-08-15T14:00:00.000Z'),
  big: 2n ** 70n,
  bytes: Buffer.from([1, 2, 255]),
  nested: { list: [1, null, 'x'] },
  text: 'say "hi", then\nleave',
};

describe('JSON of stored values', () => {
  it('writes dates as ISO strings, big integers as bare literals, bytes as base64', () => {
    expect(toJson(record)).toBe(
      '{"id":"a","when":"2024-08-15T14:00:00.000Z","big":1180591620717411303424,"bytes":"AQL/",' +
        '"nested":{"list":[1,null,"x"]},"text":"say \\"hi\\", then\\nleave"}',
    );
  });

  it('agrees with JSON.stringify on plain JSON values', () => {
    const plain = { a: [1, 2.5, -3e-7, 'é\u2028', true, false, null], b: { c: {} }, d: [], e: '' };
    expect(toJson(plain)).toBe(JSON.stringify(plain));
  });

  it('writes no value as null, and skips undefined members', () => {
    expect(toJson({ a: undefined, b: Number.NaN, c: [undefined] })).toBe('{"b":null,"c":[null]}');
  });
});

describe('encodeValue', () => {
  it('encodes CBOR and MessagePack that generic decoders read back', () => {
    const cbor = decodeCbor(encodeValue('cbor', { a: 1, when: record.when })) as Record<
      string,
      unknown
    >;
    expect(cbor).toEqual({ a: 1, when: record.when });
    expect(unpack(encodeValue('msgpack', { a: 'x', list: [1, 2] }))).toEqual({
      a: 'x',
      list: [1, 2],
    });
  });

  it('writes CSV with a header row, quoting, JSON cells for structures and ISO dates', () => {
    const csv = encodeValue('csv', [record, { id: 'b', extra: 1 }], ['id', 'when']).toString();
    expect(csv).toBe(
      '"id","when","big","bytes","nested","text","extra"\r\n' +
        'a,2024-08-15T14:00:00.000Z,1180591620717411303424,AQL/,"{""list"":[1,null,""x""]}","say ""hi"", then\nleave",\r\n' +
        'b,,,,,,1\r\n',
    );
  });

  it('writes a bare value as one CSV line', () => {
    expect(encodeValue('csv', 'x,y').toString()).toBe('"x,y"\r\n');
    expect(encodeValue('csv', true).toString()).toBe('true\r\n');
  });
});

describe('listEncoder', () => {
  const encodeList = (
    format: Parameters<typeof listEncoder>[0],
    values: unknown[],
    columns: string[] = [],
  ) => {
    const encoder = listEncoder(format, columns);
    const pieces = [encoder.start(), ...values.map((value) => encoder.item(value)), encoder.end()];
    return Buffer.concat(
      pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)),
    );
  };

  it('streams JSON, CBOR (indefinite length), MessagePack and CSV lists that decode to the values', () => {
    const values = [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ];
    expect(JSON.parse(encodeList('json', values).toString())).toEqual(values);
    expect(decodeCbor(encodeList('cbor', values))).toEqual(values);
    // MessagePack: one value per record, concatenated, as Harper streams it (not one array).
    const packed = encodeList('msgpack', values);
    expect(unpackMultiple(packed)).toEqual(values);
    expect(packed.equals(Buffer.concat(values.map((value) => pack(value))))).toBe(true);
    expect(encodeList('csv', values, ['id']).toString()).toBe('"id","name"\r\n1,a\r\n2,b\r\n');
  });

  it('writes empty lists in every format', () => {
    expect(encodeList('json', []).toString()).toBe('[]');
    expect(decodeCbor(encodeList('cbor', []))).toEqual([]);
    expect(encodeList('msgpack', []).length).toBe(0);
    expect(encodeList('csv', [], ['id', 'name']).toString()).toBe('"id","name"\r\n');
  });
});
