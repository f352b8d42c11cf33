import type { NameNode } from 'graphql';
import { isTypeDefinitionNode } from 'graphql';
import type { Rule } from '../context.js';
import { isScalarName } from '../dialect.js';

/** Each type name is defined once across all schema files. */
export const uniqueTypeNamesRule: Rule = (context) => {
  const first = new Map<string, NameNode>();
  for (const file of context.schema.files) {
    for (const definition of file.document.definitions) {
      if (!isTypeDefinitionNode(definition)) continue;
      const name = definition.name;
      // Declaring a built-in scalar is allowed and means nothing, so declaring it twice is harmless too.
      if (isScalarName(name.value)) continue;
      const earlier = first.get(name.value);
      if (earlier === undefined) {
        first.set(name.value, name);
        continue;
      }
      context.report(
        name,
        `Type "${name.value}" is already defined at ${context.locate(earlier)}; rename one of them or merge their fields`,
      );
    }
  }
};
