/**
 * Where a server's CPU time went, from a profile written by `node --cpu-prof`: self time by
 * function, self time by file, and total time by function (time with the function anywhere on the
 * stack, counted once per sample even under recursion). Shares are of the busy time: a server
 * profiled through a whole bench run is mostly idle (between cases, during the ceiling), and idle
 * samples would only dilute them.
 */
import path from 'node:path';

/** The parts of V8's `.cpuprofile` format read here. */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface Share {
  readonly name: string;
  /** Share of all samples, 0–1. */
  readonly share: number;
  readonly milliseconds: number;
}

export interface ProfileSummary {
  readonly totalMilliseconds: number;
  /** Time the main thread was running anything (everything but `(idle)` samples). */
  readonly busyMilliseconds: number;
  readonly selfByFunction: readonly Share[];
  readonly selfByFile: readonly Share[];
  readonly totalByFunction: readonly Share[];
}

/** Idle, GC and the like have no URL; they keep their V8 names, in parentheses. */
function fileOf(node: ProfileNode): string {
  const { url } = node.callFrame;
  if (url === '')
    return node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : '(native)';
  // Generated servers live in many places; from `src/runtime/` on, the path names the runtime file.
  const runtime = url.indexOf('/runtime/');
  if (runtime >= 0) return url.slice(runtime + 1);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + 1);
  return url.startsWith('file://') ? path.basename(url) : url;
}

function functionOf(node: ProfileNode): string {
  const name = node.callFrame.functionName === '' ? '(anonymous)' : node.callFrame.functionName;
  const file = fileOf(node);
  if (file === name) return name;
  return file.startsWith('(')
    ? `${name} ${file}`
    : `${name} ${file}:${node.callFrame.lineNumber + 1}`;
}

function ranked(
  hits: ReadonlyMap<string, number>,
  totalHits: number,
  totalMilliseconds: number,
  top: number,
): Share[] {
  return [...hits]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, count]) => ({
      name,
      share: count / totalHits,
      milliseconds: (count / totalHits) * totalMilliseconds,
    }));
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const totalByFunction = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, count: number): void => {
    map.set(key, (map.get(key) ?? 0) + count);
  };
  let totalHits = 0;
  let busyHits = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    totalHits += hits;
    if (node.callFrame.functionName === '(idle)' && node.callFrame.url === '') continue;
    busyHits += hits;
    add(selfByFunction, functionOf(node), hits);
    add(selfByFile, fileOf(node), hits);
    const onStack = new Set<string>();
    for (
      let current: ProfileNode | undefined = node;
      current !== undefined;
      current = byId.get(parent.get(current.id) ?? -1)
    ) {
      if (current.callFrame.functionName !== '(root)') onStack.add(functionOf(current));
    }
    for (const name of onStack) add(totalByFunction, name, hits);
  }
  const totalMilliseconds = (profile.endTime - profile.startTime) / 1000;
  const busyMilliseconds = totalHits === 0 ? 0 : (busyHits / totalHits) * totalMilliseconds;
  const divisor = Math.max(busyHits, 1);
  return {
    totalMilliseconds,
    busyMilliseconds,
    selfByFunction: ranked(selfByFunction, divisor, busyMilliseconds, top),
    selfByFile: ranked(selfByFile, divisor, busyMilliseconds, top),
    totalByFunction: ranked(totalByFunction, divisor, busyMilliseconds, top),
  };
}

export function isCpuProfile(value: unknown): value is CpuProfile {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof CpuProfile, unknown>>;
  return (
    Array.isArray(candidate.nodes) &&
    typeof candidate.startTime === 'number' &&
    typeof candidate.endTime === 'number'
  );
}

function shareTable(title: string, shares: readonly Share[]): string {
  const rows = shares.map(
    (share) =>
      `| ${(share.share * 100).toFixed(1)} % | ${Math.round(share.milliseconds)} | ${share.name} |`,
  );
  return [`### ${title}`, '', '| share | ms | where |', '| --- | --- | --- |', ...rows].join('\n');
}

export function formatSummary(title: string, summary: ProfileSummary): string {
  return [
    `## ${title}: ${(summary.totalMilliseconds / 1000).toFixed(1)} s profiled, ` +
      `main thread busy ${(summary.busyMilliseconds / 1000).toFixed(1)} s (shares below are of the busy time)`,
    shareTable('self time by function', summary.selfByFunction),
    shareTable('self time by file', summary.selfByFile),
    shareTable('total time by function (on the stack)', summary.totalByFunction),
  ].join('\n\n');
}
