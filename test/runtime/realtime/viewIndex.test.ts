import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchemaMeta, TableMeta } from '../../../templates/runtime/meta.js';
import { parseQuery } from '../../../templates/runtime/query/index.js';
import type { Query } from '../../../templates/runtime/query/types.js';
import {
  equalityOf,
  ViewIndex,
  ViewMembership,
} from '../../../templates/runtime/realtime/viewIndex.js';
import type { StoredValue } from '../../../templates/runtime/store/types.js';
import { assertSyncProperty } from '../../helpers/seed.js';
import { calendarSchema, kitchenSinkSchema } from '../fixtures/schemas.js';

function tableOf(schema: SchemaMeta, name: string): TableMeta {
  const table = schema.tables.find((candidate) => candidate.name === name);
  if (!table) throw new Error(`no table ${name}`);
  return table;
}

const event = tableOf(calendarSchema, 'Event');
const availability = tableOf(calendarSchema, 'Availability');
const author = tableOf(kitchenSinkSchema, 'Author');

function query(table: TableMeta, raw: string, schema: SchemaMeta = calendarSchema): Query {
  return parseQuery(raw, { schema, table });
}

describe('the equality a view is filed under', () => {
  const cases: [TableMeta, string, ReturnType<typeof equalityOf>][] = [
    [event, 'attendeeIds=user123', { attribute: 'attendeeIds', values: ['user123'] }],
    [event, 'status==confirmed&title=sw=Stand', { attribute: 'status', values: ['confirmed'] }],
    [event, 'title=sw=Stand&status=confirmed', { attribute: 'status', values: ['confirmed'] }],
    [
      event,
      '(title=sw=Stand&organizerId=u1)&status=confirmed',
      { attribute: 'organizerId', values: ['u1'] },
    ],
    [
      event,
      'status=in=(confirmed,tentative)',
      { attribute: 'status', values: ['confirmed', 'tentative'] },
    ],
    [event, 'id=e1', { attribute: null, values: ['e1'] }],
    [event, 'status=eq=confirmed&select(id,title)', { attribute: 'status', values: ['confirmed'] }],
    [availability, 'dayOfWeek=3', { attribute: 'dayOfWeek', values: [3] }],
    [availability, 'isAvailable=true', { attribute: 'isAvailable', values: [true] }],
    [event, 'status=confirmed|status=tentative', null],
    [event, 'status!=confirmed', null],
    [event, 'status=out=(confirmed)', null],
    [event, 'status==null', null],
    [event, 'title=sw=Stand', null],
    [event, 'startTime=gte=2024-08-01', null],
    [event, 'organizer.name=Ada', null],
    [event, 'select(id)', null],
  ];
  it.each(cases)('%s ?%s', (table, raw, expected) => {
    expect(equalityOf(query(table, raw))).toEqual(expected);
  });

  it('files a date equality under its epoch milliseconds, as dates are indexed', () => {
    const equality = equalityOf(query(author, 'joined=2024-08-01T00:00:00Z', kitchenSinkSchema));
    expect(equality).toEqual({ attribute: 'joined', values: [Date.parse('2024-08-01T00:00:00Z')] });
  });

  it('does not file views on attributes whose values an index value cannot stand for', () => {
    expect(equalityOf(query(author, 'followers==12', kitchenSinkSchema))).toBeNull();
    expect(equalityOf(query(author, 'address.city==Paris', kitchenSinkSchema))).toBeNull();
  });
});

describe('the view index', () => {
  function candidates(index: ViewIndex<string>, key: string, value: StoredValue): string[] {
    const found = new Set<string>();
    index.forCandidates(key, value, (view) => found.add(view));
    return [...found].sort();
  }

  it('offers a written record only the views filed under its values, and the unfiled ones', () => {
    const index = new ViewIndex<string>();
    index.add('user1', { attribute: 'attendeeIds', values: ['user1'] });
    index.add('user2', { attribute: 'attendeeIds', values: ['user2'] });
    index.add('confirmed', { attribute: 'status', values: ['confirmed'] });
    index.add('either', { attribute: 'status', values: ['confirmed', 'tentative'] });
    index.add('e9', { attribute: null, values: ['e9'] });
    index.add('anything', null);
    expect(
      candidates(index, 'e1', { attendeeIds: ['user1', 'user3'], status: 'tentative' }),
    ).toEqual(['anything', 'either', 'user1']);
    expect(candidates(index, 'e9', { attendeeIds: [] })).toEqual(['anything', 'e9']);
    expect(candidates(index, 'e2', {})).toEqual(['anything']);
  });

  it('forgets a removed view entirely', () => {
    const index = new ViewIndex<string>();
    index.add('a', { attribute: 'status', values: ['x', 'y'] });
    index.add('b', { attribute: null, values: [1] });
    index.add('c', null);
    expect(index.size).toBe(4);
    index.remove('a', { attribute: 'status', values: ['x', 'y'] });
    index.remove('b', { attribute: null, values: [1] });
    index.remove('c', null);
    expect(index.size).toBe(0);
    expect(candidates(index, 'k', { status: 'x' })).toEqual([]);
  });

  it('tracks which views hold a record, and forgets a record no view holds', () => {
    const membership = new ViewMembership<string>();
    membership.add('e1', 'a');
    membership.add('e1', 'b');
    membership.remove('e1', 'a');
    const holders: string[] = [];
    membership.forMembers('e1', (view) => holders.push(view));
    expect(holders).toEqual(['b']);
    membership.remove('e1', 'b');
    expect(membership.size).toBe(0);
  });
});

describe('candidates never miss a matching view', () => {
  const users = ['u1', 'u2', 'u3'];
  const statuses = ['confirmed', 'tentative', 'cancelled'];
  /** A view as written, with its meaning written out by hand (not the engine's matching). */
  interface View {
    readonly raw: string;
    readonly holds: (value: StoredValue) => boolean;
  }
  const attendees = (value: StoredValue): unknown[] =>
    Array.isArray(value['attendeeIds']) ? value['attendeeIds'] : [];
  const condition: fc.Arbitrary<View> = fc.oneof(
    fc.constantFrom(...users).map((user) => ({
      raw: `attendeeIds=${user}`,
      holds: (value: StoredValue) => attendees(value).includes(user),
    })),
    fc.constantFrom(...users).map((user) => ({
      raw: `organizerId==${user}`,
      holds: (value: StoredValue) => value['organizerId'] === user,
    })),
    fc.constantFrom(...statuses).map((status) => ({
      raw: `status=${status}`,
      holds: (value: StoredValue) => value['status'] === status,
    })),
    fc.subarray(statuses, { minLength: 1 }).map((list) => ({
      raw: `status=in=(${list.join(',')})`,
      holds: (value: StoredValue) => list.includes(value['status'] as string),
    })),
    fc.constantFrom(...statuses).map((status) => ({
      raw: `status!=${status}`,
      holds: (value: StoredValue) => value['status'] !== status,
    })),
    fc.constantFrom('A', 'B').map((prefix) => ({
      raw: `title=sw=${prefix}`,
      holds: (value: StoredValue) =>
        typeof value['title'] === 'string' && value['title'].startsWith(prefix),
    })),
    fc
      .constantFrom('e1', 'e2')
      .map((id) => ({ raw: `id=${id}`, holds: (value: StoredValue) => value['id'] === id })),
  );
  const raw: fc.Arbitrary<View> = fc.oneof(
    condition,
    fc.array(condition, { minLength: 2, maxLength: 3 }).map((parts) => ({
      raw: parts.map((part) => part.raw).join('&'),
      holds: (value: StoredValue) => parts.every((part) => part.holds(value)),
    })),
    fc.array(condition, { minLength: 2, maxLength: 3 }).map((parts) => ({
      raw: parts.map((part) => part.raw).join('|'),
      holds: (value: StoredValue) => parts.some((part) => part.holds(value)),
    })),
    fc.tuple(condition, condition, condition).map(([a, b, c]) => ({
      raw: `${a.raw}&(${b.raw}|${c.raw})`,
      holds: (value: StoredValue) => a.holds(value) && (b.holds(value) || c.holds(value)),
    })),
  );
  const record = fc.record(
    {
      attendeeIds: fc.subarray(users),
      organizerId: fc.constantFrom(...users),
      status: fc.constantFrom(...statuses),
      title: fc.constantFrom('Alpha', 'Beta', 'Gamma'),
    },
    { requiredKeys: [] },
  );

  it('holds for random views and records', () => {
    assertSyncProperty(
      'candidates never miss a matching view',
      fc.property(
        fc.array(raw, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('e1', 'e2', 'e3'),
        record,
        (views, key, value) => {
          const index = new ViewIndex<number>();
          const raws = views.map((view) => view.raw);
          const queries = raws.map((text) => query(event, text));
          queries.forEach((view, position) => index.add(position, equalityOf(view)));
          const stored: StoredValue = { id: key, ...value };
          const offered = new Set<number>();
          index.forCandidates(key, stored, (view) => offered.add(view));
          views.forEach((view, position) => {
            if (view.holds(stored)) {
              expect(
                offered.has(position),
                `?${raws[position]} matches ${JSON.stringify(stored)}`,
              ).toBe(true);
            }
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
