/**
 * `@computed(from: "…")` holds a JavaScript expression over the record's attributes, as in Harper
 * (`"title + ' by ' + author"`). codegen never evaluates it: it checks that it is one expression,
 * finds the attributes it names, and writes it into the user's `src/computed.ts` as the body of a
 * typed function (`(record) => record.title + ' by ' + record.author`), which the compiler checks.
 */
import { ts } from 'ts-morph';

/** An expression's free names: the attributes it reads, at their places in the text. */
export interface ParsedExpression {
  /** Each free identifier: its name, where it starts in the text, and whether it is `{ name }`. */
  readonly names: readonly {
    readonly name: string;
    readonly start: number;
    readonly shorthand: boolean;
  }[];
}

/** The prefix the text is parsed after: `(text\n)` makes it one parenthesized expression. */
const PREFIX = '(';

/**
 * The expression's free identifiers, or what is wrong with it: it must be exactly one JavaScript
 * expression (no statements, nothing after it).
 */
export function parseExpression(text: string): ParsedExpression | { readonly problem: string } {
  if (text.trim() === '') return { problem: 'empty; give a JavaScript expression' };
  const source = `${PREFIX}${text}\n)`;
  const { diagnostics = [] } = ts.transpileModule(source, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
  });
  const first = diagnostics[0];
  if (first !== undefined)
    return {
      problem: `not a JavaScript expression (${ts.flattenDiagnosticMessageText(first.messageText, ' ')})`,
    };
  const file = ts.createSourceFile('from.ts', source, ts.ScriptTarget.ES2022, true);
  const statement = file.statements[0];
  if (
    file.statements.length !== 1 ||
    statement === undefined ||
    !ts.isExpressionStatement(statement) ||
    !ts.isParenthesizedExpression(statement.expression) ||
    statement.expression.getStart(file) !== 0 ||
    statement.expression.end !== source.length
  ) {
    return { problem: 'not one JavaScript expression; write the value alone, without statements' };
  }
  const names: { name: string; start: number; shorthand: boolean }[] = [];
  const visit = (node: ts.Node, bound: ReadonlySet<string>): void => {
    if (ts.isFunctionLike(node)) {
      const inner = new Set(bound);
      for (const parameter of node.parameters) bindingNames(parameter.name, inner);
      ts.forEachChild(node, (child) => {
        if (!ts.isParameter(child)) visit(child, inner);
        else if (child.initializer !== undefined) visit(child.initializer, bound);
      });
      return;
    }
    if (ts.isIdentifier(node) && isFreeUse(node) && !bound.has(node.text)) {
      names.push({
        name: node.text,
        start: node.getStart(file) - PREFIX.length,
        shorthand: ts.isShorthandPropertyAssignment(node.parent),
      });
      return;
    }
    ts.forEachChild(node, (child) => visit(child, bound));
  };
  visit(statement.expression.expression, new Set());
  return { names };
}

/** Whether an identifier reads a variable (not a property name, a label or a declaration). */
function isFreeUse(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false;
  if (ts.isMethodDeclaration(parent) && parent.name === node) return false;
  if (ts.isPropertyAccessChain(parent) && parent.name === node) return false;
  if (ts.isBindingElement(parent) || ts.isVariableDeclaration(parent)) return false;
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  return true;
}

function bindingNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) {
    into.add(name.text);
    return;
  }
  for (const element of name.elements) {
    if (!ts.isOmittedExpression(element)) bindingNames(element.name, into);
  }
}

/**
 * The expression with every free name in `attributes` read from `parameter`:
 * `title + ' by ' + author` → `record.title + ' by ' + record.author` (and `{ title }` →
 * `{ title: record.title }`). Other free names (`Math`, `String`) are left as they are.
 */
export function readFromRecord(
  text: string,
  parsed: ParsedExpression,
  attributes: ReadonlySet<string>,
  parameter: string,
): string {
  let result = '';
  let at = 0;
  for (const { name, start, shorthand } of parsed.names) {
    if (!attributes.has(name)) continue;
    result += text.slice(at, start);
    result += shorthand ? `${name}: ${parameter}.${name}` : `${parameter}.${name}`;
    at = start + name.length;
  }
  return result + text.slice(at);
}
