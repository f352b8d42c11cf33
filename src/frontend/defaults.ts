/**
 * `@default(value: …)` [ext]: the value an attribute takes when a write that creates or replaces a
 * record leaves it out. The GraphQL literal is checked against the attribute's type here, at
 * generation, and kept in the schema metadata in its JSON form (a `BigInt` beyond 2^53 as its
 * digits, a `Date` as its text): the runtime's validator turns it into the stored form.
 */
import { Kind, print } from 'graphql';
import type { ConstValueNode } from 'graphql';
import type { ScalarName } from '../../templates/runtime/meta.js';

const INT_LIMIT = 2 ** 31;
const LONG_LIMIT = 2 ** 53;
const DIGITS = /^-?\d{1,1000}$/;

type Converted = { readonly value: unknown } | { readonly problem: string };

/** The JSON form of `value` as a default of `scalar` (a list when `list`), or why it cannot be one. */
export function defaultValueOf(
  value: ConstValueNode,
  scalar: ScalarName,
  list: boolean,
): Converted {
  return elementsOf(value, list, (element) => scalarValue(element, scalar));
}

/** The default of an enum attribute: one of `values`, written bare or as a string (a list of them when `list`). */
export function enumDefaultOf(
  value: ConstValueNode,
  values: readonly string[],
  list: boolean,
): Converted {
  return elementsOf(value, list, (element) => {
    const text =
      element.kind === Kind.ENUM || element.kind === Kind.STRING ? element.value : undefined;
    return text !== undefined && values.includes(text)
      ? { value: text }
      : { problem: `${print(element)}, not one of its values (${values.join(', ')})` };
  });
}

/** `value` converted by `one`, or each element of it when `list`; never null. */
function elementsOf(
  value: ConstValueNode,
  list: boolean,
  one: (element: ConstValueNode) => Converted,
): Converted {
  if (value.kind === Kind.NULL) return { problem: 'null, which is no default: remove @default' };
  if (!list) return one(value);
  if (value.kind !== Kind.LIST)
    return { problem: `${print(value)}: a list attribute takes a list` };
  const elements: unknown[] = [];
  for (const element of value.values) {
    const converted = one(element);
    if ('problem' in converted) return converted;
    elements.push(converted.value);
  }
  return { value: elements };
}

function scalarValue(value: ConstValueNode, scalar: ScalarName): Converted {
  const refuse = (expected: string) => ({ problem: `${print(value)}, not ${expected}` });
  switch (scalar) {
    case 'ID':
    case 'String':
      return value.kind === Kind.STRING ? { value: value.value } : refuse('a string');
    case 'Int':
    case 'Long': {
      if (value.kind !== Kind.INT) return refuse(`an integer (${scalar})`);
      const number = Number(value.value);
      const limit = scalar === 'Int' ? INT_LIMIT : LONG_LIMIT;
      if (number < -limit || number >= limit)
        return refuse(`an integer within the bounds of ${scalar}`);
      return { value: number };
    }
    case 'Float':
      return value.kind === Kind.INT || value.kind === Kind.FLOAT
        ? { value: Number(value.value) }
        : refuse('a number');
    case 'Boolean':
      return value.kind === Kind.BOOLEAN ? { value: value.value } : refuse('true or false');
    case 'BigInt':
      if (value.kind === Kind.INT || (value.kind === Kind.STRING && DIGITS.test(value.value))) {
        // Beyond 2^53 a number loses digits: the text keeps them.
        const number = Number(value.value);
        return { value: Number.isSafeInteger(number) ? number : value.value };
      }
      return refuse('an integer (BigInt)');
    case 'Date':
      if (value.kind === Kind.INT) return { value: Number(value.value) };
      if (value.kind === Kind.STRING && !Number.isNaN(Date.parse(value.value)))
        return { value: value.value };
      return refuse('an ISO-8601 date or epoch milliseconds');
    case 'Any':
      return { value: plain(value) };
    case 'Bytes':
      return { problem: `${print(value)}: Bytes attributes take no default` };
  }
}

/** Any GraphQL literal as JSON (an `Any` default). */
function plain(value: ConstValueNode): unknown {
  switch (value.kind) {
    case Kind.INT:
    case Kind.FLOAT:
      return Number(value.value);
    case Kind.STRING:
    case Kind.ENUM:
      return value.value;
    case Kind.BOOLEAN:
      return value.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return value.values.map(plain);
    case Kind.OBJECT:
      return Object.fromEntries(
        value.fields.map((field) => [field.name.value, plain(field.value)]),
      );
  }
}
