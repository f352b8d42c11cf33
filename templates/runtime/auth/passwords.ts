/**
 * Password hashing with scrypt (`node:crypto`), a memory-hard function: guessing passwords from a
 * stolen hash costs an attacker as much memory per guess as it costs the server per login.
 *
 * A hash is stored as a self-describing string in the PHC style,
 * `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64 without padding), so that the parameters can be
 * raised later: every stored hash is checked with the parameters it was made with.
 *
 * Each computation holds about 32 MiB for some 50-100 ms, so a burst of logins could exhaust the
 * server's memory. A `PasswordHasher` therefore runs a bounded number of them at once and queues a
 * bounded number more; beyond that a call fails at once with `PasswordCheckBusyError` (503).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';

/** Thrown when too many password computations are running and waiting already (503). */
export class PasswordCheckBusyError extends Error {
  constructor() {
    super('Too many password checks are in progress; try again shortly');
    this.name = 'PasswordCheckBusyError';
  }
}

/** Limits of one hasher. */
export interface PasswordHasherOptions {
  /** Computations running at once; default `Math.max(2, os.availableParallelism())`. */
  readonly concurrency?: number;
  /** Calls waiting for a free computation; more fail with `PasswordCheckBusyError`. Default 256. */
  readonly queueLimit?: number;
}

/** The parameters of a scrypt computation, as stored in an encoded hash. */
interface ScryptParameters {
  /** log2 of the cost N. */
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/** An encoded hash taken apart. */
interface ParsedHash extends ScryptParameters {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Parameters of new hashes: N = 2^15, r = 8 takes 32 MiB (128 * N * r bytes). */
const PARAMETERS: ScryptParameters = { ln: 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Longest accepted password, in UTF-8 bytes: scrypt's work grows with it, so it is bounded. */
export const MAX_PASSWORD_BYTES = 1024;

/** Ranges of stored parameters; a hash outside them is treated as malformed. */
const LN_RANGE = [10, 20] as const;
const R_RANGE = [1, 32] as const;
const P_RANGE = [1, 16] as const;
/**
 * Most memory one stored hash may ask for. The ranges above allow up to 4 GiB (ln=20, r=32), which
 * a few concurrent logins could not get; a hash asking for more than this is treated as malformed.
 */
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;
/** Lengths of stored salts and hashes, in bytes, that are accepted. */
const SALT_BYTE_RANGE = [8, 64] as const;
const HASH_BYTE_RANGE = [16, 64] as const;

const DEFAULT_QUEUE_LIMIT = 256;

const ENCODED =
  /^\$scrypt\$ln=([1-9]\d?),r=([1-9]\d?),p=([1-9]\d?)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * A hash that no password matches in practice (random salt and hash bytes, default parameters):
 * `verifyUnknown` checks against it, so that it costs exactly what checking a real user costs.
 */
const DUMMY_HASH =
  '$scrypt$ln=15,r=8,p=1$9Rr5bnmIpIHvJ2Jz4c2Jmw$3hzvBFM3Gv0YVwq9D7kT3tqgFbQ8bLdAq2fQZGUZ1yc';

/** Hashes and checks passwords, running at most `concurrency` scrypt computations at once. */
export class PasswordHasher {
  readonly #concurrency: number;
  readonly #queueLimit: number;
  /** Computations running now. */
  #running = 0;
  /** Calls waiting for a computation slot, first come first served. */
  readonly #waiting: (() => void)[] = [];

  constructor(options: PasswordHasherOptions = {}) {
    const concurrency = options.concurrency ?? Math.max(2, availableParallelism());
    const queueLimit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(
        `The concurrency of password checks must be a positive integer, not ${concurrency}.`,
      );
    }
    if (!Number.isInteger(queueLimit) || queueLimit < 0) {
      throw new RangeError(
        `The queue limit of password checks must be a non-negative integer, not ${queueLimit}.`,
      );
    }
    this.#concurrency = concurrency;
    this.#queueLimit = queueLimit;
  }

  /**
   * The encoded hash of a new password, with a fresh random salt. Refuses (RangeError) an empty
   * password and one longer than `MAX_PASSWORD_BYTES`; rejects with `PasswordCheckBusyError` when
   * the hasher is saturated.
   */
  async hash(password: string): Promise<string> {
    const bytes = passwordBytes(password);
    if (bytes === undefined) {
      throw new RangeError(
        password.length === 0
          ? 'A password must not be empty.'
          : `A password must not be longer than ${MAX_PASSWORD_BYTES} bytes (UTF-8).`,
      );
    }
    const salt = randomBytes(SALT_BYTES);
    const hash = await this.#compute(bytes, salt, PARAMETERS, KEY_BYTES);
    const { ln, r, p } = PARAMETERS;
    return `$scrypt$ln=${ln},r=${r},p=${p}$${base64(salt)}$${base64(hash)}`;
  }

  /**
   * Whether `password` is the one `encoded` was made from. A malformed encoded hash, an empty
   * password and one that is too long are simply not a match (false): stored data never makes this
   * throw. Rejects with `PasswordCheckBusyError` when the hasher is saturated.
   */
  async verify(password: string, encoded: string): Promise<boolean> {
    const bytes = passwordBytes(password);
    const parsed = parseHash(encoded);
    if (bytes === undefined || parsed === undefined) return false;
    const hash = await this.#compute(bytes, parsed.salt, parsed, parsed.hash.length);
    return timingSafeEqual(hash, parsed.hash);
  }

  /**
   * Spends the work of a real check and answers false: the login of a user who does not exist takes
   * as long as one with a wrong password, so that timing does not tell which user names exist.
   */
  async verifyUnknown(password: string): Promise<false> {
    await this.verify(password, DUMMY_HASH);
    return false;
  }

  /** Runs one scrypt computation once a slot is free. */
  async #compute(
    password: Buffer,
    salt: Buffer,
    parameters: ScryptParameters,
    keyLength: number,
  ): Promise<Buffer> {
    await this.#acquire();
    try {
      return await scryptAsync(password, salt, parameters, keyLength);
    } finally {
      this.#release();
    }
  }

  /** Takes a computation slot, waiting in line for one when all are busy. */
  async #acquire(): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running++;
      return;
    }
    if (this.#waiting.length >= this.#queueLimit) throw new PasswordCheckBusyError();
    // The slot is handed over by `#release`, which leaves `#running` as it is.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the slot to the first waiting call, or frees it. */
  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#running--;
    else next();
  }
}

/** The hasher behind `hashPassword`, `verifyPassword` and `verifyUnknown`. */
export const defaultPasswordHasher = new PasswordHasher();

/** `PasswordHasher.hash` of the default hasher. */
export function hashPassword(password: string): Promise<string> {
  return defaultPasswordHasher.hash(password);
}

/** `PasswordHasher.verify` of the default hasher. */
export function verifyPassword(password: string, encoded: string): Promise<boolean> {
  return defaultPasswordHasher.verify(password, encoded);
}

/** `PasswordHasher.verifyUnknown` of the default hasher. */
export function verifyUnknown(password: string): Promise<false> {
  return defaultPasswordHasher.verifyUnknown(password);
}

/**
 * The bytes hashed for a password: its UTF-8 encoding after Unicode normalisation (NFC), so that
 * the same password typed on systems that compose accents differently matches. Undefined for an
 * empty password and one longer than `MAX_PASSWORD_BYTES`.
 */
function passwordBytes(password: string): Buffer | undefined {
  // Every UTF-16 unit takes at least one UTF-8 byte: a longer string is refused before the work of
  // normalising it.
  if (password.length === 0 || password.length > MAX_PASSWORD_BYTES) return undefined;
  const bytes = Buffer.from(password.normalize('NFC'), 'utf8');
  return bytes.length > MAX_PASSWORD_BYTES ? undefined : bytes;
}

/** An encoded hash taken apart, or undefined when it is malformed or its parameters are refused. */
function parseHash(encoded: string): ParsedHash | undefined {
  const match = ENCODED.exec(encoded);
  if (match === null) return undefined;
  const [, lnText = '', rText = '', pText = '', saltText = '', hashText = ''] = match;
  const ln = Number(lnText);
  const r = Number(rText);
  const p = Number(pText);
  if (!within(ln, LN_RANGE) || !within(r, R_RANGE) || !within(p, P_RANGE)) return undefined;
  if (memoryBytes({ ln, r, p }) > MAX_MEMORY_BYTES) return undefined;
  const salt = unbase64(saltText);
  const hash = unbase64(hashText);
  if (salt === undefined || hash === undefined) return undefined;
  if (!within(salt.length, SALT_BYTE_RANGE) || !within(hash.length, HASH_BYTE_RANGE))
    return undefined;
  return { ln, r, p, salt, hash };
}

function within(value: number, [low, high]: readonly [number, number]): boolean {
  return value >= low && value <= high;
}

/** Memory a scrypt computation takes, as OpenSSL counts it against `maxmem`. */
function memoryBytes({ ln, r, p }: ScryptParameters): number {
  return 128 * r * (2 ** ln + p + 2);
}

function scryptAsync(
  password: Buffer,
  salt: Buffer,
  parameters: ScryptParameters,
  keyLength: number,
): Promise<Buffer> {
  const { ln, r, p } = parameters;
  // `maxmem` is what these parameters need plus a margin (Node's default of 32 MiB is just short
  // of what N = 2^15, r = 8 takes); `parseHash` has bounded it already.
  const maxmem = memoryBytes(parameters) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N: 2 ** ln, r, p, maxmem }, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}

/** Base64 without padding. */
function base64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

/** The bytes of unpadded base64 text, or undefined when it is not the canonical form of any. */
function unbase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return base64(bytes) === text ? bytes : undefined;
}
