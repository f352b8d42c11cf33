import type { Rule } from '../context.js';

/** A schema declares at least one `@table` type: without one there is no server to generate. */
export const tablesRequiredRule: Rule = (context) => {
  const { schema } = context;
  // The missing table may be in a file that did not parse.
  if (!schema.complete || schema.tables.length > 0) return;
  const file = schema.files[0];
  if (file === undefined) {
    context.reportAt('', 1, 1, 'No schema files were given; pass at least one .graphql file');
    return;
  }
  const message =
    'The schema declares no @table type, so there is nothing to serve; add @table and a @primaryKey field to a type, like "type Product @table @export { id: ID @primaryKey }"';
  const firstType = schema.types[0];
  if (firstType !== undefined) context.report(firstType.name, message);
  else context.reportAt(file.path, 1, 1, message);
};
