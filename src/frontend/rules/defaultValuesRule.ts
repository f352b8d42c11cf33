import type { Rule } from '../context.js';
import { fieldType, fieldsOf, findDirective, hasDirective, isRelationship } from '../ast.js';
import { defaultValueOf, enumDefaultOf } from '../defaults.js';
import { isScalarName } from '../dialect.js';

/**
 * `@default(value:)` goes on a stored attribute the client writes (not the key, a timestamp or a
 * relationship), of a scalar type or a list of one, with a value of that type.
 */
export const defaultValuesRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    for (const field of fieldsOf(type)) {
      const directive = findDirective(field, 'default');
      if (directive === undefined) continue;
      const where = `"${type.name.value}.${field.name.value}"`;
      const given = directive.arguments?.find((argument) => argument.name.value === 'value');
      if (given === undefined) {
        context.report(directive, `@default on ${where} needs a value: @default(value: …)`);
        continue;
      }
      if (isRelationship(field) || hasDirective(field, 'primaryKey')) {
        context.report(
          directive,
          `${where} is ${isRelationship(field) ? 'a relationship, computed when read' : 'the primary key, generated when absent'}; it takes no @default`,
        );
        continue;
      }
      if (hasDirective(field, 'createdTime') || hasDirective(field, 'updatedTime')) {
        context.report(
          directive,
          `${where} is set by the server on every write; it takes no @default`,
        );
        continue;
      }
      const shape = fieldType(field.type);
      const name = shape.named.name.value;
      const values = context.schema.enums.get(name);
      if (values !== undefined) {
        const converted = enumDefaultOf(given.value, values, shape.list);
        if ('problem' in converted)
          context.report(given.value, `The default of ${where} (${name}) is ${converted.problem}`);
        continue;
      }
      if (!isScalarName(name)) {
        context.report(
          directive,
          `${where} holds the object type "${name}"; @default goes on scalar attributes and lists of them`,
        );
        continue;
      }
      const converted = defaultValueOf(given.value, name, shape.list);
      if ('problem' in converted) {
        context.report(
          given.value,
          `The default of ${where} (${name}${shape.list ? ' list' : ''}) is ${converted.problem}`,
        );
      }
    }
  }
};
