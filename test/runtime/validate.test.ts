import { describe, expect, it } from 'vitest';
import { ClientError } from '../../templates/runtime/errors.js';
import type { TableMeta } from '../../templates/runtime/meta.js';
import {
  RecordValidator,
  dateOf,
  type Problem,
  type WriteKind,
} from '../../templates/runtime/validate.js';
import { attribute as a, table } from './fixtures/meta.js';
import { kitchenSinkSchema, shopSchema } from './fixtures/schemas.js';

const tableOf = (name: string, schema = kitchenSinkSchema): TableMeta => {
  const found = schema.tables.find((candidate) => candidate.name === name);
  if (!found) throw new Error(name);
  return found;
};

const author = new RecordValidator(kitchenSinkSchema, tableOf('Author'));
const post = new RecordValidator(kitchenSinkSchema, tableOf('Post'));
const counter = new RecordValidator(kitchenSinkSchema, tableOf('Counter'));
const product = new RecordValidator(shopSchema, tableOf('Product', shopSchema));

/** The problems a body has, as `path: message` lines. */
function problems(validator: RecordValidator, body: unknown, kind: WriteKind = 'create'): string[] {
  const found: Problem[] = [];
  validator.check(body, kind, '', found);
  return found.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('scalar types (contract 4.1)', () => {
  const scalars = new RecordValidator(
    { tables: [], objectTypes: [] },
    table('S', [
      a('id', 'ID', { primaryKey: true }),
      a('id2', 'ID'),
      a('s', 'String'),
      a('i', 'Int'),
      a('l', 'Long'),
      a('f', 'Float'),
      a('b', 'Boolean'),
      a('d', 'Date'),
      a('big', 'BigInt'),
      a('bytes', 'Bytes'),
      a('any', 'Any'),
    ]),
  );
  const accepts = (name: string, value: unknown) =>
    expect(problems(scalars, { [name]: value })).toEqual([]);
  const refuses = (name: string, value: unknown) =>
    expect(problems(scalars, { [name]: value })).toHaveLength(1);

  it('ID takes a string or a list of strings', () => {
    accepts('id2', 'x');
    accepts('id2', ['a', 'b']);
    refuses('id2', 3);
    refuses('id2', ['a', 3]);
  });

  it('String takes only strings', () => {
    accepts('s', '');
    refuses('s', 3);
    refuses('s', true);
    refuses('s', {});
  });

  it('Int takes integers within 32 bits, never numeric strings', () => {
    accepts('i', 0);
    accepts('i', -(2 ** 31));
    accepts('i', 2 ** 31 - 1);
    refuses('i', 2 ** 31);
    refuses('i', 1.5);
    refuses('i', '3');
    refuses('i', Number.NaN);
  });

  it('Long takes integers within ±2^53', () => {
    accepts('l', 2 ** 53);
    accepts('l', -(2 ** 53));
    accepts('l', 5_000_000_000n);
    refuses('l', 2 ** 53 + 2);
    refuses('l', 2n ** 60n);
    refuses('l', 0.5);
  });

  it('Float takes finite numbers', () => {
    accepts('f', 1.25);
    accepts('f', -3);
    refuses('f', Number.POSITIVE_INFINITY);
    refuses('f', '1.5');
  });

  it('Boolean takes booleans', () => {
    accepts('b', false);
    refuses('b', 'true');
    refuses('b', 0);
  });

  it('Date takes an ISO string or epoch milliseconds, stored as a date', () => {
    accepts('d', '2024-08-15T14:00:00Z');
    accepts('d', '2024-08-15');
    accepts('d', '2024-08-15T14:00:00.123+02:00');
    accepts('d', 1723730400000);
    accepts('d', new Date(0));
    refuses('d', 'next tuesday');
    refuses('d', '2024-13-45');
    refuses('d', true);
    expect(scalars.validate({ d: '2024-08-15T14:00:00Z' }, 'create').d).toEqual(
      new Date('2024-08-15T14:00:00Z'),
    );
    expect(scalars.validate({ d: 0 }, 'create').d).toEqual(new Date(0));
  });

  it('reads an ISO date-time without a zone as UTC', () => {
    expect(dateOf('2024-08-15T09:00')?.toISOString()).toBe('2024-08-15T09:00:00.000Z');
  });

  it('BigInt takes integer numbers or strings of digits, stored as bigint', () => {
    expect(scalars.validate({ big: '123456789012345678901234567890' }, 'create').big).toBe(
      123456789012345678901234567890n,
    );
    expect(scalars.validate({ big: 42 }, 'create').big).toBe(42n);
    refuses('big', 1.5);
    refuses('big', '12a');
  });

  it('Bytes takes binary data or base64', () => {
    accepts('bytes', new Uint8Array([1, 2]));
    expect([...(scalars.validate({ bytes: 'AQL/' }, 'create').bytes as Uint8Array)]).toEqual([
      1, 2, 255,
    ]);
    refuses('bytes', 'not base64!');
  });

  it('Any takes any storable value, but no non-finite numbers or foreign objects', () => {
    accepts('any', { deep: [1, 'two', { three: null }] });
    refuses('any', { n: Number.NaN });
    refuses('any', new Map());
  });

  it('null passes every type that is not non-null', () => {
    for (const name of ['s', 'i', 'l', 'f', 'b', 'd', 'big', 'bytes', 'any']) accepts(name, null);
  });
});

describe('records', () => {
  it('reports every problem of a record at once, with paths into nested values', () => {
    expect(
      problems(author, {
        name: 7,
        email: 'x@example.com',
        address: { street: 1, geo: { lat: 'north', lng: 1 } },
        previousAddresses: [{ city: 'Paris' }, { city: null }],
        tags: ['a', null],
        rating: '4.5',
      }),
    ).toEqual([
      'name: must be a string (String), got number 7',
      'address.street: must be a string (String), got number 1',
      'address.geo.lat: must be a finite number (Float), got the string "north"',
      'address.city: is required',
      'previousAddresses[1].city: must not be null (String!)',
      'tags[1]: must not be null',
      'rating: must be a finite number (Float), got the string "4.5"',
    ]);
  });

  it('requires non-null attributes on create and replace, not on patch', () => {
    expect(problems(author, {}, 'create')).toEqual(['name: is required']);
    expect(problems(author, {}, 'replace')).toEqual(['name: is required']);
    expect(problems(author, { bio: 'x' }, 'patch')).toEqual([]);
    expect(problems(author, { name: null }, 'patch')).toEqual(['name: must not be null (String!)']);
  });

  it('refuses undeclared attributes on a sealed table, nested ones included', () => {
    expect(
      problems(author, { name: 'A', nickname: 'x', address: { city: 'Oslo', floor: 3 } }),
    ).toEqual([
      'nickname: is not declared by Author, which is @sealed',
      'address.floor: is not declared by Address (Author is @sealed)',
    ]);
  });

  it('keeps undeclared attributes of an open table as they are', () => {
    expect(product.validate({ name: 'Pen', colour: 'blue', dims: { w: 1 } }, 'create')).toEqual({
      name: 'Pen',
      colour: 'blue',
      dims: { w: 1 },
    });
  });

  it('refuses writing relationship attributes', () => {
    expect(problems(post, { title: 'T', author: { id: 1 }, tags: [] })).toEqual([
      'author: is a relationship, computed when read, and cannot be written; write authorId instead',
      'tags: is a relationship, computed when read, and cannot be written; write tagIds instead',
    ]);
  });

  it('drops client values for server-set timestamps', () => {
    expect(
      post.validate({ title: 'T', createdAt: 'yesterday', updatedAt: 'never' }, 'create'),
    ).toEqual({
      title: 'T',
    });
  });

  it('checks a primary key given on create, and ignores one on replace and patch', () => {
    expect(problems(counter, { id: 'seven', value: 1 }, 'create')).toEqual([
      'id: must be an integer within 32 bits (Int), got the string "seven"',
    ]);
    expect(problems(product, { id: '' }, 'create')).toEqual([
      'id: must not be empty, since it is the primary key',
    ]);
    expect(problems(product, { id: 'x'.repeat(2000) }, 'create')).toHaveLength(1);
    expect(problems(counter, { id: 'seven', value: 1 }, 'replace')).toEqual([]);
  });

  it('refuses an indexed string too long for an index', () => {
    expect(problems(product, { name: 'x'.repeat(5000) })).toEqual([
      'name: is indexed and longer than the 1900 bytes an index holds',
    ]);
    expect(problems(product, { description: 'x'.repeat(5000) })).toEqual([]);
  });

  it('refuses values nested too deeply to store and the __proto__ name', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(problems(product, { deep })).toHaveLength(1);
    expect(problems(product, JSON.parse('{"__proto__": {"polluted": true}}'))).toEqual([
      '__proto__: is a reserved name and cannot be an attribute',
    ]);
  });

  it('refuses a body that is not an object', () => {
    expect(problems(product, [1, 2])).toEqual([': must be a record (an object), got a list']);
    expect(problems(product, 'text')).toHaveLength(1);
  });

  it('throws one VALIDATION_FAILED 400 listing the problems, nothing else', () => {
    let error: unknown;
    try {
      author.validate({ name: 1, rating: 'x' }, 'create');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ClientError);
    const clientError = error as ClientError;
    expect(clientError.status).toBe(400);
    expect(clientError.code).toBe('VALIDATION_FAILED');
    expect(clientError.message).toBe(
      'Invalid record: name must be a string (String), got number 1 (and 1 more problem)',
    );
    expect(clientError.details.problems).toHaveLength(2);
  });
});
