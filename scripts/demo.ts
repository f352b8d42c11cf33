/**
 * `npm run demo`: generates the calendar fixture's server into `.demo/calendar`, compiles it, and
 * starts it on http://127.0.0.1:9926 with its data in `.demo/calendar/data`. Ctrl-C stops it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { main as codegen } from '../src/cli.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';

const out = path.join(PACKAGE_ROOT, '.demo', 'calendar');
const port = process.env.PORT ?? '9926';
const host = process.env.HOST ?? '127.0.0.1';

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1)));
  });
}

const generated = await codegen([
  path.join(PACKAGE_ROOT, 'fixtures', 'calendar', 'schema.graphql'),
  '-o',
  out,
  '--name',
  'calendar-demo',
  '--force',
]);
if (generated !== 0) process.exit(generated);

const tsc = path.join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
if ((await run(process.execPath, [tsc, '-p', path.join(out, 'tsconfig.json')], PACKAGE_ROOT)) !== 0)
  process.exit(1);

const base = `http://${host}:${port}`;
console.log(`
The calendar server (generated from fixtures/calendar/schema.graphql into .demo/calendar) is starting.
Try, from another terminal:

  curl ${base}/health
  curl ${base}/Event
  curl -i -X POST ${base}/Event/ -H 'Content-Type: application/json' \\
    -d '{"title":"Product Review","startTime":"2024-08-15T14:00:00Z","endTime":"2024-08-15T15:00:00Z","organizerId":"user123","attendeeIds":["user456","user789"]}'
  curl '${base}/Event/?organizerId=user123&startTime=gte=2024-08-01&sort=startTime'
  curl -N -H 'Accept: text/event-stream' ${base}/Event/

Ctrl-C stops the server.
`);

// The server stops gracefully on SIGINT itself; the demo only waits for it.
process.on('SIGINT', () => {});
const code = await run(process.execPath, ['dist/main.js'], out, {
  ...process.env,
  PORT: port,
  HOST: host,
  DATA_DIR: path.join(out, 'data'),
});
process.exit(code);
