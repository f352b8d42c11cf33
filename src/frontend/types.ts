/** The front end's public shapes: what goes in (schema files) and what comes out (a schema or diagnostics). */
import type { SchemaMeta } from '../../templates/runtime/meta.js';

export interface SchemaSource {
  /** The path as the user gave it; diagnostics repeat it verbatim. */
  readonly path: string;
  readonly text: string;
}

export interface Diagnostic {
  readonly path: string;
  /** One-based. */
  readonly line: number;
  /** One-based, in UTF-16 code units (what graphql-js counts). */
  readonly column: number;
  /** What is wrong and how to fix it. */
  readonly message: string;
  /** The rule that found it (`syntax` for graphql-js parse errors). */
  readonly rule: string;
  /** Something the schema's author should know that does not stop generation. */
  readonly warning?: true;
}

export type LoadResult =
  | {
      readonly ok: true;
      readonly schema: SchemaMeta;
      /** What generation accepted but the author should know (arguments that mean nothing here). */
      readonly warnings: readonly Diagnostic[];
    }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };
