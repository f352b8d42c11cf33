import type { Rule } from '../context.js';
import { describe, relationshipFields } from '../relationships.js';

/** A relationship is computed from other records and never stored, so it cannot be a key, an index or a timestamp. */
export const relationshipFieldDirectivesRule: Rule = (context) => {
  for (const relationship of relationshipFields(context.schema)) {
    const where = `Relationship ${describe(relationship)}`;
    for (const directive of relationship.field.directives ?? []) {
      switch (directive.name.value) {
        case 'primaryKey':
          context.report(
            directive,
            `${where} cannot be the primary key: its value is computed from other records, never stored; put @primaryKey on a stored attribute`,
          );
          break;
        case 'indexed': {
          const { from, to, targetName } = relationship;
          const holder =
            from !== undefined
              ? ` ("${from.name}")`
              : to !== undefined
                ? ` ("${targetName}.${to.name}")`
                : '';
          context.report(
            directive,
            `${where} cannot be @indexed: its value is computed, never stored; index the attribute that holds the key${holder} instead`,
          );
          break;
        }
        case 'createdTime':
        case 'updatedTime':
          context.report(
            directive,
            `${where} cannot carry @${directive.name.value}: its value is computed, never stored; put @${directive.name.value} on a stored attribute`,
          );
          break;
      }
    }
  }
};
