/**
 * The query string's syntax: raw query string → syntax tree. Nothing here knows attribute types;
 * `coerce.ts` resolves names and converts values. Values stay raw (undecoded) so that typed
 * decoding can see `null` and type prefixes as written, and so that escapes are always literal.
 *
 * Structural characters (`&`, `|`, `(`, `)`, `[`, `]`) must be written raw. Operator characters
 * (`=`, `!`, `<`, `>`) and the punctuation inside select()/sort()/limit() may also arrive
 * percent-encoded, because common URL encoders escape them; names never contain them.
 */
import { QUERY_LIMITS, queryError, syntaxError } from './errors.js';
import { decodePercent, escapedByte } from './percent.js';
import type { Operator, RangeBounds } from './types.js';

export interface RawValue {
  /** As written in the URL, not yet percent-decoded. */
  readonly raw: string;
  readonly position: number;
}

export interface SyntaxComparison {
  readonly kind: 'comparison';
  /** The attribute path, decoded (`attendees.name`). */
  readonly name: string;
  readonly position: number;
  readonly operator: Operator;
  /** Typed decoding (contract 5.3); false for the strict forms `=`, `===`, `!==`. */
  readonly typed: boolean;
  /** One value, the list of `=in=`/`=out=`, or [lower, upper] of a chained range. */
  readonly values: readonly RawValue[];
  /** Set exactly for a chained range (operator `between`). */
  readonly bounds: RangeBounds | null;
}

export interface SyntaxGroup {
  readonly kind: 'and' | 'or';
  readonly children: readonly SyntaxCondition[];
}

export type SyntaxCondition = SyntaxComparison | SyntaxGroup;

export type SyntaxSelectItem =
  | {
      readonly kind: 'name';
      readonly name: string;
      readonly position: number;
      readonly nested: readonly SyntaxSelectItem[] | null;
    }
  | { readonly kind: 'all'; readonly position: number }
  | { readonly kind: 'id'; readonly position: number }
  | { readonly kind: 'updatedTime'; readonly position: number };

export type SyntaxSelection =
  | { readonly kind: 'value'; readonly item: SyntaxSelectItem }
  | { readonly kind: 'object'; readonly items: readonly SyntaxSelectItem[] }
  | { readonly kind: 'array'; readonly items: readonly SyntaxSelectItem[] };

export interface SyntaxSortKey {
  readonly name: string;
  readonly descending: boolean;
  readonly position: number;
}

export interface SyntaxQuery {
  readonly conditions: SyntaxCondition | null;
  readonly select: SyntaxSelection | null;
  readonly sort: readonly SyntaxSortKey[];
  /** Answers skipped, from `limit(start,end)` or `offset=`. */
  readonly offset: number;
  /** Answers after the offset, or null for all. */
  readonly limit: number | null;
  readonly timezone: { readonly name: string; readonly position: number } | null;
}

const FIQL_OPERATORS: Readonly<Record<string, Operator>> = {
  eq: 'eq',
  ne: 'ne',
  lt: 'lt',
  le: 'le',
  gt: 'gt',
  ge: 'ge',
  lte: 'le',
  gte: 'ge',
  sw: 'sw',
  ew: 'ew',
  ct: 'ct',
  in: 'in',
  out: 'out',
};

/** Names that continue a range without repeating the attribute: `a=gt=x&lt=y`. */
const RANGE_WORDS: Readonly<Record<string, Operator>> = {
  lt: 'lt',
  le: 'le',
  gt: 'gt',
  ge: 'ge',
  lte: 'le',
  gte: 'ge',
};
const LOWER_BOUNDS: ReadonlySet<Operator> = new Set(['gt', 'ge']);
const UPPER_BOUNDS: ReadonlySet<Operator> = new Set(['lt', 'le']);

const CALLS = new Set(['select', 'sort', 'limit']);
const RESERVED_PARAMETERS = new Set(['sort', 'limit', 'offset', 'timezone']);

const STRUCTURAL = '&|()[]';
const OPERATOR_CHARS = '=!<>';
const ENCODED: Readonly<Record<string, string>> = {
  '(': '%28',
  '[': '%5B',
  '=': '%3D',
};

type Separator = '&' | '|';

type Entry =
  | { readonly kind: 'condition'; readonly node: SyntaxCondition }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly position: number;
      readonly apply: (state: TopLevel) => void;
    }
  | {
      readonly kind: 'parameter';
      readonly name: string;
      readonly value: RawValue;
      readonly position: number;
    }
  | { readonly kind: 'empty'; readonly position: number };

interface ListItem {
  readonly entry: Entry;
  /** The separator written before this entry (null for the first). */
  readonly separator: Separator | null;
  readonly separatorPosition: number;
}

/** What the top level's calls and reserved parameters set, checked for repetition. */
interface TopLevel {
  select: SyntaxSelection | null;
  sort: SyntaxSortKey[] | null;
  limitCall: { start: number; end: number | null; twoArguments: boolean } | null;
  limitParameter: number | null;
  offsetParameter: { count: number; position: number } | null;
  timezone: { name: string; position: number } | null;
}

/**
 * Parses the raw query string. `isDeclared` tells whether a name is a declared attribute of the
 * queried table: declared attributes win over the reserved parameters and the range words.
 */
export function parseSyntax(raw: string, isDeclared: (name: string) => boolean): SyntaxQuery {
  return new Parser(raw, isDeclared).parse();
}

class Parser {
  private pos = 0;
  private terms = 0;

  constructor(
    private readonly src: string,
    private readonly isDeclared: (name: string) => boolean,
  ) {}

  parse(): SyntaxQuery {
    const items = this.parseList(0);
    if (this.pos < this.src.length) {
      throw syntaxError(`This '${this.src[this.pos]}' closes no open group`, this.pos);
    }
    const state: TopLevel = {
      select: null,
      sort: null,
      limitCall: null,
      limitParameter: null,
      offsetParameter: null,
      timezone: null,
    };
    const conditions: ListItem[] = [];
    items.forEach((item, index) => {
      const { entry } = item;
      if (entry.kind === 'condition') {
        conditions.push(item);
        return;
      }
      // Calls, parameters and empty entries stand beside the conditions, joined with '&' only;
      // so conditions on either side of them are joined by that '&' too.
      for (const neighbour of [item, items[index + 1]]) {
        if (neighbour?.separator !== '|') continue;
        if (entry.kind === 'empty')
          throw syntaxError(
            'A condition is empty here: remove the extra separator',
            entry.position,
          );
        throw syntaxError(
          `${describe(entry)} must be joined to the rest of the query with '&', not '|'`,
          neighbour.separatorPosition,
        );
      }
      if (entry.kind === 'call') entry.apply(state);
      else if (entry.kind === 'parameter') this.applyParameter(entry, state);
    });
    const { offset, limit } = this.resolveLimit(state);
    return {
      conditions: combine(conditions),
      select: state.select,
      sort: state.sort ?? [],
      offset,
      limit,
      timezone: state.timezone,
    };
  }

  // ---- lists and groups ------------------------------------------------------------------------

  private parseList(depth: number): ListItem[] {
    const items: ListItem[] = [];
    let separator: Separator | null = null;
    let separatorPosition = -1;
    for (;;) {
      items.push({ entry: this.parseEntry(depth), separator, separatorPosition });
      const char = this.src[this.pos];
      if (char !== '&' && char !== '|') return items;
      separator = char;
      separatorPosition = this.pos;
      this.pos += 1;
    }
  }

  private parseGroup(depth: number): SyntaxCondition {
    const open = this.src[this.pos]!;
    const close = open === '(' ? ')' : ']';
    const at = this.pos;
    if (depth + 1 > QUERY_LIMITS.maxDepth) {
      throw queryError(
        'QUERY_TOO_COMPLEX',
        `Groups nest deeper than ${QUERY_LIMITS.maxDepth} levels (at character ${at})`,
        {
          position: at,
          limit: 'maxDepth',
        },
      );
    }
    this.pos += 1;
    const items = this.parseList(depth + 1);
    if (this.src[this.pos] !== close) {
      if (this.pos >= this.src.length) throw syntaxError(`The '${open}' is never closed`, at);
      throw syntaxError(
        `A '${close}' is needed here to close the '${open}' at character ${at}`,
        this.pos,
      );
    }
    this.pos += 1;
    for (const { entry } of items) {
      if (entry.kind === 'empty')
        throw syntaxError('A condition inside this group is empty', entry.position);
    }
    const node = combine(items);
    if (node === null)
      throw syntaxError('This group is empty: it needs at least one condition', at);
    return node;
  }

  // ---- entries ---------------------------------------------------------------------------------

  private parseEntry(depth: number): Entry {
    const char = this.src[this.pos];
    if (char === undefined || char === '&' || char === '|' || char === ')' || char === ']') {
      return { kind: 'empty', position: this.pos };
    }
    if (char === '(' || char === '[') return { kind: 'condition', node: this.parseGroup(depth) };

    const position = this.pos;
    const name = this.scanName();
    if (name === '') {
      throw syntaxError(
        'A condition needs an attribute name (a chained range such as &=lt=5 must follow a condition)',
        position,
      );
    }
    if (this.src[this.pos] === '(') {
      if (!CALLS.has(name))
        throw syntaxError(
          `The query language has no function '${name}()'; its calls are select(), sort() and limit()`,
          position,
        );
      if (depth > 0)
        throw syntaxError(
          `${name}() must stand at the top level of the query, not inside a group`,
          position,
        );
      return this.parseCall(name, position);
    }
    if (RESERVED_PARAMETERS.has(name) && !this.isDeclared(name)) {
      if (depth > 0)
        throw syntaxError(
          `'${name}=' must stand at the top level of the query, not inside a group`,
          position,
        );
      const operator = this.parseOperator(name);
      if (operator.form !== '=') {
        throw syntaxError(
          `'${name}' is a query parameter, written ${name}=<value>; '${operator.form}' does not apply to it`,
          position,
        );
      }
      return { kind: 'parameter', name, value: this.scanValue(), position };
    }
    const first = this.parseComparison(name, position);
    return { kind: 'condition', node: this.continueRange(first) ?? first };
  }

  /** Reads a name up to a raw structural character or an operator character. */
  private scanName(): string {
    const start = this.pos;
    while (this.pos < this.src.length) {
      if (STRUCTURAL.includes(this.src[this.pos]!)) break;
      const logical = this.logicalAt(this.pos)!;
      if (OPERATOR_CHARS.includes(logical.char)) break;
      this.pos += logical.width;
    }
    return decodePercent(this.src.slice(start, this.pos), start);
  }

  /** The ASCII character at `index`, reading a `%XX` escape of an ASCII byte as that character. */
  private logicalAt(index: number): { char: string; width: number } | null {
    const raw = this.src[index];
    if (raw === undefined) return null;
    if (raw === '%') {
      const byte = escapedByte(this.src, index);
      if (byte >= 0 && byte < 0x80) return { char: String.fromCharCode(byte), width: 3 };
    }
    return { char: raw, width: 1 };
  }

  private parseOperator(name: string): { operator: Operator; typed: boolean; form: string } {
    const at = this.pos;
    const first = this.logicalAt(at);
    if (first === null || !OPERATOR_CHARS.includes(first.char)) {
      throw syntaxError(`An operator such as '=', '==' or '=gt=' must follow '${name}'`, at);
    }
    // An operator that starts raw continues raw: in `title=%3D` the escaped '=' is the value.
    // One that starts escaped may go on either way, as encoders escape '<' but not '='.
    const next = (index: number): { char: string; width: number } | null => {
      const logical = this.logicalAt(index);
      return logical !== null && first.width === 1 && logical.width !== 1 ? null : logical;
    };
    const secondAt = at + first.width;
    const second = next(secondAt);
    const thirdAt = secondAt + (second?.width ?? 0);
    const third = next(thirdAt);
    const twoChars = second?.char === '=';
    switch (first.char) {
      case '=': {
        if (twoChars) {
          if (third?.char === '=') {
            this.pos = thirdAt + third.width;
            return { operator: 'eq', typed: false, form: '===' };
          }
          this.pos = thirdAt;
          return { operator: 'eq', typed: true, form: '==' };
        }
        let end = secondAt;
        while (end < this.src.length && isLetter(this.src.charCodeAt(end))) end += 1;
        const closing = end > secondAt ? next(end) : null;
        if (closing?.char === '=') {
          const word = this.src.slice(secondAt, end);
          const operator = FIQL_OPERATORS[word];
          if (operator === undefined) {
            throw syntaxError(
              `The query language has no operator '=${word}=' (a literal '=' in a value must be written %3D)`,
              at,
            );
          }
          this.pos = end + closing.width;
          return { operator, typed: true, form: `=${word}=` };
        }
        this.pos = secondAt;
        return { operator: 'eq', typed: false, form: '=' };
      }
      case '!':
        if (!twoChars) throw syntaxError(`A '!' must be followed by '=' (as in !=)`, secondAt);
        if (third?.char === '=') {
          this.pos = thirdAt + third.width;
          return { operator: 'ne', typed: false, form: '!==' };
        }
        this.pos = thirdAt;
        return { operator: 'ne', typed: true, form: '!=' };
      case '<':
        this.pos = twoChars ? thirdAt : secondAt;
        return twoChars
          ? { operator: 'le', typed: true, form: '<=' }
          : { operator: 'lt', typed: true, form: '<' };
      default:
        this.pos = twoChars ? thirdAt : secondAt;
        return twoChars
          ? { operator: 'ge', typed: true, form: '>=' }
          : { operator: 'gt', typed: true, form: '>' };
    }
  }

  private parseComparison(name: string, position: number): SyntaxComparison {
    const { operator, typed, form } = this.parseOperator(name);
    this.countTerm(position);
    if (operator === 'in' || operator === 'out') {
      return {
        kind: 'comparison',
        name,
        position,
        operator,
        typed,
        values: this.scanList(form),
        bounds: null,
      };
    }
    const value = this.scanValue();
    // `a==abc*` is starts-with; an escaped star (%2A) stays a literal character.
    if (form === '==' && value.raw.endsWith('*')) {
      const prefix = { raw: value.raw.slice(0, -1), position: value.position };
      return {
        kind: 'comparison',
        name,
        position,
        operator: 'sw',
        typed,
        values: [prefix],
        bounds: null,
      };
    }
    return { kind: 'comparison', name, position, operator, typed, values: [value], bounds: null };
  }

  /**
   * A range on one attribute written as one condition: `a=gt=x&=lt=y`, or `a=gt=x&lt=y` when `lt`
   * is not a declared attribute (contract 5.1). The two bounds apply to the same value, or to the
   * same element of a list. Returns null when no continuation follows.
   */
  private continueRange(first: SyntaxComparison): SyntaxComparison | null {
    if (this.src[this.pos] !== '&') return null;
    const at = this.pos + 1;
    const logical = this.logicalAt(at);
    const explicit = logical !== null && OPERATOR_CHARS.includes(logical.char);
    let word = '';
    if (!explicit) {
      let end = at;
      while (end < this.src.length && isLetter(this.src.charCodeAt(end))) end += 1;
      word = this.src.slice(at, end);
      const equals = this.logicalAt(end);
      const bareRange =
        RANGE_WORDS[word] !== undefined &&
        !this.isDeclared(word) &&
        equals?.char === '=' &&
        this.logicalAt(end + equals.width)?.char !== '=';
      if (!bareRange || !isBound(first.operator)) return null;
    }
    const isLower = LOWER_BOUNDS.has(first.operator);
    if (!isBound(first.operator)) {
      throw syntaxError(
        `Only a range (gt, ge, lt, le) continues with a second bound, as in ${first.name}=gt=<low>&=lt=<high>`,
        at,
      );
    }
    this.pos = at;
    let operator: Operator;
    if (explicit) operator = this.parseOperator(first.name).operator;
    else {
      operator = RANGE_WORDS[word]!;
      this.pos = at + word.length;
      this.pos += this.logicalAt(this.pos)!.width;
    }
    if (!(isLower ? UPPER_BOUNDS : LOWER_BOUNDS).has(operator)) {
      throw syntaxError(
        `A range continues with ${isLower ? 'an upper bound (lt or le)' : 'a lower bound (gt or ge)'}`,
        at,
      );
    }
    this.countTerm(at);
    const second = this.scanValue();
    if (
      this.src[this.pos] === '&' &&
      OPERATOR_CHARS.includes(this.logicalAt(this.pos + 1)?.char ?? '')
    ) {
      throw syntaxError(
        'A range has two bounds; start another condition with the attribute name',
        this.pos + 1,
      );
    }
    const firstValue = first.values[0]!;
    const [lower, upper] = isLower ? [firstValue, second] : [second, firstValue];
    const lowerOperator = isLower ? first.operator : operator;
    const upperOperator = isLower ? operator : first.operator;
    return {
      kind: 'comparison',
      name: first.name,
      position: first.position,
      operator: 'between',
      typed: true,
      values: [lower, upper],
      bounds: { lowerInclusive: lowerOperator === 'ge', upperInclusive: upperOperator === 'le' },
    };
  }

  /** A value runs to the next raw `&`, `|`, `)` or `]`. */
  private scanValue(): RawValue {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const char = this.src[this.pos]!;
      if (char === '&' || char === '|' || char === ')' || char === ']') break;
      if (char === '(' || char === '[' || char === '=') {
        throw syntaxError(
          `A literal '${char}' in a value must be percent-encoded as ${ENCODED[char]}`,
          this.pos,
        );
      }
      this.pos += 1;
    }
    return { raw: this.src.slice(start, this.pos), position: start };
  }

  /** `(v1,v2,…)` after `=in=` / `=out=`. */
  private scanList(form: string): RawValue[] {
    const open = this.pos;
    if (this.src[open] !== '(')
      throw syntaxError(`'${form}' takes a parenthesized list such as (a,b)`, open);
    this.pos += 1;
    const values: RawValue[] = [];
    if (this.src[this.pos] === ')') {
      this.pos += 1;
      return values;
    }
    for (;;) {
      const start = this.pos;
      while (
        this.pos < this.src.length &&
        this.src[this.pos] !== ',' &&
        this.src[this.pos] !== ')'
      ) {
        const char = this.src[this.pos]!;
        if (STRUCTURAL.includes(char) || char === '=') {
          if (char === '&' || char === '|' || char === ']')
            throw syntaxError("This list is never closed with ')'", open);
          throw syntaxError(
            `A literal '${char}' in a value must be percent-encoded as ${ENCODED[char]}`,
            this.pos,
          );
        }
        this.pos += 1;
      }
      if (this.pos >= this.src.length)
        throw syntaxError("This list is never closed with ')'", open);
      values.push({ raw: this.src.slice(start, this.pos), position: start });
      if (values.length > QUERY_LIMITS.maxListValues) {
        throw queryError(
          'QUERY_TOO_COMPLEX',
          `A list holds more than ${QUERY_LIMITS.maxListValues} values (at character ${start})`,
          {
            position: start,
            limit: 'maxListValues',
          },
        );
      }
      const separator = this.src[this.pos];
      this.pos += 1;
      if (separator === ')') return values;
    }
  }

  private countTerm(position: number): void {
    this.terms += 1;
    if (this.terms > QUERY_LIMITS.maxTerms) {
      throw queryError(
        'QUERY_TOO_COMPLEX',
        `The query has more than ${QUERY_LIMITS.maxTerms} terms (at character ${position})`,
        {
          position,
          limit: 'maxTerms',
        },
      );
    }
  }

  // ---- calls: select(), sort(), limit() ---------------------------------------------------------

  private parseCall(name: string, position: number): Entry {
    this.pos += 1; // '('
    if (name === 'select') {
      const selection = this.parseSelect(position);
      return {
        kind: 'call',
        name,
        position,
        apply: (state) => {
          if (state.select !== null) throw syntaxError('select() is given twice', position);
          state.select = selection;
        },
      };
    }
    if (name === 'sort') {
      const keys = this.parseSortCall(position);
      return {
        kind: 'call',
        name,
        position,
        apply: (state) => {
          if (state.sort !== null) throw syntaxError('The sort order is given twice', position);
          state.sort = keys;
        },
      };
    }
    const limit = this.parseLimitCall(position);
    return {
      kind: 'call',
      name,
      position,
      apply: (state) => {
        if (state.limitCall !== null || state.limitParameter !== null)
          throw syntaxError('The limit is given twice', position);
        state.limitCall = limit;
      },
    };
  }

  private peek(): string | undefined {
    return this.logicalAt(this.pos)?.char;
  }

  private advance(): void {
    this.pos += this.logicalAt(this.pos)?.width ?? 0;
  }

  private expect(char: string, what: string): void {
    if (this.peek() !== char) {
      if (this.pos >= this.src.length)
        throw syntaxError(`A '${char}' is needed ${what}, but the query ends here`, this.pos);
      throw syntaxError(`A '${char}' is needed here ${what}`, this.pos);
    }
    this.advance();
  }

  /** A name inside a call: up to call punctuation or a raw separator. */
  private scanCallName(stops: string): string {
    const start = this.pos;
    while (this.pos < this.src.length) {
      if (STRUCTURAL.includes(this.src[this.pos]!)) break;
      const logical = this.logicalAt(this.pos)!;
      if (stops.includes(logical.char)) break;
      this.pos += logical.width;
    }
    return decodePercent(this.src.slice(start, this.pos), start);
  }

  private parseSelect(position: number): SyntaxSelection {
    if (this.peek() === ')') throw syntaxError('select() needs at least one attribute', position);
    if (this.peek() === '[') {
      this.advance();
      const items = this.parseSelectItems(']', 1);
      this.expect(']', 'to close the array of select()');
      this.expect(')', 'to close select()');
      return { kind: 'array', items };
    }
    const items: SyntaxSelectItem[] = [];
    let trailingComma = false;
    for (;;) {
      items.push(this.parseSelectItem(1));
      if (this.peek() !== ',') break;
      this.advance();
      if (this.peek() === ')') {
        trailingComma = true;
        break;
      }
    }
    this.expect(')', 'to close select()');
    const only = items[0]!;
    if (items.length === 1 && !trailingComma && only.kind !== 'all')
      return { kind: 'value', item: only };
    return { kind: 'object', items };
  }

  private parseSelectItems(close: string, depth: number): SyntaxSelectItem[] {
    const items: SyntaxSelectItem[] = [];
    for (;;) {
      items.push(this.parseSelectItem(depth));
      if (this.peek() !== ',') return items;
      this.advance();
      if (this.peek() === close)
        throw syntaxError(`An attribute name must come before this '${close}'`, this.pos);
    }
  }

  private parseSelectItem(depth: number): SyntaxSelectItem {
    const position = this.pos;
    if (depth > QUERY_LIMITS.maxDepth) {
      throw queryError(
        'QUERY_TOO_COMPLEX',
        `select() nests deeper than ${QUERY_LIMITS.maxDepth} levels (at character ${position})`,
        {
          position,
          limit: 'maxDepth',
        },
      );
    }
    this.countTerm(position);
    if (this.peek() === '*') {
      this.advance();
      return { kind: 'all', position };
    }
    const name = this.scanCallName(',{}[]()*');
    if (name === '') {
      throw syntaxError(
        this.pos >= this.src.length
          ? "select( is never closed with ')'"
          : 'select() needs an attribute name here',
        this.pos,
      );
    }
    if (name.startsWith('$')) {
      if (name === '$id') return { kind: 'id', position };
      if (name === '$updatedtime' || name === '$updatedTime')
        return { kind: 'updatedTime', position };
      throw syntaxError(`select() has no property '${name}'; use $id or $updatedtime`, position);
    }
    if (this.peek() !== '{') return { kind: 'name', name, position, nested: null };
    this.advance();
    const nested = this.parseSelectItems('}', depth + 1);
    this.expect('}', `to close the projection of '${name}'`);
    return { kind: 'name', name, position, nested };
  }

  private parseSortCall(position: number): SyntaxSortKey[] {
    if (this.peek() === ')') throw syntaxError('sort() needs at least one attribute', position);
    const keys: SyntaxSortKey[] = [];
    for (;;) {
      const keyPosition = this.pos;
      let descending = false;
      const sign = this.peek();
      if (sign === '+' || sign === '-') {
        descending = sign === '-';
        this.advance();
      }
      const name = this.scanCallName(',()');
      if (name === '') throw syntaxError('sort() needs an attribute name here', this.pos);
      this.countTerm(keyPosition);
      keys.push({ name, descending, position: keyPosition });
      if (this.peek() !== ',') break;
      this.advance();
    }
    this.expect(')', 'to close sort()');
    return keys;
  }

  private parseLimitCall(position: number): {
    start: number;
    end: number | null;
    twoArguments: boolean;
  } {
    const first = this.parseCount('limit()');
    if (this.peek() === ')') {
      this.advance();
      return { start: 0, end: first, twoArguments: false };
    }
    this.expect(',', "or ')' in limit()");
    const end = this.parseCount('limit()');
    this.expect(')', 'to close limit()');
    if (end < first) throw syntaxError(`limit(${first},${end}) ends before it starts`, position);
    return { start: first, end, twoArguments: true };
  }

  private parseCount(where: string): number {
    const start = this.pos;
    while (this.pos < this.src.length && isDigit(this.src.charCodeAt(this.pos))) this.pos += 1;
    if (this.pos === start) {
      // Show what stands where the count should be (`-1`, `x`), up to the next `,` or `)`.
      const rest = this.src.slice(start);
      const shown = rest.slice(0, Math.max(0, rest.search(/[,)]|$/))).slice(0, 40);
      throw syntaxError(
        shown === ''
          ? `${where} needs a non-negative integer here, such as 10`
          : `${where} takes a non-negative integer, such as 10, and '${shown}' is not one`,
        start,
      );
    }
    return toCount(this.src.slice(start, this.pos), where, start);
  }

  // ---- reserved parameters: sort=, limit=, offset=, timezone= -----------------------------------

  private applyParameter(
    entry: { name: string; value: RawValue; position: number },
    state: TopLevel,
  ): void {
    const { name, value, position } = entry;
    const text = decodePercent(value.raw, value.position);
    switch (name) {
      case 'sort': {
        if (state.sort !== null) throw syntaxError('The sort order is given twice', position);
        state.sort = this.parseSortParameter(text, value.position);
        return;
      }
      case 'limit':
        if (state.limitCall !== null || state.limitParameter !== null)
          throw syntaxError('The limit is given twice', position);
        state.limitParameter = toCount(text, 'limit=', value.position);
        return;
      case 'offset':
        if (state.offsetParameter !== null) throw syntaxError('offset= is given twice', position);
        state.offsetParameter = { count: toCount(text, 'offset=', value.position), position };
        return;
      default:
        if (state.timezone !== null) throw syntaxError('timezone= is given twice', position);
        if (text === '')
          throw syntaxError('timezone= needs a zone name such as America/New_York', value.position);
        state.timezone = { name: text, position: value.position };
    }
  }

  private parseSortParameter(text: string, position: number): SyntaxSortKey[] {
    if (text === '') throw syntaxError('sort= needs at least one attribute', position);
    let offset = 0;
    return text.split(',').map((part) => {
      const keyPosition = position + offset;
      offset += part.length + 1;
      const descending = part.startsWith('-');
      const name = part.startsWith('-') || part.startsWith('+') ? part.slice(1) : part;
      if (name === '') throw syntaxError('sort= needs an attribute name here', keyPosition);
      this.countTerm(keyPosition);
      return { name, descending, position: keyPosition };
    });
  }

  private resolveLimit(state: TopLevel): { offset: number; limit: number | null } {
    const offset = state.offsetParameter?.count ?? null;
    if (state.limitCall !== null) {
      const { start, end, twoArguments } = state.limitCall;
      if (offset !== null && twoArguments) {
        throw syntaxError(
          'offset= cannot be combined with limit(start,end); use one of them',
          state.offsetParameter!.position,
        );
      }
      const skip = offset ?? start;
      return { offset: skip, limit: end === null ? null : end - start };
    }
    return { offset: offset ?? 0, limit: state.limitParameter };
  }
}

function combine(items: readonly ListItem[]): SyntaxCondition | null {
  const conditions: SyntaxCondition[] = [];
  let kind: Separator | null = null;
  for (const { entry, separator, separatorPosition } of items) {
    if (entry.kind !== 'condition') continue;
    if (conditions.length > 0 && separator !== null) {
      if (kind !== null && separator !== kind) {
        throw syntaxError(
          `'&' and '|' cannot be mixed in one group; group them with ( ) or [ ]`,
          separatorPosition,
        );
      }
      kind = separator;
    }
    conditions.push(entry.node);
  }
  if (conditions.length === 0) return null;
  if (conditions.length === 1) return conditions[0]!;
  return { kind: kind === '|' ? 'or' : 'and', children: conditions };
}

function describe(entry: Entry & { kind: 'call' | 'parameter' }): string {
  return entry.kind === 'call' ? `${entry.name}()` : `'${entry.name}='`;
}

function toCount(text: string, where: string, position: number): number {
  if (!/^\d+$/.test(text))
    throw syntaxError(
      text === ''
        ? `${where} needs a non-negative integer, such as 10`
        : `${where} takes a non-negative integer, such as 10, and '${text.slice(0, 40)}' is not one`,
      position,
    );
  const count = Number(text);
  if (!Number.isSafeInteger(count))
    throw syntaxError(`${where} is too large: ${text.slice(0, 40)} is beyond 2^53 - 1`, position);
  return count;
}

function isBound(operator: Operator): boolean {
  return LOWER_BOUNDS.has(operator) || UPPER_BOUNDS.has(operator);
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
