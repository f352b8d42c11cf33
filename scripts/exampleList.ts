/** The fixtures whose generated servers are committed under `generated-examples/`. */
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/packageRoot.js';

export interface Example {
  readonly name: string;
  /** The fixture's directory: every schema file in it is part of the schema. */
  readonly fixture: string;
  readonly out: string;
  /** The generated package's name: the output directory's name, codegen's default. */
  readonly packageName: string;
}

export const EXAMPLES: readonly Example[] = ['calendar', 'kitchen-sink', 'shop'].map((name) => ({
  name,
  fixture: path.join(PACKAGE_ROOT, 'fixtures', name),
  out: path.join(PACKAGE_ROOT, 'generated-examples', name),
  packageName: name,
}));

/** The command-line arguments that generate an example (with `--check` for a check). */
export function exampleArgs(example: Example, ...extra: string[]): string[] {
  return [example.fixture, '-o', example.out, ...extra];
}
