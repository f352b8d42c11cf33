/** Parsing: each schema file through graphql-js, syntax errors turned into diagnostics. */
import { GraphQLError, Kind, Lexer, parse, Source, TokenKind } from 'graphql';
import type { DocumentNode } from 'graphql';
import type { SchemaFile } from './context.js';
import type { Diagnostic, SchemaSource } from './types.js';

export interface ParsedSources {
  /** The files that parsed, in the order given. */
  readonly files: readonly SchemaFile[];
  /** One `syntax` diagnostic per file that did not parse. */
  readonly diagnostics: readonly Diagnostic[];
}

export function parseSources(sources: readonly SchemaSource[]): ParsedSources {
  const files: SchemaFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { path, text } of sources) {
    const source = new Source(text, path);
    try {
      files.push({ path, document: isBlank(source) ? emptyDocument() : parse(source) });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const location = error.locations?.[0] ?? { line: 1, column: 1 };
      diagnostics.push({
        path,
        line: location.line,
        column: location.column,
        message: error.message,
        rule: 'syntax',
      });
    }
  }
  return { files, diagnostics };
}

/** A file of only whitespace and comments declares nothing; graphql-js would call it a syntax error. */
function isBlank(source: Source): boolean {
  try {
    return new Lexer(source).advance().kind === TokenKind.EOF;
  } catch {
    // An invalid character: let the parser report it with its own message.
    return false;
  }
}

function emptyDocument(): DocumentNode {
  return { kind: Kind.DOCUMENT, definitions: [] };
}
