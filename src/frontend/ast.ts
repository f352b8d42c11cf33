/** Small readers over graphql-js AST nodes, shared by the rules and the IR builder. */
import { Kind } from 'graphql';
import type {
  ConstArgumentNode,
  ConstDirectiveNode,
  FieldDefinitionNode,
  NamedTypeNode,
  ObjectTypeDefinitionNode,
  TypeNode,
} from 'graphql';

interface Directed {
  readonly directives?: readonly ConstDirectiveNode[] | undefined;
}

/** The first use of `@name` on a node. */
export function findDirective(node: Directed, name: string): ConstDirectiveNode | undefined {
  return node.directives?.find((directive) => directive.name.value === name);
}

export function hasDirective(node: Directed, name: string): boolean {
  return findDirective(node, name) !== undefined;
}

export function findArgument(
  directive: ConstDirectiveNode,
  name: string,
): ConstArgumentNode | undefined {
  return directive.arguments?.find((argument) => argument.name.value === name);
}

/** A name-like argument value, written as a string (`"x"`) or bare (`x`); undefined when absent or of another kind. */
export function nameArgument(
  directive: ConstDirectiveNode | undefined,
  name: string,
): string | undefined {
  const value = directive === undefined ? undefined : findArgument(directive, name)?.value;
  if (value?.kind === Kind.STRING || value?.kind === Kind.ENUM) return value.value;
  return undefined;
}

/**
 * The `@export` that serves a table over HTTP: absent, or `@export(rest: false)`, which keeps the
 * table off every path (REST, WebSocket and Server-Sent Events are all HTTP here).
 */
export function restExport(type: ObjectTypeDefinitionNode): ConstDirectiveNode | undefined {
  const directive = findDirective(type, 'export');
  const rest = directive === undefined ? undefined : findArgument(directive, 'rest')?.value;
  return rest?.kind === Kind.BOOLEAN && !rest.value ? undefined : directive;
}

export function isTable(type: ObjectTypeDefinitionNode): boolean {
  return hasDirective(type, 'table');
}

export function isRelationship(field: FieldDefinitionNode): boolean {
  return hasDirective(field, 'relationship');
}

/** The stored attribute marked `@primaryKey` (the first, if a broken schema marks several). */
export function primaryKeyOf(type: ObjectTypeDefinitionNode): FieldDefinitionNode | undefined {
  return fieldsOf(type).find(
    (field) => hasDirective(field, 'primaryKey') && !isRelationship(field),
  );
}

export function fieldsOf(type: ObjectTypeDefinitionNode): readonly FieldDefinitionNode[] {
  return type.fields ?? [];
}

/** The shape of a field's type: `[T!]!` is a non-null list of non-null `T`. */
export interface FieldType {
  /** The innermost named type. */
  readonly named: NamedTypeNode;
  readonly list: boolean;
  /** How many list brackets wrap the named type; the dialect allows at most one. */
  readonly listDepth: number;
  readonly nonNull: boolean;
  readonly elementNonNull: boolean;
}

export function fieldType(type: TypeNode): FieldType {
  let node = type;
  const nonNull = node.kind === Kind.NON_NULL_TYPE;
  let listDepth = 0;
  let elementNonNull = false;
  for (;;) {
    if (node.kind === Kind.NAMED_TYPE) {
      return { named: node, list: listDepth > 0, listDepth, nonNull, elementNonNull };
    }
    if (node.kind === Kind.LIST_TYPE) {
      listDepth += 1;
      elementNonNull = node.type.kind === Kind.NON_NULL_TYPE;
    }
    node = node.type;
  }
}
