/** `npm run examples`: regenerates every committed example from its fixture. */
import { main } from '../src/cli.js';
import { exampleArgs, EXAMPLES } from './exampleList.js';

let failed = false;
for (const example of EXAMPLES) {
  if ((await main(exampleArgs(example))) !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
