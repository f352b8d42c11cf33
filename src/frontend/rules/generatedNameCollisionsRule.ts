import type { ObjectTypeDefinitionNode } from 'graphql';
import type { Rule } from '../context.js';
import { isTable } from '../ast.js';

/** No type takes a name generated for a table (`New<T>`, `<T>Patch`), and no two type names differ only in case (their files would clash). */
export const generatedNameCollisionsRule: Rule = (context) => {
  const generated = new Map<string, string>();
  for (const table of context.schema.distinctTypes.filter(isTable)) {
    const name = table.name.value;
    generated.set(`New${name}`, `the create body generated for table "${name}"`);
    generated.set(`${name}Patch`, `the patch body generated for table "${name}"`);
  }
  const byFileName = new Map<string, ObjectTypeDefinitionNode>();
  for (const type of context.schema.distinctTypes) {
    const name = type.name.value;
    const purpose = generated.get(name);
    if (purpose !== undefined) {
      context.report(
        type.name,
        `Type name "${name}" collides with the interface "${name}", ${purpose}; rename the type`,
      );
    }
    // macOS and Windows file systems ignore case, so src/tables/Item.ts and src/tables/item.ts would be one file.
    const fileName = name.toLowerCase();
    const earlier = byFileName.get(fileName);
    if (earlier === undefined) {
      byFileName.set(fileName, type);
      continue;
    }
    context.report(
      type.name,
      `Type name "${name}" differs from "${earlier.name.value}" (at ${context.locate(earlier.name)}) only in case, so their generated files would clash on case-insensitive file systems; rename one of them`,
    );
  }
};
