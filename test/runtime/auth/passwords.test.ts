import { scryptSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  hashPassword,
  MAX_PASSWORD_BYTES,
  PasswordCheckBusyError,
  PasswordHasher,
  verifyPassword,
  verifyUnknown,
} from '../../../templates/runtime/auth/passwords.js';

const ENCODED = /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;

/** Base64 without padding, as the encoded hashes hold it. */
function base64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

/** `encoded` with the character at `index` replaced by another base64 character. */
function flipCharacter(encoded: string, index: number): string {
  const character = encoded[index];
  return encoded.slice(0, index) + (character === 'A' ? 'B' : 'A') + encoded.slice(index + 1);
}

describe('password hashing', () => {
  let hash = '';
  beforeAll(async () => {
    hash = await hashPassword('correct horse battery staple');
  });

  it('encodes the parameters, the salt and the hash', () => {
    expect(hash).toMatch(ENCODED);
  });

  it('accepts the password and refuses others', async () => {
    await expect(verifyPassword('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapl', hash)).resolves.toBe(false);
    await expect(verifyPassword('Correct horse battery staple', hash)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    const again = await hashPassword('correct horse battery staple');
    expect(again).toMatch(ENCODED);
    expect(again).not.toBe(hash);
    expect(again.split('$')[3]).not.toBe(hash.split('$')[3]);
  });

  it('refuses a tampered hash, salt or parameter', async () => {
    const password = 'correct horse battery staple';
    const parts = hash.split('$');
    const saltStart = hash.indexOf(parts[3] ?? '');
    const hashStart = hash.lastIndexOf('$') + 1;
    await expect(verifyPassword(password, flipCharacter(hash, hashStart + 5))).resolves.toBe(false);
    await expect(verifyPassword(password, flipCharacter(hash, saltStart + 5))).resolves.toBe(false);
    await expect(verifyPassword(password, hash.replace('p=1', 'p=2'))).resolves.toBe(false);
  });

  it('answers false for malformed stored hashes without throwing', async () => {
    const [, , , salt = '', digest = ''] = hash.split('$');
    const malformed = [
      '',
      'correct horse battery staple',
      '$scrypt$',
      `$scrypt$ln=15,r=8,p=1$${salt}`,
      `$scrypt$ln=15,r=8,p=1$${salt}$`,
      `$scrypt$ln=15,r=8$${salt}$${digest}`,
      `$scrypt$r=8,ln=15,p=1$${salt}$${digest}`,
      `$scrypt$ln=015,r=8,p=1$${salt}$${digest}`,
      `$scrypt$ln=9,r=8,p=1$${salt}$${digest}`,
      `$scrypt$ln=21,r=8,p=1$${salt}$${digest}`,
      `$scrypt$ln=15,r=0,p=1$${salt}$${digest}`,
      `$scrypt$ln=15,r=33,p=1$${salt}$${digest}`,
      `$scrypt$ln=15,r=8,p=0$${salt}$${digest}`,
      `$scrypt$ln=15,r=8,p=17$${salt}$${digest}`,
      // Within the ranges, but 1 GiB of memory.
      `$scrypt$ln=20,r=8,p=1$${salt}$${digest}`,
      `$scrypt$ln=15,r=8,p=1$${salt}==$${digest}`,
      `$scrypt$ln=15,r=8,p=1$${salt}$${digest}=`,
      // Not canonical: the last character has bits that no byte fills.
      `$scrypt$ln=15,r=8,p=1$${salt}$${digest.slice(0, -1)}B`,
      `$scrypt$ln=15,r=8,p=1$${salt.replace(/./, '-')}$${digest}`,
      `$scrypt$ln=15,r=8,p=1$AAAA$${digest}`,
      `$scrypt$ln=15,r=8,p=1$${salt}$AAAA`,
      `$argon2id$v=19$m=65536,t=3,p=4$${salt}$${digest}`,
      `${hash}\n`,
      ` ${hash}`,
    ];
    // Refused before any work: with one slot and no queue, a second check at the same time would be
    // busy if the first one were computing.
    const hasher = new PasswordHasher({ concurrency: 1, queueLimit: 0 });
    for (const encoded of malformed) {
      const checks = [0, 1].map(() => hasher.verify('correct horse battery staple', encoded));
      await expect(Promise.all(checks)).resolves.toEqual([false, false]);
    }
  });

  it('checks a hash with the parameters it was made with', async () => {
    // Parameters other than today's: what a hash made after they are raised (or lowered) looks like.
    const salt = Buffer.from('0123456789abcdef');
    const digest = scryptSync('hunter2', salt, 32, { N: 2 ** 10, r: 4, p: 2 });
    const encoded = `$scrypt$ln=10,r=4,p=2$${base64(salt)}$${base64(digest)}`;
    await expect(verifyPassword('hunter2', encoded)).resolves.toBe(true);
    await expect(verifyPassword('hunter3', encoded)).resolves.toBe(false);
    await expect(verifyPassword('hunter2', encoded.replace('ln=10', 'ln=11'))).resolves.toBe(false);
  });

  it('refuses to hash an empty or overlong password, and never matches one', async () => {
    await expect(hashPassword('')).rejects.toThrow(RangeError);
    await expect(hashPassword('')).rejects.toThrow('A password must not be empty.');
    await expect(hashPassword('a'.repeat(MAX_PASSWORD_BYTES + 1))).rejects.toThrow(RangeError);
    // 513 characters, but 1026 bytes of UTF-8.
    await expect(hashPassword('é'.repeat(513))).rejects.toThrow(/longer than 1024 bytes/);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
    await expect(verifyPassword('a'.repeat(MAX_PASSWORD_BYTES + 1), hash)).resolves.toBe(false);
  });

  it('accepts a password of exactly the longest length', async () => {
    const longest = 'é'.repeat(MAX_PASSWORD_BYTES / 2);
    const encoded = await hashPassword(longest);
    await expect(verifyPassword(longest, encoded)).resolves.toBe(true);
  });

  it('matches a password however its accents are composed', async () => {
    const encoded = await hashPassword('caf\u00e9');
    await expect(verifyPassword('cafe\u0301', encoded)).resolves.toBe(true);
  });

  it('checks unknown users at the cost of a real check, and never matches', async () => {
    await expect(verifyUnknown('correct horse battery staple')).resolves.toBe(false);
    // The dummy check takes a computation slot: with one slot and no queue, a second call is busy.
    const hasher = new PasswordHasher({ concurrency: 1, queueLimit: 0 });
    const unknown = hasher.verifyUnknown('anything');
    await expect(hasher.verify('correct horse battery staple', hash)).rejects.toThrow(
      PasswordCheckBusyError,
    );
    await expect(unknown).resolves.toBe(false);
  });
});

describe('the bound on concurrent password checks', () => {
  it('queues calls up to the limit in order and refuses more as busy', async () => {
    const hasher = new PasswordHasher({ concurrency: 1, queueLimit: 2 });
    const encoded = await hasher.hash('secret');
    const finished: string[] = [];
    const track = <T>(name: string, promise: Promise<T>): Promise<T> =>
      promise.then((value) => {
        finished.push(name);
        return value;
      });
    const running = track('running', hasher.verify('secret', encoded));
    const first = track('first', hasher.verify('wrong', encoded));
    const second = track('second', hasher.verify('secret', encoded));
    // One running, two waiting: the queue is full.
    const busy = hasher.verify('secret', encoded);
    await expect(busy).rejects.toThrow(PasswordCheckBusyError);
    await expect(busy).rejects.toThrow('Too many password checks are in progress');
    await expect(hasher.hash('secret')).rejects.toThrow(PasswordCheckBusyError);
    expect(await Promise.all([running, first, second])).toEqual([true, false, true]);
    expect(finished).toEqual(['running', 'first', 'second']);
    // The slots were all given back.
    await expect(hasher.verify('secret', encoded)).resolves.toBe(true);
  });

  it('frees the slot of a call that did not compute', async () => {
    const hasher = new PasswordHasher({ concurrency: 1, queueLimit: 0 });
    await expect(hasher.verify('secret', 'not a hash')).resolves.toBe(false);
    await expect(hasher.hash('')).rejects.toThrow(RangeError);
    await expect(hasher.verify('secret', await hasher.hash('secret'))).resolves.toBe(true);
  });

  it('refuses nonsensical limits', () => {
    expect(() => new PasswordHasher({ concurrency: 0 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ concurrency: 1.5 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ queueLimit: -1 })).toThrow(RangeError);
  });
});
