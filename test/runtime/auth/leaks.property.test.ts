/**
 * A property of the whole server (contract section 12): for random roles (a row rule and hidden
 * attributes per table), random records and random requests of every kind a client can make, no
 * answer and no event sent to the role holds a value its rules hide from it.
 *
 * Every value the role may not see is marked: attributes it may not read hold `HIDDEN…`, and every
 * other text of a record it may not see holds `INVISIBLE…`. An answer that holds either word is a
 * leak, whatever path it took (a list, a count, a relationship resolved by `select()`, a condition
 * through a relationship, an attribute URL, a description, a subscription). A condition that names
 * a marked value must match nothing, or be refused: otherwise it tells the role the value exists.
 *
 * The seed is logged; `LEAKS_SEED=<seed>` replays a run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolesConfig, RowRule } from '../../../templates/runtime/auth/roles.js';
import { runServer, type RunningServer } from '../../../templates/runtime/main.js';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import { loadFixtureSchema } from '../../helpers/fixtureSchema.js';
import { EventStreamReader } from '../../helpers/realtimeClient.js';

const RUNS = 12;
const SEED = process.env.LEAKS_SEED === undefined ? Date.now() : Number(process.env.LEAKS_SEED);
const ADMIN = `Basic ${Buffer.from('admin:admin-Pass-1').toString('base64')}`;
const VIEWER = `Basic ${Buffer.from('viewer:viewer-Pass-1').toString('base64')}`;
const USERS = ['u0', 'u1', 'u2', 'u3', 'u4'];

/** What one run's role may see. */
interface Scenario {
  /** Users whose records, events they organize and availability the role may see. */
  readonly allowed: readonly string[];
  /** Per table: whether reads are ruled (false: every record is visible). */
  readonly ruled: {
    readonly User: boolean;
    readonly Event: boolean;
    readonly Availability: boolean;
  };
  readonly hidden: {
    readonly User: readonly string[];
    readonly Event: readonly string[];
    readonly Availability: readonly string[];
  };
  /** Events: organizer, attendees. */
  readonly events: readonly { readonly organizer: string; readonly attendees: readonly string[] }[];
  readonly requests: readonly string[];
}

const HIDEABLE = {
  User: ['email', 'name', 'timezone'],
  Event: ['title', 'status', 'startTime'],
  Availability: ['startTime', 'endTime'],
} as const;

function subset<T>(values: readonly T[]): fc.Arbitrary<T[]> {
  return fc.subarray([...values]);
}

const REQUESTS = fc.constantFrom(
  '/User/',
  '/User/?select(id,name,email)',
  '/User/?sort(name)',
  '/User/u0',
  '/User/u1.name',
  '/User/u2?select(name)',
  '/User',
  '/Event/',
  '/Event/?select(id,organizer{name,email},attendees{*})',
  '/Event/?select(id,title,organizer)',
  '/Event/e0.organizer',
  '/Event/e1.attendees',
  '/Event/e2?select(title,attendees{name})',
  '/Event/?organizer.name=INVISIBLE-name-u0',
  '/Event/?organizer.name=INVISIBLE-name-u3',
  '/Event/?attendees.name=INVISIBLE-name-u4',
  '/Event/?organizer.name=visible-name-u1&select(id)',
  '/Event/?title=INVISIBLE-title-e0',
  '/Event/?title=INVISIBLE-title-e1&select(id)',
  '/Event/?organizer.email=INVISIBLE-email-u2&select(id)',
  '/Availability/?startTime=INVISIBLE-startTime-a1&select(id)',
  '/Event/?status=HIDDEN-status-e1',
  '/Event/?sort(title)&limit(2)',
  '/Event',
  '/Availability/',
  '/Availability/?dayOfWeek=gt=1&select(userId,startTime)',
  '/Availability/a0',
  '/Availability',
);

const SCENARIO: fc.Arbitrary<Scenario> = fc.record({
  allowed: subset(USERS),
  ruled: fc.record({ User: fc.boolean(), Event: fc.boolean(), Availability: fc.boolean() }),
  hidden: fc.record({
    User: subset(HIDEABLE.User),
    Event: subset(HIDEABLE.Event),
    Availability: subset(HIDEABLE.Availability),
  }),
  events: fc.array(fc.record({ organizer: fc.constantFrom(...USERS), attendees: subset(USERS) }), {
    minLength: 3,
    maxLength: 6,
  }),
  requests: fc.array(REQUESTS, { minLength: 8, maxLength: 16 }),
});

/** Text of attribute `name` of a record: marked when the role may not see it. */
function text(hidden: readonly string[], visible: boolean, name: string, id: string): string {
  if (hidden.includes(name)) return `HIDDEN-${name}-${id}`;
  return `${visible ? 'visible' : 'INVISIBLE'}-${name}-${id}`;
}

function roles(scenario: Scenario): RolesConfig<unknown> {
  const allowed = new Set(scenario.allowed);
  const rule =
    (owner: string): RowRule<Record<string, unknown>> =>
    (record) =>
      allowed.has(String(record[owner]));
  const attributes = (names: readonly string[]) =>
    Object.fromEntries(names.map((name) => [name, { read: false }]));
  return {
    superUser: 'admin',
    roles: {
      viewer: {
        tables: {
          User: {
            read: scenario.ruled.User ? rule('id') : true,
            attributes: attributes(scenario.hidden.User),
          },
          Event: {
            read: scenario.ruled.Event ? rule('organizerId') : true,
            attributes: attributes(scenario.hidden.Event),
          },
          Availability: {
            read: scenario.ruled.Availability ? rule('userId') : true,
            attributes: attributes(scenario.hidden.Availability),
          },
        },
      },
    },
  };
}

describe('no answer or event holds what the rules hide', () => {
  let schema: SchemaMeta;
  beforeAll(async () => {
    schema = await loadFixtureSchema('calendar');
    console.log(`leaks property: seed ${SEED} (LEAKS_SEED=${SEED} replays it)`);
  });

  let running: RunningServer | undefined;
  let dataDir: string | undefined;
  const stop = async (): Promise<void> => {
    await running?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    running = undefined;
    dataDir = undefined;
  };
  afterAll(stop);

  it('for random roles, records and requests', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(SCENARIO, async (scenario) => {
        await stop();
        dataDir = mkdtempSync(path.join(tmpdir(), 'auth-leaks-'));
        running = await runServer(schema, {
          env: {
            PORT: '0',
            HOST: '127.0.0.1',
            DATA_DIR: dataDir,
            AUTHORIZE_LOCAL: 'false',
            SUPER_USER: 'admin',
            SUPER_USER_PASSWORD: 'admin-Pass-1',
          },
          handleSignals: false,
          log: () => {},
          roles: roles(scenario),
        });
        const url = running.url;
        const send = async (method: string, where: string, body: unknown): Promise<void> => {
          const response = await fetch(`${url}${where}`, {
            method,
            headers: { Authorization: ADMIN, 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          });
          expect(response.status, `${method} ${where}`).toBeLessThan(300);
        };
        await send('POST', '/auth/users', {
          username: 'viewer',
          password: 'viewer-Pass-1',
          role: 'viewer',
        });
        const allowed = new Set(scenario.allowed);
        const userVisible = (id: string): boolean => !scenario.ruled.User || allowed.has(id);
        const eventVisible = (organizer: string): boolean =>
          !scenario.ruled.Event || allowed.has(organizer);
        const slotVisible = (user: string): boolean =>
          !scenario.ruled.Availability || allowed.has(user);
        const users = USERS.map((id) => {
          const visible = userVisible(id);
          const attribute = (name: string) => text(scenario.hidden.User, visible, name, id);
          return {
            id,
            name: attribute('name'),
            email: attribute('email'),
            timezone: attribute('timezone'),
          };
        });
        await send('POST', '/User/', users);
        const events = scenario.events.map((event, i) => {
          const id = `e${i}`;
          const visible = eventVisible(event.organizer);
          const attribute = (name: string) => text(scenario.hidden.Event, visible, name, id);
          return {
            id,
            organizerId: event.organizer,
            attendeeIds: event.attendees,
            title: attribute('title'),
            status: attribute('status'),
            startTime: attribute('startTime'),
          };
        });
        await send('POST', '/Event/', events);
        const slots = USERS.map((user, i) => {
          const id = `a${i}`;
          const visible = slotVisible(user);
          return {
            id,
            userId: user,
            dayOfWeek: i,
            startTime: text(scenario.hidden.Availability, visible, 'startTime', id),
            endTime: text(scenario.hidden.Availability, visible, 'endTime', id),
          };
        });
        await send('POST', '/Availability/', slots);

        // A subscription open while the records change: every event passes the rules too.
        const stream = new EventStreamReader(`${url}/Event/`, 'text/event-stream', {
          Authorization: VIEWER,
        });
        const streamed = await stream.ready;
        expect(streamed.statusCode).toBe(200);

        for (const where of scenario.requests) {
          const response = await fetch(`${url}${where}`, {
            headers: { Authorization: VIEWER, Prefer: 'count=exact' },
          });
          const body = await response.text();
          expect([200, 403, 404], `${where}: ${body}`).toContain(response.status);
          expect(body, where).not.toMatch(/HIDDEN|INVISIBLE/);
          if (response.status === 200) answered++;
          // A condition naming a value the role may not see matches nothing (or is refused).
          if (response.status === 200 && /HIDDEN|INVISIBLE/.test(where)) {
            expect(JSON.parse(body), where).toEqual([]);
          }
          // A count counts only what the role may see.
          const range = response.headers.get('content-range');
          if (range !== null && where === '/Event/') {
            const visible = events.filter((event) => eventVisible(event.organizerId)).length;
            expect(range, where).toMatch(new RegExp(`/${visible}$`));
          }
          if (where === '/Event/' && response.status === 200) {
            const ids = (JSON.parse(body) as { id: string }[]).map((event) => event.id).sort();
            const expected = events
              .filter((event) => eventVisible(event.organizerId))
              .map((event) => event.id)
              .sort();
            expect(ids).toEqual(expected);
          }
        }
        // Events move between organizers: into the role's view and out of it.
        for (const [i, event] of events.entries()) {
          const organizer = USERS[(i + 2) % USERS.length]!;
          const visible = eventVisible(organizer);
          await send('PATCH', `/Event/${event.id}`, {
            organizerId: organizer,
            title: text(scenario.hidden.Event, visible, 'title', `${event.id}-moved`),
            status: text(scenario.hidden.Event, visible, 'status', `${event.id}-moved`),
            startTime: text(scenario.hidden.Event, visible, 'startTime', `${event.id}-moved`),
          });
        }
        // A last write that every view hears of, so that every earlier event has arrived.
        await send('POST', '/Event/', {
          id: 'last',
          organizerId: USERS[0],
          title: text(scenario.hidden.Event, eventVisible(USERS[0]!), 'title', 'last'),
          status: text(scenario.hidden.Event, eventVisible(USERS[0]!), 'status', 'last'),
          startTime: text(scenario.hidden.Event, eventVisible(USERS[0]!), 'startTime', 'last'),
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        stream.close();
        expect(JSON.stringify(stream.events)).not.toMatch(/HIDDEN|INVISIBLE/);
        for (const event of stream.events) {
          if (event.type === 'put') {
            expect(event.value).toBeDefined();
          }
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The property is about answers: most requests must have been answered, not refused.
    expect(answered).toBeGreaterThan(RUNS * 3);
  });
});
