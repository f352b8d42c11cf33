import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/** The generator's npm package name (its command is `codegen`). */
export const PACKAGE_NAME = 'harper-schema-codegen';

/** The generator's own package directory, found from this module whether it runs from src/ or dist/. */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (
      existsSync(candidate) &&
      (JSON.parse(readFileSync(candidate, 'utf8')) as PackageJson).name === PACKAGE_NAME
    )
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('codegen: cannot find its own package.json');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();

export const PACKAGE_JSON = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'),
) as PackageJson;

/** The generator's version: recorded in every manifest. */
export const GENERATOR_VERSION = PACKAGE_JSON.version;
