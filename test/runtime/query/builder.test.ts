/**
 * The typed query builder (`templates/runtime/query/builder.ts`, contract section 14): what each
 * call compiles to, pinned table by table, and every compiled query read back by the server's own
 * parser (`parseQuery`) against the kitchen-sink schema, so the server reads what the builder meant
 * (operators, converted values, groups, paths, select, sort, paging, time zone). Also the server's
 * side: a hook's `search` takes a builder. Type-level checks live in `test/types/builder.test.ts`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Descriptors } from '../../../generated-examples/kitchen-sink/src/queries.js';
import type { SchemaMeta, TableMeta } from '../../../templates/runtime/meta.js';
import { Query, queryString } from '../../../templates/runtime/query/builder.js';
import { parseQuery } from '../../../templates/runtime/query/index.js';
import type { Condition, ConditionValue } from '../../../templates/runtime/query/types.js';
import { loadFixtureSchema } from '../../helpers/fixtureSchema.js';

type Post = Descriptors['Post'];
type Author = Descriptors['Author'];

const post = (): Query<Post> => Query.create<Post>();
const author = (): Query<Author> => Query.create<Author>();

let schema: SchemaMeta;
beforeAll(async () => {
  schema = await loadFixtureSchema('kitchen-sink');
});

function table(name: string): TableMeta {
  return schema.tables.find((candidate) => candidate.name === name)!;
}

/** A parsed condition in a form a table can pin: `[path, operator, values]` or `{ and | or: […] }`. */
type Summary =
  | readonly [string, string, readonly ConditionValue[]]
  | { readonly and: readonly Summary[] }
  | { readonly or: readonly Summary[] };

function summary(condition: Condition | null): Summary | null {
  if (condition === null) return null;
  if (condition.kind === 'comparison')
    return [condition.path, condition.operator, condition.values];
  const children = condition.children.map((child) => summary(child)!);
  return condition.kind === 'and' ? { and: children } : { or: children };
}

function parsed(name: string, query: string): ReturnType<typeof parseQuery> {
  return parseQuery(query, { schema, table: table(name), internal: true });
}

describe('conditions compile to the query string and the server reads them back', () => {
  const cases: readonly (readonly [string, Query<Post>, string, Summary])[] = [
    [
      'text equality is strict',
      post().where('title', 'eq', 'Bugs & moths'),
      'title=Bugs%20%26%20moths',
      ['title', 'eq', ['Bugs & moths']],
    ],
    [
      'text that reads as null stays text',
      post().where('title', 'eq', 'null'),
      'title=null',
      ['title', 'eq', ['null']],
    ],
    [
      'text inequality',
      post().where('title', 'ne', 'a(b)'),
      'title!==a%28b%29',
      ['title', 'ne', ['a(b)']],
    ],
    ['null', post().where('score', 'eq', null), 'score==null', ['score', 'eq', [null]]],
    ['not null', post().where('score', 'ne', null), 'score!=null', ['score', 'ne', [null]]],
    ['a number', post().where('views', 'eq', 25), 'views==25', ['views', 'eq', [25]]],
    ['-0 is 0', post().where('score', 'lt', -0), 'score=lt=0', ['score', 'lt', [0]]],
    ['order', post().where('views', 'ge', 10), 'views=ge=10', ['views', 'ge', [10]]],
    [
      'starts with, text that reads as a number',
      post().where('title', 'sw', '42'),
      'title=sw=string:42',
      ['title', 'sw', ['42']],
    ],
    [
      'ends with a star',
      post().where('title', 'ew', 'a*'),
      'title=ew=a%2A',
      ['title', 'ew', ['a*']],
    ],
    [
      'contains a type prefix',
      post().where('title', 'ct', 'date:x'),
      'title=ct=string:date:x',
      ['title', 'ct', ['date:x']],
    ],
    [
      'contains true',
      post().where('body', 'ct', 'true'),
      'body=ct=string:true',
      ['body', 'ct', ['true']],
    ],
    [
      'a list',
      post().where('views', 'in', [1, 2, null]),
      'views=in=(1,2,null)',
      ['views', 'in', [1, 2, null]],
    ],
    [
      'text in a list, with a comma',
      post().where('title', 'out', ['a,b', 'c']),
      'title=out=(a%2Cb,c)',
      ['title', 'out', ['a,b', 'c']],
    ],
    [
      'an enum',
      post().where('status', 'in', ['DRAFT', 'ARCHIVED']),
      'status=in=(DRAFT,ARCHIVED)',
      ['status', 'in', ['DRAFT', 'ARCHIVED']],
    ],
    [
      'a boolean',
      post().where('published', 'eq', true),
      'published==true',
      ['published', 'eq', [true]],
    ],
    [
      'a list attribute takes element conditions',
      post().where('tagIds', 'eq', 't1'),
      'tagIds=t1',
      ['tagIds', 'eq', ['t1']],
    ],
    [
      'a range',
      post().where('views', 'between', { gt: 1, le: 9 }),
      'views=gt=1&=le=9',
      ['views', 'between', [1, 9]],
    ],
    [
      'a relationship path',
      post().where('author.name', 'sw', 'Gr'),
      'author.name=sw=Gr',
      ['author.name', 'sw', ['Gr']],
    ],
    [
      'two hops',
      post().where('author.posts.views', 'gt', 3),
      'author.posts.views=gt=3',
      ['author.posts.views', 'gt', [3]],
    ],
    [
      'conditions one after another',
      post().where('views', 'gt', 1).where('published', 'eq', false),
      'views=gt=1&published==false',
      {
        and: [
          ['views', 'gt', [1]],
          ['published', 'eq', [false]],
        ],
      },
    ],
    [
      'an or group, with an and group and a range inside',
      post().where((c) =>
        c.or(
          c('views', 'lt', 2),
          c.and(c('published', 'eq', true), c('score', 'between', { ge: 1, lt: 2 })),
          c('score', 'between', { gt: 5, lt: 6 }),
        ),
      ),
      '(views=lt=2|(published==true&score=ge=1&=lt=2)|(score=gt=5&=lt=6))',
      {
        or: [
          ['views', 'lt', [2]],
          {
            and: [
              ['published', 'eq', [true]],
              ['score', 'between', [1, 2]],
            ],
          },
          ['score', 'between', [5, 6]],
        ],
      },
    ],
    [
      'a group of one is its condition',
      post().where((c) => c.or(c('views', 'eq', 1))),
      'views==1',
      ['views', 'eq', [1]],
    ],
  ];

  it.each(cases)('%s', (_name, query, expected, meaning) => {
    expect(query.toString()).toBe(expected);
    expect(summary(parsed('Post', expected).conditions)).toEqual(meaning);
  });

  it('sends dates, big integers, Any values and nested paths so the server converts them as meant', () => {
    const cases: readonly (readonly [Query<Author>, string, Summary])[] = [
      [
        author().where('joined', 'ge', new Date('2024-08-15T10:00:00Z')),
        'joined=ge=2024-08-15T10:00:00.000Z',
        ['joined', 'ge', [Date.UTC(2024, 7, 15, 10)]],
      ],
      // The + of an offset becomes %2B: a raw + would survive too, a space would not.
      [
        author().where('joined', 'lt', '2024-08-15T12:00:00+02:00'),
        'joined=lt=2024-08-15T12:00:00%2B02:00',
        ['joined', 'lt', [Date.UTC(2024, 7, 15, 10)]],
      ],
      [
        author().where('joined', 'eq', 1723716000000),
        'joined==1723716000000',
        ['joined', 'eq', [1723716000000]],
      ],
      [
        author().where('followers', 'gt', 12345678901234567890n),
        'followers=gt=12345678901234567890',
        ['followers', 'gt', [12345678901234567890n]],
      ],
      [author().where('settings', 'eq', 5), 'settings==5', ['settings', 'eq', [5]]],
      [author().where('settings', 'eq', '5'), 'settings=5', ['settings', 'eq', ['5']]],
      [author().where('settings', 'lt', '5'), 'settings=lt=string:5', ['settings', 'lt', ['5']]],
      [
        author().where('settings', 'in', ['true', true]),
        'settings=in=(string:true,true)',
        ['settings', 'in', ['true', true]],
      ],
      [
        author().where('address.geo.lat', 'gt', 50.5),
        'address.geo.lat=gt=50.5',
        ['address.geo.lat', 'gt', [50.5]],
      ],
      [author().where('address', 'eq', null), 'address==null', ['address', 'eq', [null]]],
      [author().where('avatar', 'ne', null), 'avatar!=null', ['avatar', 'ne', [null]]],
      [
        author().where('name', 'eq', 'Zoë 😀 #1?'),
        'name=Zo%C3%AB%20%F0%9F%98%80%20%231%3F',
        ['name', 'eq', ['Zoë 😀 #1?']],
      ],
    ];
    for (const [query, expected, meaning] of cases) {
      expect(query.toString()).toBe(expected);
      expect(summary(parsed('Author', expected).conditions)).toEqual(meaning);
    }
    // A zone-less time in the query's time zone: the server reads it there.
    const local = author().where('joined', 'ge', '2024-08-15T09:00').timezone('America/New_York');
    expect(local.toString()).toBe('joined=ge=2024-08-15T09:00&timezone=America%2FNew_York');
    expect(summary(parsed('Author', local.toString()).conditions)).toEqual([
      'joined',
      'ge',
      [Date.UTC(2024, 7, 15, 13)],
    ]);
  });
});

describe('select, sort, limit, offset and timezone compile to calls the server reads', () => {
  it('select() keeps one attribute an object, nests relationship selections, and replaces an earlier one', () => {
    const one = post().select('title');
    expect(one.toString()).toBe('select(title,)');
    expect(parsed('Post', one.toString()).select).toMatchObject({
      kind: 'object',
      items: [{ name: 'title' }],
    });
    const nested = post().select('id', { author: ['name', { posts: ['title'] }], tags: ['label'] });
    expect(nested.toString()).toBe('select(id,author{name,posts{title}},tags{label})');
    expect(parsed('Post', nested.toString()).select).toMatchObject({
      kind: 'object',
      items: [
        { name: 'id' },
        {
          name: 'author',
          nested: {
            items: [{ name: 'name' }, { name: 'posts', nested: { items: [{ name: 'title' }] } }],
          },
        },
        { name: 'tags', nested: { items: [{ name: 'label' }] } },
      ],
    });
    expect(post().select('author').toString()).toBe('select(author,)');
    expect(
      post()
        .select({ author: ['name'] })
        .toString(),
    ).toBe('select(author{name},)');
    expect(post().select('id').select('title').toString()).toBe('select(title,)');
  });

  it('sort() keeps the order and directions of its keys, across calls and through relationships', () => {
    const query = post().sort('-views', 'author.name').sort('+title');
    expect(query.toString()).toBe('sort(-views,author.name,+title)');
    expect(
      parsed('Post', query.toString()).sort.map(({ path, descending }) => [path, descending]),
    ).toEqual([
      ['views', true],
      ['author.name', false],
      ['title', false],
    ]);
  });

  it('limit() and offset() page; timezone() is a reserved parameter', () => {
    const cases: readonly (readonly [Query<Post>, string, number, number | null])[] = [
      [post().limit(10), 'limit(10)', 0, 10],
      [post().offset(5).limit(10), 'limit(5,15)', 5, 10],
      [post().offset(5), 'offset=5', 5, null],
      [post().limit(0), 'limit(0)', 0, 0],
    ];
    for (const [query, expected, offset, limit] of cases) {
      expect(query.toString()).toBe(expected);
      expect(parsed('Post', expected)).toMatchObject({ offset, limit });
    }
    const everything = post()
      .where((c) => c.or(c('views', 'eq', 1), c('views', 'eq', 2)))
      .select('id')
      .sort('views')
      .limit(3)
      .timezone('Europe/Paris');
    expect(everything.toString()).toBe(
      '(views==1|views==2)&select(id,)&sort(views)&limit(3)&timezone=Europe%2FParis',
    );
    expect(parsed('Post', everything.toString())).toMatchObject({
      limit: 3,
      timezone: 'Europe/Paris',
      select: { kind: 'object' },
    });
  });

  it('builders are immutable: each call returns a new query', () => {
    const base = post().where('views', 'gt', 1);
    base.limit(2);
    expect(base.toString()).toBe('views=gt=1');
  });
});

describe('mistakes the compiler cannot see are refused when the query is built', () => {
  it.each([
    [
      'NaN',
      () => post().where('views', 'eq', Number.NaN).toString(),
      /cannot be compared with NaN/,
    ],
    [
      'an invalid date',
      () => author().where('joined', 'lt', new Date('nope')).toString(),
      /invalid Date/,
    ],
    [
      'a range without an upper bound',
      () =>
        post()
          .where('views', 'between', { gt: 1 } as never)
          .toString(),
      /one lower bound/,
    ],
    [
      'null in an order comparison',
      () =>
        post()
          .where('views', 'lt', null as never)
          .toString(),
      /cannot compare with null/,
    ],
    [
      'an empty group',
      () =>
        post()
          .where((c) => c.or())
          .toString(),
      /at least one condition/,
    ],
    ['a negative limit', () => post().limit(-1), /non-negative integer/],
    [
      'a path with a URL character',
      () => post().where('views&x' as 'views', 'eq', 1),
      /attribute path/,
    ],
    ['an unknown operator', () => post().where('views', 'like' as 'eq', 1), /not an operator/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('queryString', () => {
  it('takes a builder, a function of a new builder, or a string', () => {
    expect(queryString(post().where('views', 'eq', 1))).toBe('views==1');
    expect(queryString((q: Query<Post>) => q.where('views', 'eq', 2))).toBe('views==2');
    expect(queryString('views=3')).toBe('views=3');
    expect(queryString(undefined)).toBe('');
    expect(() => queryString(() => 'x')).toThrow(/query builder/);
  });
});
