/**
 * Crash safety (contract section 9): a generated server is killed with SIGKILL at random moments
 * while clients write across tables (PUT, PATCH, POST of one record and of an array, DELETE by key
 * and by query); with two workers, first one worker alone, then the whole server. After each kill
 * the store must verify clean (every index matches its table), and after the restart every
 * acknowledged write must be there with its acknowledged value (or the value of the one write
 * still in flight on that key), every acknowledged delete absent, every multi-record transaction
 * whole or absent, and no generated key handed out twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree } from '../../bench/procStats.js';
import { randomIndex, seededRandom, type Random } from '../../bench/random.js';
import { schema } from '../../generated-examples/kitchen-sink/src/schema.js';
import { formatVerifyReport, verifyStore } from '../../templates/runtime/verify.js';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';
import { logSeedOnFailure, TEST_SEED } from '../helpers/seed.js';
import {
  ABSENT,
  present,
  WriteModel,
  type RecordState,
  type RecordValue,
  type TableListing,
} from './writeModel.js';

const ROUNDS = 6;
const CLIENTS = 8;
/** Keys each client rewrites over and over, per table, so that updates and deletes meet. */
const KEYS_PER_CLIENT = 5;
/** The run's seed (`TEST_SEED` replays it; test/helpers/seed.ts), within the range the client keys use. */
const SEED = TEST_SEED % 1_000_000;

/** The exported tables written, with their URL, key attribute and server-set attributes. */
const TABLES = {
  Post: {
    url: '/Post/',
    key: 'id',
    timestamps: ['createdAt', 'updatedAt', 'summary', 'titleLength'],
    nonce: 'body',
  },
  Author: { url: '/authors/', key: 'id', timestamps: ['created', 'updated'], nonce: 'name' },
  Tag: { url: '/Tag/', key: 'id', timestamps: [], nonce: 'label' },
  Counter: { url: '/Counter/', key: 'id', timestamps: ['touchedAt'], nonce: 'value' },
} as const;
type TableName = keyof typeof TABLES;

interface Round {
  readonly url: string;
  /** Set just before the kill: clients stop starting writes. */
  stopping: boolean;
  /** Answers that a correct server never gives these writes (a 4xx, a 5xx). */
  readonly wrongAnswers: string[];
}

/** A write failed on the wire (the server died): it may or may not have committed. */
class Unanswered extends Error {}

async function send(round: Round, method: string, path: string, body?: unknown): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${round.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Unanswered();
  }
  return response;
}

async function expectStatus(
  round: Round,
  response: Response,
  status: number,
  what: string,
): Promise<string> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw new Unanswered();
  }
  if (response.status !== status) {
    round.wrongAnswers.push(`${what}: ${response.status} ${text.slice(0, 300)}`);
    throw new Unanswered();
  }
  return text;
}

/** One client: writes keys only it owns, one write at a time, until the round stops. */
class Client {
  private sequence = 0;

  constructor(
    private readonly index: number,
    private readonly model: WriteModel,
    private readonly random: Random,
    /** Every generated Author key acknowledged so far, across rounds. */
    private readonly authorKeys: {
      highestBeforeRound: number;
      seen: Set<number>;
      reused: string[];
    },
  ) {}

  async run(round: Round): Promise<void> {
    while (!round.stopping) {
      try {
        await this.step(round);
      } catch (error) {
        // The server died under this write, or answered it wrongly: the write stays in flight, and
        // this client stops (a wrong answer fails the round).
        if (error instanceof Unanswered) return;
        throw error;
      }
    }
  }

  private nonce(): string {
    return `c${this.index}-${SEED}-${++this.sequence}`;
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[randomIndex(this.random, items.length)];
  }

  private async step(round: Round): Promise<void> {
    const choice = randomIndex(this.random, 11);
    const postKey = `c${this.index}-p${randomIndex(this.random, KEYS_PER_CLIENT)}`;
    switch (choice) {
      case 0:
      case 1:
        return this.putPost(round, postKey);
      case 2:
        return this.patchPost(round, postKey);
      case 3:
        return this.keyed(round, 'Post', postKey, ABSENT, 'DELETE', undefined, 200);
      case 4:
        return this.postGroupAndDelete(round);
      case 5:
        return this.createAuthor(round);
      case 6:
      case 7:
        return this.changeAuthor(round);
      case 8:
        return this.createTags(round);
      case 9: {
        const tag = this.pick(this.ownKeys('Tag'));
        return tag === undefined
          ? this.createTags(round)
          : this.keyed(round, 'Tag', tag, ABSENT, 'DELETE', undefined, 200);
      }
      default: {
        const key = String(this.index * 100 + randomIndex(this.random, KEYS_PER_CLIENT));
        const value = { id: Number(key), value: randomIndex(this.random, 1_000_000) };
        return this.keyed(
          round,
          'Counter',
          key,
          present(value),
          'PUT',
          { value: value.value },
          204,
        );
      }
    }
  }

  private putPost(round: Round, key: string): Promise<void> {
    const body = {
      title: `title ${this.nonce()}`,
      body: this.nonce(),
      views: randomIndex(this.random, 50),
      tagIds: [`t${randomIndex(this.random, 4)}`, `t${randomIndex(this.random, 4)}`],
      published: this.random() < 0.5,
    };
    return this.keyed(round, 'Post', key, present({ id: key, ...body }), 'PUT', body, 204);
  }

  private patchPost(round: Round, key: string): Promise<void> {
    const current = this.model.state('Post', key);
    // A PATCH that creates a record must hold its required title.
    const patch: Record<string, unknown> = current.present
      ? { views: randomIndex(this.random, 50), published: null }
      : { title: `patched ${this.nonce()}`, tagIds: [] };
    const next = { id: key, ...(current.present ? current.value : {}), ...patch };
    return this.keyed(round, 'Post', key, present(next), 'PATCH', patch, 204);
  }

  /** POST of three posts in one transaction, then DELETE of all three by a query. */
  private async postGroupAndDelete(round: Round): Promise<void> {
    const group = `c${this.index}-g${++this.sequence}`;
    const views = 1_000_000 + this.index * 100_000 + this.sequence;
    const records = [0, 1, 2].map((n) => ({
      id: `${group}-${n}`,
      title: `grouped ${n}`,
      views,
      tagIds: [group],
    }));
    const created = new Map(records.map((record) => [record.id, present(record)]));
    this.model.begin('Post', created, `POST of ${group}`);
    const ids = JSON.parse(
      await expectStatus(round, await send(round, 'POST', '/Post/', records), 201, `POST ${group}`),
    );
    expect(ids).toEqual(records.map((record) => record.id));
    this.model.acknowledge('Post', created);
    if (round.stopping) return;
    const deleted = new Map(records.map((record) => [record.id, ABSENT]));
    this.model.begin('Post', deleted, `DELETE of ${group} by query`);
    await expectStatus(
      round,
      await send(round, 'DELETE', `/Post/?views=${views}`),
      200,
      `DELETE /Post/?views=${views}`,
    );
    this.model.acknowledge('Post', deleted);
  }

  private async createAuthor(round: Round): Promise<void> {
    const name = this.nonce();
    const value = {
      name,
      tags: [`tag${randomIndex(this.random, 5)}`],
      joined: new Date(Date.UTC(2024, randomIndex(this.random, 12), 1)).toISOString(),
      rating: randomIndex(this.random, 10) / 2,
    };
    const create = this.model.beginUnkeyed(
      'Author',
      new Map([[name, value]]),
      `POST of author ${name}`,
    );
    const text = await expectStatus(
      round,
      await send(round, 'POST', '/authors/', value),
      201,
      'POST /authors/',
    );
    const key = JSON.parse(text) as number;
    // Generated keys increase and are never handed out again, across crashes too.
    if (key <= this.authorKeys.highestBeforeRound || this.authorKeys.seen.has(key)) {
      this.authorKeys.reused.push(
        `author key ${key} handed out again (highest before this round: ${this.authorKeys.highestBeforeRound})`,
      );
    }
    this.authorKeys.seen.add(key);
    this.model.acknowledgeUnkeyed(
      'Author',
      create,
      new Map([[String(key), { id: key, ...value }]]),
    );
  }

  private changeAuthor(round: Round): Promise<void> {
    const key = this.pick(this.ownKeys('Author'));
    if (key === undefined) return this.createAuthor(round);
    const current = this.model.state('Author', key);
    if (!current.present) return this.createAuthor(round);
    if (this.random() < 0.3)
      return this.keyed(round, 'Author', key, ABSENT, 'DELETE', undefined, 200);
    const patch = {
      rating: randomIndex(this.random, 10),
      tags: [`tag${randomIndex(this.random, 5)}`, this.nonce()],
    };
    return this.keyed(
      round,
      'Author',
      key,
      present({ ...current.value, ...patch }),
      'PATCH',
      patch,
      204,
    );
  }

  /** POST of two tags in one transaction, with keys the server generates. */
  private async createTags(round: Round): Promise<void> {
    const labels = [this.nonce(), this.nonce()];
    const create = this.model.beginUnkeyed(
      'Tag',
      new Map(labels.map((label) => [label, { label }])),
      `POST of tags ${labels.join(', ')}`,
    );
    const text = await expectStatus(
      round,
      await send(
        round,
        'POST',
        '/Tag/',
        labels.map((label) => ({ label })),
      ),
      201,
      'POST /Tag/',
    );
    const keys = JSON.parse(text) as string[];
    this.model.acknowledgeUnkeyed(
      'Tag',
      create,
      new Map(keys.map((key, i) => [key, { id: key, label: labels[i] }])),
    );
  }

  /** Keys of `table` this client created and that exist. */
  private ownKeys(table: TableName): string[] {
    const mine = `c${this.index}-`;
    return this.model.presentKeys(table).filter((key) => {
      const state = this.model.state(table, key);
      const nonce = state.present ? state.value[TABLES[table].nonce] : undefined;
      return typeof nonce === 'string' && nonce.startsWith(mine);
    });
  }

  /** A write of one record with a known key. */
  private async keyed(
    round: Round,
    table: TableName,
    key: string,
    next: RecordState,
    method: string,
    body: unknown,
    status: number,
  ): Promise<void> {
    const writes = new Map([[key, next]]);
    this.model.begin(table, writes, `${method} ${table} ${key}`);
    const target = `${TABLES[table].url}${encodeURIComponent(key)}`;
    await expectStatus(
      round,
      await send(round, method, target, body),
      status,
      `${method} ${target}`,
    );
    this.model.acknowledge(table, writes);
  }
}

/** Every record of every written table, as the restarted server serves it. */
async function listAll(url: string): Promise<Map<string, TableListing>> {
  const listings = new Map<string, TableListing>();
  for (const [name, table] of Object.entries(TABLES)) {
    const response = await fetch(`${url}${table.url}`);
    expect(response.status).toBe(200);
    const records = new Map<string, RecordValue>();
    for (const record of (await response.json()) as Record<string, unknown>[]) {
      const value: Record<string, unknown> = { ...record };
      for (const timestamp of table.timestamps) delete value[timestamp];
      records.set(String(record[table.key]), value);
    }
    listings.set(name, { records, keyAttribute: table.key, nonceAttribute: table.nonce });
  }
  return listings;
}

describe.each([
  { workers: 1, label: 'a generated server' },
  { workers: 2, label: 'a server of two workers' },
])('$label killed with SIGKILL while clients write', ({ workers }) => {
  let dataDir: string;
  const servers: GeneratedServer[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'codegen-crash-'));
  });
  afterAll(async () => {
    for (const server of servers) await server.crash();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    `loses no acknowledged write and keeps every index consistent (${ROUNDS} crashes, seed ${SEED})`,
    { timeout: 90_000 },
    async () => {
      logSeedOnFailure('the crash test');
      const random = seededRandom(SEED);
      const model = new WriteModel();
      const authorKeys = {
        highestBeforeRound: 0,
        seen: new Set<number>(),
        reused: [] as string[],
      };
      const clients = Array.from(
        { length: CLIENTS },
        (_, i) => new Client(i, model, seededRandom(SEED * 31 + i), authorKeys),
      );

      for (let crash = 1; crash <= ROUNDS + 1; crash++) {
        const server = await startGeneratedServer('kitchen-sink', {
          dataDir,
          env: { WORKERS: String(workers) },
        });
        servers.push(server);
        if (crash > 1) {
          const violations = model.reconcile(await listAll(server.url));
          expect(violations, `after crash ${crash - 1}`).toEqual([]);
          authorKeys.highestBeforeRound = Math.max(
            0,
            ...authorKeys.seen,
            ...model.presentKeys('Author').map(Number),
          );
        }
        if (crash > ROUNDS) {
          expect(await server.stop()).toBe(0);
          break;
        }

        const round: Round = { url: server.url, stopping: false, wrongAnswers: [] };
        const acknowledgedBefore = model.acknowledged;
        const running = clients.map((client) => client.run(round));
        // Let the writes get going, then kill the server wherever it happens to be.
        const wait = 300 + randomIndex(random, 1200);
        if (workers > 1) {
          // First one worker alone: the primary replaces it while the other goes on serving.
          await new Promise((resolve) => setTimeout(resolve, wait / 2));
          const worker = processTree(server.process.pid!)[1 + randomIndex(random, workers)];
          if (worker !== undefined) process.kill(worker, 'SIGKILL');
          await new Promise((resolve) => setTimeout(resolve, wait / 2));
        } else {
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
        round.stopping = true;
        await server.crash();
        await Promise.all(running);

        console.log(
          `crash ${crash}: ${model.acknowledged - acknowledgedBefore} writes acknowledged, ${model.inFlight()} records in flight at the kill`,
        );
        expect(round.wrongAnswers).toEqual([]);
        expect(authorKeys.reused).toEqual([]);
        expect(
          model.acknowledged - acknowledgedBefore,
          'acknowledged writes in this round',
        ).toBeGreaterThan(0);
        const report = await verifyStore(schema, dataDir);
        expect(report.ok, formatVerifyReport(report)).toBe(true);
      }
      // The generated server's own `npm run verify` agrees.
      const verify = await execa('node', ['dist/verify.js', dataDir], {
        cwd: path.join(REPO_ROOT, 'generated-examples', 'kitchen-sink'),
        reject: false,
      });
      expect(verify.exitCode, `${verify.stdout}${verify.stderr}`).toBe(0);
      expect(verify.stdout).toMatch(/: consistent \(5 tables, \d+ records/);
    },
  );
});
