import path from 'node:path';
import { CONFIG_VARIABLES } from '../templates/runtime/config.js';
import type { SchemaMeta } from '../templates/runtime/meta.js';
import type { FileMap } from './emit/fileMap.js';
import { emitServer } from './emit/server.js';
import type { FormatCache, FormatOptions } from './format/format.js';
import { formatFiles } from './format/format.js';
import type { Diagnostic, SchemaSource } from './frontend/index.js';
import { loadSchema } from './frontend/index.js';
import { PACKAGE_JSON } from './packageRoot.js';
import { loadClientTemplates, loadProjectTemplates, loadRuntime } from './templates.js';

export interface GenerateOptions {
  /** Name of the generated package (its package.json `name`). */
  readonly packageName?: string;
  /** Scaffold files the user deleted (from `deletedScaffolds` of the output directory): not imported. */
  readonly deletedScaffolds?: ReadonlySet<string>;
  /**
   * What an earlier generation's formatting left (`openFormatCache` of the output directory): files whose
   * unformatted text has not changed since are taken from it instead of being formatted again (same bytes).
   */
  readonly formatCache?: FormatCache;
  /** How formatting is spread and shortened (threads, shapes); by default chosen by the amount of work. */
  readonly format?: FormatOptions;
}

export type GenerateResult =
  | {
      readonly ok: true;
      readonly schema: SchemaMeta;
      readonly files: FileMap;
      /** The schema's warnings (`codegen` prints them; they stop nothing). */
      readonly warnings: readonly Diagnostic[];
    }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export const DEFAULT_PACKAGE_NAME = 'codegen-server';

/** Versions the generated server pins: the same ones this repository builds and tests with. */
function dependencyVersions(): Record<string, string> {
  return { ...PACKAGE_JSON.dependencies, ...PACKAGE_JSON.devDependencies };
}

/** Schema sources → formatted files of a generated server (or the schema's diagnostics). */
export async function generate(
  sources: readonly SchemaSource[],
  options: GenerateOptions = {},
): Promise<GenerateResult> {
  const loaded = loadSchema(sources);
  if (!loaded.ok) return loaded;
  const files = emitServer(loaded.schema, {
    sources: [...new Set(sources.map((source) => path.basename(source.path)))].sort(),
    runtime: await loadRuntime(),
    client: await loadClientTemplates(),
    versions: dependencyVersions(),
    packageName: options.packageName ?? DEFAULT_PACKAGE_NAME,
    configVariables: CONFIG_VARIABLES,
    templates: await loadProjectTemplates(),
    deletedScaffolds: options.deletedScaffolds,
  });
  return {
    ok: true,
    schema: loaded.schema,
    warnings: loaded.warnings,
    files: await formatFiles(files, options.formatCache, options.format),
  };
}
