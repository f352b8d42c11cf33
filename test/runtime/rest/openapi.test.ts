/** `GET /openapi` when the server has no document to serve: a 404 that says so, and a log line. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runServer, type RunningServer } from '../../../templates/runtime/main.js';
import { shopSchema } from '../fixtures/schemas.js';

const started: { running: RunningServer; dataDir: string }[] = [];

async function start(openApi?: URL): Promise<{ running: RunningServer; lines: string[] }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'openapi-'));
  const lines: string[] = [];
  const running = await runServer(shopSchema, {
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
    handleSignals: false,
    log: (line) => lines.push(line),
    ...(openApi === undefined ? {} : { openApi }),
  });
  started.push({ running, dataDir });
  return { running, lines };
}

afterEach(async () => {
  for (const { running, dataDir } of started.splice(0)) {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('GET /openapi without a document', () => {
  it('answers 404 NOT_FOUND on a server started without one', async () => {
    const { running } = await start();
    const response = await fetch(`${running.url}/openapi`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('says at start which document it could not read, and answers 404', async () => {
    const missing = pathToFileURL(path.join(tmpdir(), 'no-such-dir-for-codegen', 'openapi.json'));
    const { running, lines } = await start(missing);
    expect(lines.join('\n')).toContain(
      `GET /openapi answers 404: the OpenAPI document ${path.join(tmpdir(), 'no-such-dir-for-codegen', 'openapi.json')} cannot be read`,
    );
    expect((await fetch(`${running.url}/openapi`)).status).toBe(404);
  });
});
