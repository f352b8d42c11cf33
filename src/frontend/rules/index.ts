/** Every validation rule, in the order they run (diagnostics are sorted by location afterwards). */
import type { Rule } from '../context.js';
import { computedAttributesRule } from './computedAttributesRule.js';
import { defaultValuesRule } from './defaultValuesRule.js';
import { directiveArgumentsRule } from './directiveArgumentsRule.js';
import { embeddedTablesRule } from './embeddedTablesRule.js';
import { fieldArgumentsRule } from './fieldArgumentsRule.js';
import { generatedNameCollisionsRule } from './generatedNameCollisionsRule.js';
import { indexedAttributesRule } from './indexedAttributesRule.js';
import { knownDirectivesRule } from './knownDirectivesRule.js';
import { knownTypesRule } from './knownTypesRule.js';
import { nestedListsRule } from './nestedListsRule.js';
import { primaryKeyRule } from './primaryKeyRule.js';
import { primaryKeyTypeRule } from './primaryKeyTypeRule.js';
import { referentialActionsRule } from './referentialActionsRule.js';
import { relationshipArgumentsRule } from './relationshipArgumentsRule.js';
import { relationshipFieldDirectivesRule } from './relationshipFieldDirectivesRule.js';
import { relationshipFromRule } from './relationshipFromRule.js';
import { relationshipJoinRule } from './relationshipJoinRule.js';
import { relationshipKeyTypesRule } from './relationshipKeyTypesRule.js';
import { relationshipTargetRule } from './relationshipTargetRule.js';
import { relationshipToRule } from './relationshipToRule.js';
import { reservedAttributeNamesRule } from './reservedAttributeNamesRule.js';
import { reservedTypeNamesRule } from './reservedTypeNamesRule.js';
import { supportedDefinitionsRule } from './supportedDefinitionsRule.js';
import { tableOnlyDirectivesRule } from './tableOnlyDirectivesRule.js';
import { tablesRequiredRule } from './tablesRequiredRule.js';
import { timestampsRule } from './timestampsRule.js';
import { uniqueAttributesRule } from './uniqueAttributesRule.js';
import { uniqueDirectivesRule } from './uniqueDirectivesRule.js';
import { uniqueExportNamesRule } from './uniqueExportNamesRule.js';
import { uniqueFieldNamesRule } from './uniqueFieldNamesRule.js';
import { uniqueTableNamesRule } from './uniqueTableNamesRule.js';
import { uniqueTypeNamesRule } from './uniqueTypeNamesRule.js';

export interface NamedRule {
  /** Kebab-case; diagnostics carry it, and `fixtures/invalid/<name>/` shows the mistake it catches. */
  readonly name: string;
  readonly check: Rule;
}

export const RULES: readonly NamedRule[] = [
  // What the file may contain.
  { name: 'supported-definitions', check: supportedDefinitionsRule },
  { name: 'tables-required', check: tablesRequiredRule },
  // Names.
  { name: 'unique-type-names', check: uniqueTypeNamesRule },
  { name: 'reserved-type-names', check: reservedTypeNamesRule },
  { name: 'generated-name-collisions', check: generatedNameCollisionsRule },
  { name: 'unique-field-names', check: uniqueFieldNamesRule },
  { name: 'reserved-attribute-names', check: reservedAttributeNamesRule },
  // Field types.
  { name: 'field-arguments', check: fieldArgumentsRule },
  { name: 'known-types', check: knownTypesRule },
  { name: 'nested-lists', check: nestedListsRule },
  { name: 'embedded-tables', check: embeddedTablesRule },
  // Directives.
  { name: 'known-directives', check: knownDirectivesRule },
  { name: 'directive-arguments', check: directiveArgumentsRule },
  { name: 'unique-directives', check: uniqueDirectivesRule },
  { name: 'table-only-directives', check: tableOnlyDirectivesRule },
  // Tables and attributes.
  { name: 'primary-key', check: primaryKeyRule },
  { name: 'primary-key-type', check: primaryKeyTypeRule },
  { name: 'indexed-attributes', check: indexedAttributesRule },
  { name: 'unique-attributes', check: uniqueAttributesRule },
  { name: 'default-values', check: defaultValuesRule },
  { name: 'computed-attributes', check: computedAttributesRule },
  { name: 'timestamps', check: timestampsRule },
  { name: 'unique-table-names', check: uniqueTableNamesRule },
  { name: 'unique-export-names', check: uniqueExportNamesRule },
  // Relationships.
  { name: 'relationship-arguments', check: relationshipArgumentsRule },
  { name: 'relationship-target', check: relationshipTargetRule },
  { name: 'relationship-from', check: relationshipFromRule },
  { name: 'relationship-to', check: relationshipToRule },
  { name: 'relationship-key-types', check: relationshipKeyTypesRule },
  { name: 'relationship-join', check: relationshipJoinRule },
  { name: 'relationship-field-directives', check: relationshipFieldDirectivesRule },
  { name: 'referential-actions', check: referentialActionsRule },
];
