/** How long the generator takes on a large schema: a full generation, then `--check` of its output. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codegen } from './codegenCli.js';
import { syntheticSchema } from './syntheticSchema.js';

export interface GeneratorFigures {
  readonly tables: number;
  /** Wall time of `codegen schema.graphql -o out`, node's start-up included, as a user sees it. */
  readonly generate_ms: number;
  /** Wall time of `codegen schema.graphql -o out --check` on the fresh output. */
  readonly check_ms: number;
  /** Whether `--check` found the fresh output up to date (exit 0), as it must. */
  readonly check_clean: boolean;
}

export async function measureGenerator(repoRoot: string, tables: number): Promise<GeneratorFigures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'codegen-bench-generator-'));
  try {
    const schema = path.join(dir, 'schema.graphql');
    await writeFile(schema, syntheticSchema(tables));
    const out = path.join(dir, 'server');
    const generated = await codegen(repoRoot, [schema, '-o', out]);
    if (generated.exitCode !== 0) {
      throw new Error(
        `the generator failed on the synthetic ${tables}-table schema (exit ${generated.exitCode}):\n${generated.output.slice(0, 4000)}`,
      );
    }
    const checked = await codegen(repoRoot, [schema, '-o', out, '--check']);
    return {
      tables,
      generate_ms: Math.round(generated.milliseconds),
      check_ms: Math.round(checked.milliseconds),
      check_clean: checked.exitCode === 0,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
