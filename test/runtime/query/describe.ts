/** Compact text forms of parsed queries, so that parser tests read as tables. */
import type {
  Condition,
  ConditionValue,
  SelectItem,
  Selection,
} from '../../../templates/runtime/query/types.js';

export function describeValue(value: ConditionValue): string {
  if (typeof value === 'bigint') return `${value}n`;
  return JSON.stringify(value);
}

/** `title eq "x"`, `and(views gt 1, views lt 5)`, `startTime ge @1723694400000` (an instant). */
export function describeCondition(condition: Condition | null): string {
  if (condition === null) return '';
  if (condition.kind !== 'comparison')
    return `${condition.kind}(${condition.children.map(describeCondition).join(', ')})`;
  const values = condition.values.map((value) =>
    condition.instant ? `@${String(value)}` : describeValue(value),
  );
  if (condition.bounds !== null) {
    const { lowerInclusive, upperInclusive } = condition.bounds;
    return `${condition.path} between ${lowerInclusive ? '[' : '('}${values.join(',')}${upperInclusive ? ']' : ')'}`;
  }
  const shown =
    condition.operator === 'in' || condition.operator === 'out'
      ? `(${values.join(',')})`
      : values[0];
  return `${condition.path} ${condition.operator} ${shown}`;
}

function describeItem(item: SelectItem): string {
  switch (item.kind) {
    case 'all':
      return '*';
    case 'id':
      return '$id';
    case 'updatedTime':
      return '$updatedtime';
    case 'attribute':
      return item.nested === null
        ? item.name
        : `${item.name}{${item.nested.items.map(describeItem).join(',')}}`;
  }
}

/** `value:a`, `object:a,b`, `array:a,b`. */
export function describeSelection(selection: Selection | null): string {
  if (selection === null) return '';
  if (selection.kind === 'value') return `value:${describeItem(selection.item)}`;
  return `${selection.kind}:${selection.items.map(describeItem).join(',')}`;
}
