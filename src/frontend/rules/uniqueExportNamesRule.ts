import type { ConstDirectiveNode, ObjectTypeDefinitionNode } from 'graphql';
import type { Rule } from '../context.js';
import { isTable, nameArgument, restExport } from '../ast.js';

/** Paths the generated server answers itself, which no table may be exported under. */
const SERVER_PATHS: ReadonlySet<string> = new Set([
  'auth',
  'health',
  'metrics',
  'openapi',
  'studio',
]);

/** Each exported table gets its own URL segment: no two share one, and none takes a path the server answers itself. */
export const uniqueExportNamesRule: Rule = (context) => {
  const first = new Map<
    string,
    { readonly type: ObjectTypeDefinitionNode; readonly directive: ConstDirectiveNode }
  >();
  // Only the first definition of a name counts: a duplicated type is reported once, by the unique-type-names rule.
  for (const type of context.schema.distinctTypes) {
    const directive = restExport(type);
    if (directive === undefined || !isTable(type)) continue;
    const exportName = nameArgument(directive, 'name') ?? type.name.value;
    if (SERVER_PATHS.has(exportName)) {
      context.report(
        directive,
        `Table "${type.name.value}" is exported as "/${exportName}", a path the generated server answers itself; choose another name with @export(name: "...")`,
      );
      continue;
    }
    const earlier = first.get(exportName);
    if (earlier === undefined) {
      first.set(exportName, { type, directive });
      continue;
    }
    context.report(
      directive,
      `Tables "${earlier.type.name.value}" and "${type.name.value}" are both exported as "/${exportName}/" (the first at ${context.locate(earlier.directive)}); give one of them another name with @export(name: "...")`,
    );
  }
};
