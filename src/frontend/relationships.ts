/** The `@relationship` fields of the tables, read once in the shape the relationship rules need. */
import { Kind } from 'graphql';
import type {
  ConstDirectiveNode,
  ConstValueNode,
  FieldDefinitionNode,
  ObjectTypeDefinitionNode,
} from 'graphql';
import { fieldType, fieldsOf, findArgument, findDirective } from './ast.js';
import type { SchemaIndex } from './context.js';
import { ATTRIBUTE_NAME_PATTERN } from './dialect.js';

/** A `from:` or `to:` argument that names an attribute. */
export interface NamedSide {
  readonly name: string;
  readonly node: ConstValueNode;
}

export interface RelationshipField {
  /** The table that declares the field. */
  readonly type: ObjectTypeDefinitionNode;
  readonly field: FieldDefinitionNode;
  readonly directive: ConstDirectiveNode;
  /** `[Target]` rather than `Target`. */
  readonly list: boolean;
  /** The name the field's type refers to: the related table's, when the schema is right. */
  readonly targetName: string;
  /** The field's named type when it is a table; otherwise the relationship-target rule reports it. */
  readonly target: ObjectTypeDefinitionNode | undefined;
  /** Absent when the argument is missing or not a valid name (the directive-arguments rule reports that). */
  readonly from: NamedSide | undefined;
  readonly to: NamedSide | undefined;
}

export function relationshipFields(schema: SchemaIndex): RelationshipField[] {
  const found: RelationshipField[] = [];
  for (const type of schema.tables) {
    for (const field of fieldsOf(type)) {
      const directive = findDirective(field, 'relationship');
      if (directive === undefined) continue;
      const shape = fieldType(field.type);
      found.push({
        type,
        field,
        directive,
        list: shape.list,
        targetName: shape.named.name.value,
        target: schema.table(shape.named.name.value),
        from: side(directive, 'from'),
        to: side(directive, 'to'),
      });
    }
  }
  return found;
}

function side(directive: ConstDirectiveNode, name: 'from' | 'to'): NamedSide | undefined {
  const value = findArgument(directive, name)?.value;
  if (value?.kind !== Kind.STRING && value?.kind !== Kind.ENUM) return undefined;
  return ATTRIBUTE_NAME_PATTERN.test(value.value) ? { name: value.value, node: value } : undefined;
}

/** `Type.field`, for messages. */
export function describe(relationship: RelationshipField): string {
  return `"${relationship.type.name.value}.${relationship.field.name.value}"`;
}
