import { Kind } from 'graphql';
import type { DefinitionNode } from 'graphql';
import { SCALAR_NAMES } from '../../../templates/runtime/meta.js';
import type { Rule } from '../context.js';
import { isScalarName, ROOT_OPERATION_TYPES } from '../dialect.js';

/** A schema file holds only object types (and, harmlessly, declarations of built-in scalars); every other GraphQL definition is refused. */
export const supportedDefinitionsRule: Rule = (context) => {
  for (const file of context.schema.files) {
    for (const definition of file.document.definitions) {
      const problem = problemWith(definition);
      if (problem !== undefined) {
        context.report(
          'name' in definition && definition.name !== undefined ? definition.name : definition,
          problem,
        );
      }
      if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) {
        for (const implemented of definition.interfaces ?? []) {
          context.report(
            implemented,
            `Type "${definition.name.value}" implements "${implemented.name.value}", but interfaces are not supported; remove "implements ${implemented.name.value}" and declare the fields on the type`,
          );
        }
      }
    }
  }
};

function problemWith(definition: DefinitionNode): string | undefined {
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION: {
      const name = definition.name.value;
      if (!ROOT_OPERATION_TYPES.has(name)) return undefined;
      return `Type "${name}" declares GraphQL operations, which generated servers do not serve (they serve REST and real-time from @export tables); remove it`;
    }
    case Kind.SCALAR_TYPE_DEFINITION: {
      const name = definition.name.value;
      // Some Harper schemas declare the dialect's own scalars so that other GraphQL tools accept them.
      if (isScalarName(name)) return undefined;
      return `Custom scalar "${name}" is not supported; use one of the built-in scalars: ${SCALAR_NAMES.join(', ')}`;
    }
    case Kind.ENUM_TYPE_DEFINITION: {
      const name = definition.name.value;
      if (isScalarName(name))
        return `Enum "${name}" takes the name of a built-in scalar; rename it`;
      if ((definition.values ?? []).length === 0)
        return `Enum "${name}" has no values; list them: enum ${name} { A B }`;
      return undefined;
    }
    case Kind.INTERFACE_TYPE_DEFINITION:
      return `Interface "${definition.name.value}" is not supported; declare its fields on each type instead`;
    case Kind.UNION_TYPE_DEFINITION:
      return `Union "${definition.name.value}" is not supported; use a plain object type or Any for the attributes that use it`;
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      return `Input type "${definition.name.value}" is not supported; the generated server derives its create and patch shapes from the tables, so remove it`;
    case Kind.DIRECTIVE_DEFINITION:
    case Kind.DIRECTIVE_EXTENSION:
      return `Directive definition "@${definition.name.value}" is not supported; the dialect's directives (@table, @export, @primaryKey, ...) are built in, so remove it`;
    case Kind.SCHEMA_DEFINITION:
    case Kind.SCHEMA_EXTENSION:
      return 'A schema definition is not supported; tables are served over REST through @export, so remove it';
    case Kind.SCALAR_TYPE_EXTENSION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_EXTENSION:
    case Kind.UNION_TYPE_EXTENSION:
    case Kind.ENUM_TYPE_EXTENSION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
      return `Extending "${definition.name.value}" is not supported; declare all of its fields and directives in its definition`;
    case Kind.OPERATION_DEFINITION:
    case Kind.FRAGMENT_DEFINITION:
      return 'Operations and fragments do not belong in a schema file; remove it';
  }
}
