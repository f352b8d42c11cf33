import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../scripts/exampleList.js';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

describe.each(EXAMPLES)('generated-examples/$name', (example) => {
  it('type-checks under its own strict tsconfig', async () => {
    const result = await execa(
      'node',
      [TSC, '--noEmit', '-p', path.join(example.out, 'tsconfig.json')],
      { reject: false, all: true },
    );
    expect(result.all).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
