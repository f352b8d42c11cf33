/**
 * The query language's grammar and values, row by row of contract section 5, and every error
 * with the exact character it points at.
 */
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../../templates/runtime/errors.js';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import { parseQuery } from '../../../templates/runtime/query/index.js';
import type { Query } from '../../../templates/runtime/query/types.js';
import { attribute as a, table } from '../fixtures/meta.js';
import { calendarSchema, kitchenSinkSchema } from '../fixtures/schemas.js';
import { describeCondition, describeSelection } from './describe.js';
import { tableOf } from './stores.js';

/** A table whose attribute names collide with the language's reserved words. */
const oddSchema: SchemaMeta = {
  tables: [
    table('Odd', [
      a('id', 'ID', { primaryKey: true }),
      a('lt', 'String'),
      a('sort', 'String'),
      a('value', 'Int', { indexed: true }),
    ]),
  ],
  objectTypes: [],
};

function parse(raw: string, tableName = 'Post', schema: SchemaMeta = kitchenSinkSchema): Query {
  return parseQuery(raw, { schema, table: tableOf(schema, tableName) });
}

function condition(
  raw: string,
  tableName = 'Post',
  schema: SchemaMeta = kitchenSinkSchema,
): string {
  return describeCondition(parse(raw, tableName, schema).conditions);
}

function failure(
  raw: string,
  tableName = 'Post',
  schema: SchemaMeta = kitchenSinkSchema,
): ClientError {
  try {
    parse(raw, tableName, schema);
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error(`'${raw}' parsed without an error`);
}

describe('5.1 conditions', () => {
  it.each([
    ['title=abc', 'title eq "abc"'],
    ['title==abc', 'title eq "abc"'],
    ['title==abc*', 'title sw "abc"'],
    ['title==abc%2A', 'title eq "abc*"'],
    ['title=abc*', 'title eq "abc*"'],
    ['title!=abc', 'title ne "abc"'],
    ['views<5', 'views lt 5'],
    ['views<=5', 'views le 5'],
    ['views>5', 'views gt 5'],
    ['views>=5', 'views ge 5'],
    ['views%3C5', 'views lt 5'],
    ['views%3E%3D5', 'views ge 5'],
    ['views%3C=5', 'views le 5'],
    ['title%3D%3Dabc', 'title eq "abc"'],
    ['title===abc', 'title eq "abc"'],
    ['title!==abc', 'title ne "abc"'],
    ['views=eq=5', 'views eq 5'],
    ['views=ne=5', 'views ne 5'],
    ['views=lt=5', 'views lt 5'],
    ['views=le=5', 'views le 5'],
    ['views=gt=5', 'views gt 5'],
    ['views=ge=5', 'views ge 5'],
    ['views=lte=5', 'views le 5'],
    ['views=gte=5', 'views ge 5'],
    ['title=sw=ab', 'title sw "ab"'],
    ['title=ew=yz', 'title ew "yz"'],
    ['title=ct=mn', 'title ct "mn"'],
    ['views=in=(1,2,3)', 'views in (1,2,3)'],
    ['views=out=(1,2)', 'views out (1,2)'],
    ['title=in=()', 'title in ()'],
    ['title=in=(a%2Cb,c)', 'title in ("a,b","c")'],
    ['views=gt=1&=lt=5', 'views between (1,5)'],
    ['views=gt=1&lt=5', 'views between (1,5)'],
    ['views=gt=1&le=5', 'views between (1,5]'],
    ['views=lt=5&=ge=1', 'views between [1,5)'],
    ['views=ge=1&le=5&published=true', 'and(views between [1,5], published eq true)'],
    ['views=gte=1&lte=5', 'views between [1,5]'],
    ['views>1&<5', 'views between (1,5)'],
    ['views=gt=1&views=lt=5', 'and(views gt 1, views lt 5)'],
    ['title=a|title=b', 'or(title eq "a", title eq "b")'],
    ['views=gt=1&lt=5|views=9', 'or(views between (1,5), views eq 9)'],
    ['(title=a|title=b)&views=1', 'and(or(title eq "a", title eq "b"), views eq 1)'],
    ['[title=a|title=b]&views=1', 'and(or(title eq "a", title eq "b"), views eq 1)'],
    [
      'views=1&(title=a|[title=b&published=true])',
      'and(views eq 1, or(title eq "a", and(title eq "b", published eq true)))',
    ],
    ['((views=1))', 'views eq 1'],
    ['author.name=Alice', 'author.name eq "Alice"'],
    ['tags.label==x', 'tags.label eq "x"'],
    ['author.posts.title=x', 'author.posts.title eq "x"'],
    ['views=1&', 'views eq 1'],
    ['&views=1&&published=true', 'and(views eq 1, published eq true)'],
    ['', ''],
  ])('%s → %s', (raw, expected) => {
    expect(condition(raw)).toBe(expected);
  });

  it('follows paths into nested objects', () => {
    expect(condition('address.city=Paris', 'Author')).toBe('address.city eq "Paris"');
    expect(condition('previousAddresses.geo.lat=gt=1.5', 'Author')).toBe(
      'previousAddresses.geo.lat gt 1.5',
    );
    expect(condition('address==null', 'Author')).toBe('address eq null');
  });

  it('knows which relationship each hop of a path takes', () => {
    const query = parse('author.posts.title=x');
    const comparison = query.conditions;
    expect(comparison?.kind).toBe('comparison');
    if (comparison?.kind !== 'comparison') return;
    expect(
      comparison.hops.map((hop) => `${hop.from.name}.${hop.attribute.name}→${hop.to.name}`),
    ).toEqual(['Post.author→Author', 'Author.posts→Post']);
    expect(comparison.target.attribute.name).toBe('title');
  });

  it('marks conditions on the primary key', () => {
    const query = parse('id=5', 'Author');
    expect(describeCondition(query.conditions)).toBe('id eq 5');
    expect(query.conditions?.kind === 'comparison' && query.conditions.target.isKey).toBe(true);
  });
});

describe('5.2 calls and reserved parameters', () => {
  it.each([
    ['select(title)', 'value:title'],
    ['select(title,)', 'object:title'],
    ['select(title,views)', 'object:title,views'],
    ['select([title,views])', 'array:title,views'],
    ['select(*)', 'object:*'],
    ['select(*,author)', 'object:*,author'],
    ['select($id)', 'value:$id'],
    ['select($id,$updatedtime)', 'object:$id,$updatedtime'],
    ['select(author{name,posts{title}})', 'value:author{name,posts{title}}'],
    ['select(title,author{name})', 'object:title,author{name}'],
    ['select(title%2Cviews)', 'object:title,views'],
    ['select(author%7Bname%7D)', 'value:author{name}'],
  ])('%s → %s', (raw, expected) => {
    expect(describeSelection(parse(raw).select)).toBe(expected);
  });

  it('selects nested object attributes and undeclared attributes of open tables', () => {
    expect(describeSelection(parse('select(address{city,geo{lat}})', 'Author').select)).toBe(
      'value:address{city,geo{lat}}',
    );
    expect(describeSelection(parse('select(extra,title)').select)).toBe('object:extra,title');
  });

  it.each([
    ['sort(title)', ['+title']],
    ['sort(+title,-views)', ['+title', '-views']],
    ['sort=title,-views', ['+title', '-views']],
    ['sort(%2Btitle)', ['+title']],
    ['sort=-views', ['-views']],
    ['sort(author.name)', ['+author.name']],
  ])('%s', (raw, expected) => {
    expect(parse(raw).sort.map((key) => `${key.descending ? '-' : '+'}${key.path}`)).toEqual(
      expected,
    );
  });

  it.each([
    ['limit(5)', 0, 5],
    ['limit(5,15)', 5, 10],
    ['limit(3,3)', 3, 0],
    ['limit=20', 0, 20],
    ['limit=20&offset=40', 40, 20],
    ['offset=10', 10, null],
    ['limit(5)&offset=10', 10, 5],
    ['', 0, null],
  ])('%s → offset %s, limit %s', (raw, offset, limit) => {
    const query = parse(raw);
    expect([query.offset, query.limit]).toEqual([offset, limit]);
  });

  it('takes calls and parameters anywhere at the top level', () => {
    const query = parse('select(title)&views=1&sort(views)&limit(2)&published=true');
    expect(describeCondition(query.conditions)).toBe('and(views eq 1, published eq true)');
    expect(describeSelection(query.select)).toBe('value:title');
    expect(query.limit).toBe(2);
    expect(describeCondition(parse('views=1|views=2&limit(5)').conditions)).toBe(
      'or(views eq 1, views eq 2)',
    );
    expect(describeCondition(parse('limit(5)&views=1|views=2').conditions)).toBe(
      'or(views eq 1, views eq 2)',
    );
  });

  it('lets a declared attribute win over a reserved parameter or a range word', () => {
    const user = parse('timezone=America/New_York', 'User', calendarSchema);
    expect(describeCondition(user.conditions)).toBe('timezone eq "America/New_York"');
    expect(user.timezone).toBeNull();
    expect(parse('timezone=America/New_York', 'Event', calendarSchema).timezone).toBe(
      'America/New_York',
    );
    const odd = parse('sort=x&value=gt=1&lt=5', 'Odd', oddSchema);
    expect(describeCondition(odd.conditions)).toBe('and(sort eq "x", value gt 1, lt eq "5")');
    expect(odd.sort).toEqual([]);
  });

  it('canonicalizes the time zone', () => {
    expect(parse('timezone=america/new_york', 'Event', calendarSchema).timezone).toBe(
      'America/New_York',
    );
    expect(parse('timezone=UTC', 'Event', calendarSchema).timezone).toBe('UTC');
  });
});

describe('5.3 values', () => {
  it.each([
    ['title==null', 'title eq null'],
    ['title=null', 'title eq "null"'],
    ['views==null', 'views eq null'],
    ['views!=null', 'views ne null'],
    ['title==number:5', 'title eq "5"'],
    ['views==number:5', 'views eq 5'],
    ['views==string:5', 'views eq 5'],
    ['published==boolean:TRUE', 'published eq true'],
    ['title==string:null', 'title eq "null"'],
    ['title==string:a%20b', 'title eq "a b"'],
    ['title==abc:def', 'title eq "abc:def"'],
    ['title==http://x', 'title eq "http://x"'],
    ['title=a%26b', 'title eq "a&b"'],
    ['title=a%7Cb', 'title eq "a|b"'],
    ['title=%28x%29', 'title eq "(x)"'],
    ['title=%3D', 'title eq "="'],
    ['title=caf%C3%A9', 'title eq "café"'],
    ['title=a+b', 'title eq "a+b"'],
    ['title=123', 'title eq "123"'],
    ['title=', 'title eq ""'],
    ['views=1e3', 'views eq 1000'],
    ['views=-5', 'views eq -5'],
    ['score=1.5', 'score eq 1.5'],
    ['published=TRUE', 'published eq true'],
    ['published=False', 'published eq false'],
    ['createdAt=gte=2024-08-15', 'createdAt ge "2024-08-15"'],
    ['updatedAt=gte=2024-08-15', 'updatedAt ge 1723680000000'],
    ['title==date:2024-08-15', 'title eq @1723680000000'],
  ])('%s → %s', (raw, expected) => {
    expect(condition(raw)).toBe(expected);
  });

  it.each([
    ['id=5', 'id eq 5'],
    ['joined=2024-08-15', 'joined eq 1723680000000'],
    ['joined=2024-08-15T04:00:00Z', 'joined eq 1723694400000'],
    ['joined=2024-08-15T00:00:00-04:00', 'joined eq 1723694400000'],
    ['joined=2024-08-15T09:00', 'joined eq 1723712400000'],
    ['joined=1723680000000', 'joined eq 1723680000000'],
    ['joined==date:2024-08-15', 'joined eq 1723680000000'],
    ['followers=12345678901234567890', 'followers eq 12345678901234567890n'],
    ['settings==5', 'settings eq 5'],
    ['settings=5', 'settings eq "5"'],
    ['settings==true', 'settings eq true'],
    ['settings==abc', 'settings eq "abc"'],
    ['created=gte=2024-08-15', 'created ge 1723680000000'],
    ['tags=x', 'tags eq "x"'],
  ])('Author: %s → %s', (raw, expected) => {
    expect(condition(raw, 'Author')).toBe(expected);
  });
});

describe('5.5 time zones', () => {
  it.each([
    // Midnight in New York is 04:00 UTC in August.
    [
      'joined=ge=2024-08-15&timezone=America/New_York',
      'Author',
      kitchenSinkSchema,
      'joined ge 1723694400000',
    ],
    [
      'timezone=America/New_York&joined=ge=2024-08-15',
      'Author',
      kitchenSinkSchema,
      'joined ge 1723694400000',
    ],
    [
      'joined=ge=2024-08-15T00:00:00Z&timezone=America/New_York',
      'Author',
      kitchenSinkSchema,
      'joined ge 1723680000000',
    ],
    [
      'startTime=gte=2024-08-15&timezone=America/New_York',
      'Event',
      calendarSchema,
      'startTime ge @1723694400000',
    ],
    [
      'startTime=gte=2024-08-15T00:00:00Z&timezone=America/New_York',
      'Event',
      calendarSchema,
      'startTime ge "2024-08-15T00:00:00Z"',
    ],
    [
      'startTime=gte=string:2024-08-15&timezone=America/New_York',
      'Event',
      calendarSchema,
      'startTime ge "2024-08-15"',
    ],
    // 09:00 in Paris in summer is 07:00 UTC.
    [
      'timezone=Europe/Paris&startTime=gte=2024-08-15T09:00',
      'Event',
      calendarSchema,
      'startTime ge @1723705200000',
    ],
    // Starts-with compares strings, whatever the zone.
    [
      'timezone=Europe/Paris&startTime=sw=2024-08-15',
      'Event',
      calendarSchema,
      'startTime sw "2024-08-15"',
    ],
    // A range with one zone-less bound: the other bound is read as an instant too, if it is a date-time.
    [
      'timezone=America/New_York&startTime=gt=2024-08-15&lt=2024-08-16T00:00:00Z',
      'Event',
      calendarSchema,
      'startTime between (@1723694400000,@1723766400000)',
    ],
    [
      'timezone=America/New_York&startTime=gt=2024-08-15&lt=zzz',
      'Event',
      calendarSchema,
      'startTime between ("2024-08-15T04:00:00.000Z","zzz")',
    ],
  ])('%s', (raw, tableName, schema, expected) => {
    expect(condition(raw, tableName, schema)).toBe(expected);
  });

  it('reads wall times around daylight saving changes', () => {
    // 02:30 does not exist in New York on 2024-03-10: it is read as 03:30 EDT (07:30 UTC).
    expect(condition('joined=2024-03-10T02:30&timezone=America/New_York', 'Author')).toBe(
      `joined eq ${Date.UTC(2024, 2, 10, 7, 30)}`,
    );
    // 01:30 happens twice on 2024-11-03: the earlier one (EDT, 05:30 UTC).
    expect(condition('joined=2024-11-03T01:30&timezone=America/New_York', 'Author')).toBe(
      `joined eq ${Date.UTC(2024, 10, 3, 5, 30)}`,
    );
    // East of UTC as well: 01:30 twice in Paris on 2024-10-27, the earlier at 23:30 UTC the day before.
    expect(condition('joined=2024-10-27T02:30&timezone=Europe/Paris', 'Author')).toBe(
      `joined eq ${Date.UTC(2024, 9, 27, 0, 30)}`,
    );
  });
});

describe('5.4 errors', () => {
  it.each([
    ['views=1&(title=a', 'QUERY_SYNTAX', 8],
    ['title=a&(', 'QUERY_SYNTAX', 8],
    ['views=1)', 'QUERY_SYNTAX', 7],
    ['(views=1]', 'QUERY_SYNTAX', 8],
    ['title=a&views=1|published=true', 'QUERY_SYNTAX', 15],
    ['title=a|limit(5)', 'QUERY_SYNTAX', 7],
    ['(title=a&limit(5))', 'QUERY_SYNTAX', 9],
    ['(title=a&sort=x)', 'QUERY_SYNTAX', 9],
    ['title=xy=z', 'QUERY_SYNTAX', 5],
    ['title=a=b', 'QUERY_SYNTAX', 5],
    ['title==a=b', 'QUERY_SYNTAX', 8],
    ['title=a(b)', 'QUERY_SYNTAX', 7],
    ['title', 'QUERY_SYNTAX', 5],
    ['title!x', 'QUERY_SYNTAX', 6],
    ['=lt=5', 'QUERY_SYNTAX', 0],
    ['(title=a)&=lt=5', 'QUERY_SYNTAX', 10],
    ['title=a&=lt=5', 'QUERY_SYNTAX', 8],
    ['views=gt=1&=gt=5', 'QUERY_SYNTAX', 11],
    ['views=gt=1&=lt=5&=ne=3', 'QUERY_SYNTAX', 17],
    ['views=in=1,2', 'QUERY_SYNTAX', 9],
    ['views=in=(1,2', 'QUERY_SYNTAX', 9],
    ['title=in=(a,b]', 'QUERY_SYNTAX', 9],
    ['foo(x)', 'QUERY_SYNTAX', 0],
    ['select()', 'QUERY_SYNTAX', 0],
    ['select(title', 'QUERY_SYNTAX', 12],
    ['select(title)&select(views)', 'QUERY_SYNTAX', 14],
    ['select($nope)', 'QUERY_SYNTAX', 7],
    ['select(title.x)', 'QUERY_SYNTAX', 7],
    ['limit(5)&limit=3', 'QUERY_SYNTAX', 9],
    ['limit(a)', 'QUERY_SYNTAX', 6],
    ['limit(5,2)', 'QUERY_SYNTAX', 0],
    ['limit=-1', 'QUERY_SYNTAX', 6],
    ['offset=1&limit(1,2)', 'QUERY_SYNTAX', 0],
    ['sort()', 'QUERY_SYNTAX', 0],
    ['sort(title,)', 'QUERY_SYNTAX', 11],
    ['title=a&sort==x', 'QUERY_SYNTAX', 8],
    ['views=1&timezone=America/New_York&timezone=UTC', 'QUERY_SYNTAX', 34],
    ['title=a%2', 'QUERY_SYNTAX', 7],
    ['title=%FF', 'QUERY_SYNTAX', 6],
    ['%zz=1', 'QUERY_SYNTAX', 0],
    ['views=1||views=2', 'QUERY_SYNTAX', 8],
    ['timezone=Mars/Base', 'QUERY_INVALID_VALUE', 9],
    ['nope=1', 'QUERY_UNKNOWN_ATTRIBUTE', 0],
    ['views=1&author.nope=1', 'QUERY_UNKNOWN_ATTRIBUTE', 8],
    ['Title=abc', 'QUERY_UNKNOWN_ATTRIBUTE', 0],
    ['sort(nope)', 'QUERY_UNKNOWN_ATTRIBUTE', 5],
    ['author=1', 'QUERY_UNSUPPORTED', 0],
    ['views=sw=1', 'QUERY_UNSUPPORTED', 0],
    ['views=1.5', 'QUERY_INVALID_VALUE', 6],
    ['views=abc', 'QUERY_INVALID_VALUE', 6],
    ['views=null', 'QUERY_INVALID_VALUE', 6],
    ['views=99999999999', 'QUERY_INVALID_VALUE', 6],
    ['views=gt=1&=lt=', 'QUERY_INVALID_VALUE', 15],
    ['views=gt=null', 'QUERY_INVALID_VALUE', 9],
    ['views==number:abc', 'QUERY_INVALID_VALUE', 7],
    ['score=abc', 'QUERY_INVALID_VALUE', 6],
    ['published=yes', 'QUERY_INVALID_VALUE', 10],
  ])('%s → %s at %i', (raw, code, position) => {
    const error = failure(raw);
    expect({ status: error.status, code: error.code, position: error.details.position }).toEqual({
      status: 400,
      code,
      position,
    });
  });

  it.each([
    ['joined=2024-13-01', 'QUERY_INVALID_VALUE', 7],
    ['joined=2024-02-30', 'QUERY_INVALID_VALUE', 7],
    ['joined=date:2024-08-15', 'QUERY_INVALID_VALUE', 7],
    ['avatar=abc', 'QUERY_INVALID_VALUE', 7],
    ['select(nope)', 'QUERY_UNKNOWN_ATTRIBUTE', 7],
    ['sort(address)', 'QUERY_UNSUPPORTED', 5],
    ['posts.title=sw=x&address.nope=1', 'QUERY_UNKNOWN_ATTRIBUTE', 17],
    ['select(id{x})', 'QUERY_SYNTAX', 7],
  ])('Author: %s → %s at %i', (raw, code, position) => {
    const error = failure(raw, 'Author');
    expect({ code: error.code, position: error.details.position }).toEqual({ code, position });
  });

  it('says what is wrong in words a person can act on', () => {
    expect(failure('nope=1').message).toBe(
      "Post has no attribute 'nope'; its attributes are: id, title, body, authorId, author, tagIds, tags, published, views, score, createdAt, updatedAt",
    );
    expect(failure('nope=1').details).toMatchObject({
      attribute: 'nope',
      table: 'Post',
      attributes: expect.arrayContaining(['title', 'views']),
    });
    expect(failure('views=abc').message).toBe(
      "The value 'abc' does not fit 'views', which expects Int (an integer)",
    );
    expect(failure('views=abc').details).toMatchObject({
      attribute: 'views',
      value: 'abc',
      expected: 'Int (an integer)',
    });
    expect(failure('title=a&views=1|published=true').message).toContain('at character 15');
    expect(failure('timezone=Mars/Base').message).toContain("There is no time zone 'Mars/Base'");
  });

  describe('limits', () => {
    it('nests groups 32 deep, not 33', () => {
      expect(condition(`${'('.repeat(32)}views=1${')'.repeat(32)}`)).toBe('views eq 1');
      const error = failure(`${'('.repeat(33)}views=1${')'.repeat(33)}`);
      expect([error.code, error.details.position]).toEqual(['QUERY_TOO_COMPLEX', 32]);
    });

    it('takes 1000 terms, not 1001', () => {
      expect(parse(Array.from({ length: 1000 }, () => 'views=1').join('&')).conditions?.kind).toBe(
        'and',
      );
      const error = failure(Array.from({ length: 1001 }, () => 'views=1').join('&'));
      expect([error.code, error.details.position]).toEqual(['QUERY_TOO_COMPLEX', 8000]);
    });

    it('takes 1000 list values, not 1001', () => {
      const list = (length: number) =>
        Array.from({ length }, (_, index) => String(index)).join(',');
      expect(parse(`views=in=(${list(1000)})`).conditions).not.toBeNull();
      const raw = `views=in=(${list(1001)})`;
      const error = failure(raw);
      expect([error.code, error.details.position]).toEqual([
        'QUERY_TOO_COMPLEX',
        raw.lastIndexOf(',') + 1,
      ]);
    });

    it('nests select() 32 deep, not 33', () => {
      const nested = (depth: number): string =>
        depth === 1 ? 'title' : `author{posts{${nested(depth - 2)}}}`;
      expect(parse(`select(${nested(31)})`).select).not.toBeNull();
      expect(failure(`select(${nested(33)})`).code).toBe('QUERY_TOO_COMPLEX');
    });
  });
});

describe('the parsed query', () => {
  it('is frozen', () => {
    const query = parse('views=1&select(title)&sort(title)');
    expect(Object.isFrozen(query)).toBe(true);
    expect(Object.isFrozen(query.conditions)).toBe(true);
    expect(Object.isFrozen(query.sort)).toBe(true);
  });
});
