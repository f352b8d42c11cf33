/**
 * `npm run backup` and `npm run restore` (contract section 13), on the committed shop server run
 * as a process: a backup made while clients keep writing holds every write acknowledged before it
 * began; restored into a new data directory, `npm run verify` finds it consistent and a server
 * started on it serves those records. Restoring over a served or a non-empty directory is refused.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startGeneratedServer } from '../helpers/generatedServer.js';

const SHOP = path.join(REPO_ROOT, 'generated-examples', 'shop');

function command(script: string, args: string[], dataDir: string) {
  return execa('node', [`dist/${script}.js`, ...args], {
    cwd: SHOP,
    env: { DATA_DIR: dataDir },
    reject: false,
  });
}

describe('backup and restore of a running server', () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, restores into a consistent store, and refuses to clobber', async () => {
    const server = await startGeneratedServer('shop');
    const work = await mkdtemp(path.join(tmpdir(), 'codegen-backup-'));
    cleanup.push(work, server.dataDir);
    const acknowledged: string[] = [];
    const state = { writing: true };
    let written = 0;
    // Clients keep writing while the backup runs.
    const writer = (async () => {
      while (state.writing) {
        const id = `w${written++}`;
        const response = await fetch(`${server.url}/Product/${id}`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: `Product ${id}`, price: written % 50, inStock: true }),
        });
        if (response.status === 204) acknowledged.push(id);
      }
    })();
    try {
      while (acknowledged.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
      const before = [...acknowledged];
      const file = path.join(work, 'shop.backup');
      const backup = await command('backup', [file], server.dataDir);
      expect(backup.stderr).toBe('');
      expect(backup.stdout).toMatch(/^backed up .* to .*shop\.backup \(\d+ bytes\)$/);
      // Writes went on during the backup.
      const during = acknowledged.length;
      while (acknowledged.length < during + 20)
        await new Promise((resolve) => setTimeout(resolve, 10));
      state.writing = false;
      await writer;

      expect((await command('backup', [file], server.dataDir)).stderr).toContain('exists already');
      // Not over the directory a live server serves.
      const refused = await command('restore', [file, '--force'], server.dataDir);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('is already served by process');

      const restored = path.join(work, 'restored');
      const restore = await command('restore', [file], restored);
      expect(restore).toMatchObject({ exitCode: 0, stderr: '' });
      expect((await command('restore', [file], restored)).stderr).toContain('add --force');
      const verify = await command('verify', [restored], restored);
      expect(verify.exitCode).toBe(0);
      expect(verify.stdout).toContain('consistent');

      const copy = await startGeneratedServer('shop', { dataDir: restored });
      try {
        const ids = new Set(
          (await (await fetch(`${copy.url}/Product/?select(id)`)).json()) as string[],
        );
        for (const id of before) expect(ids.has(id), id).toBe(true);
        // A write made after the backup ended is not in it.
        expect(ids.has(acknowledged.at(-1)!)).toBe(false);
      } finally {
        await copy.stop();
      }
      expect(existsSync(path.join(restored, 'data.mdb'))).toBe(true);
    } finally {
      state.writing = false;
      await writer;
      await server.dispose();
    }
  });
});
