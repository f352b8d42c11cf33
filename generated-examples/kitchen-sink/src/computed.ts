/**
 * The functions of the schema's `@computed` attributes (the README's "Computed attributes").
 * codegen created this file once and never changes it again: edit it freely. Each function gets
 * the record about to be stored (its key, timestamps and every other attribute, but no computed
 * one) and returns the attribute's value; the server stores it with the record on every write,
 * so it is returned, filtered, sorted and indexed like any attribute. A function that throws
 * fails the write (`refuse(status, message)` from './runtime/hooks.js' chooses the answer).
 *
 * It is type-checked against the schema: an attribute made `@computed` later must be added here
 * (the build says which), and a function must return the attribute's type. After changing a
 * function, raise the attribute's `version:` in the schema: the server then computes it again
 * for every stored record when it starts.
 */
import type { Computed, Database } from './database.js';
import { defineComputed } from './runtime/computed.js';

export default defineComputed<Database, Computed>({
  Post: {
    summary: (record) => record.title + ' by author ' + (record.authorId ?? 'unknown'),
    titleLength: (record) => record.title.length,
  },
});
