/**
 * What every validation rule sees: the parsed files, the type definitions indexed by name, and a way to
 * report a diagnostic at a node's location.
 */
import { getLocation, isTypeDefinitionNode, Kind } from 'graphql';
import type { ASTNode, DocumentNode, FieldDefinitionNode, ObjectTypeDefinitionNode } from 'graphql';
import { fieldsOf, isTable } from './ast.js';
import { ROOT_OPERATION_TYPES } from './dialect.js';
import type { Diagnostic } from './types.js';

export interface SchemaFile {
  readonly path: string;
  readonly document: DocumentNode;
}

/** Indexes built once per run and shared by every rule. */
export class SchemaIndex {
  /** Every object type definition in file order (files sorted by path), duplicates included; root operation types excluded. */
  readonly types: readonly ObjectTypeDefinitionNode[];
  /** The `@table` definitions among `types`. */
  readonly tables: readonly ObjectTypeDefinitionNode[];
  /** The first definition of each object type name, in file order. */
  readonly distinctTypes: readonly ObjectTypeDefinitionNode[];
  /** Names of every type definition of any kind, supported or not; a reference to one is not "unknown". */
  readonly declaredNames: ReadonlySet<string>;
  /** The values of each enum type (its first definition), in declaration order. */
  readonly enums: ReadonlyMap<string, readonly string[]>;
  private readonly typesByName = new Map<string, ObjectTypeDefinitionNode>();
  private readonly fieldsByType = new Map<
    ObjectTypeDefinitionNode,
    Map<string, FieldDefinitionNode>
  >();

  constructor(
    readonly files: readonly SchemaFile[],
    /** False when some file did not parse: rules must not conclude that a name is missing. */
    readonly complete: boolean,
  ) {
    const types: ObjectTypeDefinitionNode[] = [];
    const declared = new Set<string>();
    const enums = new Map<string, readonly string[]>();
    for (const file of files) {
      for (const definition of file.document.definitions) {
        if (isTypeDefinitionNode(definition)) declared.add(definition.name.value);
        if (definition.kind === Kind.ENUM_TYPE_DEFINITION && !enums.has(definition.name.value)) {
          enums.set(
            definition.name.value,
            (definition.values ?? []).map((value) => value.name.value),
          );
        }
        if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
        if (ROOT_OPERATION_TYPES.has(definition.name.value)) continue;
        types.push(definition);
        if (!this.typesByName.has(definition.name.value))
          this.typesByName.set(definition.name.value, definition);
      }
    }
    this.types = types;
    this.tables = types.filter(isTable);
    this.distinctTypes = [...this.typesByName.values()];
    this.declaredNames = declared;
    this.enums = enums;
  }

  /** The first object type definition named `name`. */
  objectType(name: string): ObjectTypeDefinitionNode | undefined {
    return this.typesByName.get(name);
  }

  /** The `@table` type named `name`, if that name is a table. */
  table(name: string): ObjectTypeDefinitionNode | undefined {
    const type = this.typesByName.get(name);
    return type !== undefined && isTable(type) ? type : undefined;
  }

  /** The first field of `type` named `name`. */
  field(type: ObjectTypeDefinitionNode, name: string): FieldDefinitionNode | undefined {
    let fields = this.fieldsByType.get(type);
    if (fields === undefined) {
      fields = new Map();
      for (const field of fieldsOf(type)) {
        if (!fields.has(field.name.value)) fields.set(field.name.value, field);
      }
      this.fieldsByType.set(type, fields);
    }
    return fields.get(name);
  }
}

/** A node's file and one-based line and column. */
export function positionOf(node: ASTNode): {
  readonly path: string;
  readonly line: number;
  readonly column: number;
} {
  const location = node.loc;
  // Parsing always records locations; a node without one was built by hand, which is a bug here.
  if (location === undefined) throw new Error(`AST node ${node.kind} has no location`);
  const { line, column } = getLocation(location.source, location.start);
  return { path: location.source.name, line, column };
}

/** The index plus reporting, bound to the rule that is running. */
export class RuleContext {
  constructor(
    readonly schema: SchemaIndex,
    private readonly rule: string,
    private readonly diagnostics: Diagnostic[],
  ) {}

  report(node: ASTNode, message: string): void {
    this.diagnostics.push({ ...positionOf(node), message, rule: this.rule });
  }

  /** Something that does not stop generation but that the schema's author should know. */
  warn(node: ASTNode, message: string): void {
    this.diagnostics.push({ ...positionOf(node), message, rule: this.rule, warning: true });
  }

  /** For what has no node, like a schema that lacks something altogether. */
  reportAt(path: string, line: number, column: number, message: string): void {
    this.diagnostics.push({ path, line, column, message, rule: this.rule });
  }

  /** `path:line:col` of a node, for messages that point at a second place. */
  locate(node: ASTNode): string {
    const { path, line, column } = positionOf(node);
    return `${path}:${line}:${column}`;
  }
}

/** A validation rule: inspects the schema and reports what is wrong through the context. */
export type Rule = (context: RuleContext) => void;
