/**
 * `node dist/bench/generator.js [--tables N] [--repeats N]`: only the generator's part of `npm run bench`
 * (see bench/generatorSpeed.ts), printed as the same markdown table, then one line of JSON.
 */
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { GENERATOR_HEADER, generatorRows, measureGenerator } from './generatorSpeed.js';

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} needs a positive integer, got "${text}"`);
  return value;
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: { tables: { type: 'string' }, repeats: { type: 'string' } },
});
const tables = positiveInteger('tables', values.tables, 200);
const repeats = positiveInteger('repeats', values.repeats, 3);
const figures = await measureGenerator(PACKAGE_ROOT, tables, repeats);
const rows = generatorRows(figures);
const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
process.stdout.write(
  `${[line(GENERATOR_HEADER), line(GENERATOR_HEADER.map(() => '---')), ...rows.map(line)].join('\n')}\n${JSON.stringify(figures)}\n`,
);
