/**
 * What the compiler accepts and refuses of the typed query builder and the generated client
 * (contract section 14). `tsc -p tsconfig.test.json` checks this file: every `@ts-expect-error`
 * line must be an error (an unused one is an error itself), and every `expectTypeOf` must hold.
 * The types are the committed kitchen-sink example's: its client (`client/src/`) and its server's
 * `Database`, whose hooks' `tables.<T>.search(…)` take the same builder. The values are declared,
 * not made, so the checks are never run: `checked` only hands them to the compiler (what they
 * compile to, and what the server reads, is `test/runtime/query/builder.test.ts`).
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  Author,
  Client,
  Descriptors,
  Post,
  Selected,
  SubscriptionEvent,
} from '../../generated-examples/kitchen-sink/client/src/index.js';
import type { Database } from '../../generated-examples/kitchen-sink/src/database.js';
import type { ReadTables } from '../../generated-examples/kitchen-sink/src/runtime/hooks.js';
import type { Query } from '../../generated-examples/kitchen-sink/client/src/builder.js';

declare const client: Client<Descriptors>;
declare const posts: Query<Descriptors['Post']>;
declare const authors: Query<Descriptors['Author']>;
declare const tables: ReadTables<Database>;

/** Type-checks `checks` without running them (the values above exist only for the compiler). */
function checked(checks: () => void): void {
  expectTypeOf(checks).toBeFunction();
}

describe('conditions', () => {
  it('take the operators and values of each attribute type', () => {
    checked(() => {
      posts.where('views', 'lt', 10);
      posts.where('views', 'between', { ge: 1, lt: 10 });
      posts.where('views', 'in', [1, 2, null]);
      posts.where('title', 'sw', 'A');
      posts.where('title', 'ct', 'x');
      posts.where('status', 'eq', 'DRAFT');
      posts.where('history', 'in', ['DRAFT', 'PUBLISHED']);
      posts.where('published', 'eq', true);
      posts.where('tagIds', 'eq', 't1');
      posts.where('score', 'eq', null);
      authors.where('joined', 'ge', new Date());
      authors.where('joined', 'ge', '2024-08-15');
      authors.where('followers', 'gt', 10n);
      authors.where('settings', 'eq', 'anything');
      authors.where('address.city', 'sw', 'Lon');
      authors.where('address.geo.lat', 'gt', 1);
      authors.where('address', 'eq', null);
      authors.where('avatar', 'ne', null);
      posts.where('author.name', 'eq', 'Ada');
      posts.where('tags.label', 'ct', 'x');
      authors.where('posts.author.address.city', 'eq', 'Paris');
      posts.where((c) =>
        c.or(c('views', 'lt', 1), c.and(c('title', 'sw', 'a'), c('published', 'eq', false))),
      );
    });
  });

  it('refuse a wrong operator for the type', () => {
    checked(() => {
      // @ts-expect-error numbers have no starts-with
      posts.where('views', 'sw', 1);
      // @ts-expect-error booleans have no order
      posts.where('published', 'lt', true);
      // @ts-expect-error dates have no contains
      authors.where('joined', 'ct', '2024');
      // @ts-expect-error Bytes compare with null only
      authors.where('avatar', 'eq', 'AAAA');
      // @ts-expect-error a nested object compares with null only
      authors.where('address', 'lt', 1);
      // @ts-expect-error inside a group too
      posts.where((c) => c.or(c('views', 'ew', 1)));
    });
  });

  it('refuse a wrong value type', () => {
    checked(() => {
      // @ts-expect-error views is a number
      posts.where('views', 'eq', '10');
      // @ts-expect-error not one of the enum's values
      posts.where('status', 'eq', 'DELETED');
      // @ts-expect-error an element of the list, not the list
      posts.where('tagIds', 'eq', ['t1']);
      // @ts-expect-error in takes a list
      posts.where('views', 'in', 1);
      // @ts-expect-error a range has one lower and one upper bound
      posts.where('views', 'between', { gt: 1, ge: 2, lt: 3 });
      // @ts-expect-error a range needs an upper bound
      posts.where('views', 'between', { gt: 1 });
      // @ts-expect-error order comparisons take no null
      posts.where('views', 'lt', null);
    });
  });

  it('refuse an unknown attribute or path', () => {
    checked(() => {
      // @ts-expect-error no such attribute
      posts.where('nope', 'eq', 1);
      // @ts-expect-error a relationship is no attribute of its own
      posts.where('author', 'eq', null);
      // @ts-expect-error no such attribute of the related table
      posts.where('author.nope', 'eq', 1);
      // @ts-expect-error sort keys are paths too
      posts.sort('-nope');
    });
  });
});

describe('select', () => {
  it('narrows the answer type to the selection, through relationships', () => {
    checked(() => {
      const _narrowed = posts.select('id', 'views', { author: ['name'], tags: ['label'] });
      type Shape = typeof _narrowed extends Query<Descriptors['Post'], infer R> ? R : never;
      expectTypeOf<Shape>().toEqualTypeOf<{
        id: string;
        views?: number | null;
        author?: { name: string };
        tags?: { label: string }[];
      }>();
      type Whole = Selected<Descriptors['Post'], ['author']>;
      expectTypeOf<Whole>().toEqualTypeOf<{ author?: Author }>();
      expectTypeOf(client.tables.Post.query((q) => q.select('title'))).resolves.toEqualTypeOf<
        { title: string }[]
      >();
      expectTypeOf(client.tables.Post.query()).resolves.toEqualTypeOf<Post[]>();
      expectTypeOf(
        client.tables.Author.query((q) => q.select({ posts: ['title', { tags: ['label'] }] })),
      ).resolves.toEqualTypeOf<{ posts?: { title: string; tags?: { label: string }[] }[] }[]>();
    });
  });

  it('refuses selecting an unknown field', () => {
    checked(() => {
      // @ts-expect-error no such attribute
      posts.select('nope');
      // @ts-expect-error no such relationship
      posts.select({ nope: ['id'] });
      // @ts-expect-error no such attribute of the related table
      posts.select({ author: ['nope'] });
      // @ts-expect-error an empty selection
      posts.select();
    });
  });
});

describe('the client', () => {
  it('types records by their wire form, and keys by the key type', () => {
    checked(() => {
      expectTypeOf(client.tables.Author.get(1)).resolves.toEqualTypeOf<Author | undefined>();
      expectTypeOf<Author['joined']>().toEqualTypeOf<string | null | undefined>();
      expectTypeOf<Author['created']>().toEqualTypeOf<number>();
      // @ts-expect-error Author's key is a number
      void client.tables.Author.get('1');
      // @ts-expect-error the server sets timestamps: a sealed table's body has no place for them
      void client.tables.Author.create({ name: 'Ada', created: 1 });
      void client.tables.Author.create({ name: 'Ada', joined: new Date(), followers: 1n });
      // @ts-expect-error Author is @sealed: no undeclared attributes
      void client.tables.Author.create({ name: 'Ada', nickname: 'A' });
    });
  });

  it('types subscription events by the query', () => {
    checked(() => {
      client.tables.Post.subscribe(
        (q) => q.where('views', 'gt', 1).select('title'),
        (event) => {
          expectTypeOf(event).toEqualTypeOf<SubscriptionEvent<{ title: string }, string>>();
          if (event.type === 'put') expectTypeOf(event.value).toEqualTypeOf<{ title: string }>();
        },
      );
      client.tables.Author.subscribe(1, (event) => {
        if (event.type === 'put') expectTypeOf(event.id).toEqualTypeOf<number>();
      });
    });
  });
});

describe("hooks' search on the server", () => {
  it('takes the same builder, checked against the stored records', () => {
    checked(() => {
      void tables.Post.search((q) => q.where('views', 'lt', 10).sort('title').limit(5));
      void tables.Post.search('views=lt=10');
      // @ts-expect-error numbers have no starts-with on the server either
      void tables.Post.search((q) => q.where('views', 'sw', 1));
      // @ts-expect-error the server's relationships are checked too
      void tables.Post.search((q) => q.where('author.nope', 'eq', 1));
      // A hook may follow a relationship into a table without @export (clients cannot).
      void tables.Session.search((q) => q.where('authorId', 'eq', 1));
    });
  });
});
