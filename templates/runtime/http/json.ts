/**
 * JSON text of a stored value (contract section 6): dates as ISO strings, big integers as bare
 * integer literals, bytes as base64 strings. `JSON.stringify` throws on the first and writes the
 * last as an object of indices, so stored values are written with this instead.
 */
export function toJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return arrayToJson(value);
      if (value instanceof Date)
        return Number.isNaN(value.getTime()) ? 'null' : `"${value.toISOString()}"`;
      if (value instanceof Uint8Array) return `"${base64Of(value)}"`;
      return objectToJson(value as Record<string, unknown>);
    default:
      // undefined, functions and symbols have no JSON form; as a value they are written as null.
      return 'null';
  }
}

function arrayToJson(array: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < array.length; i++) {
    if (i > 0) out += ',';
    out += toJson(array[i]);
  }
  return `${out}]`;
}

function objectToJson(object: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const key of Object.keys(object)) {
    const item = object[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    if (first) first = false;
    else out += ',';
    out += `${JSON.stringify(key)}:${toJson(item)}`;
  }
  return `${out}}`;
}

/** Bytes as base64, without copying them. */
export function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
