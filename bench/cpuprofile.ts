/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self and inclusive time per
 * function and self time per file/package.
 *
 *   node --import ./bench/register.mjs bench/cpuprofile.ts <file.cpuprofile> [--top 30]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatTable, REPO_DIR } from './harness.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  location: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  sampledMs: number;
  byFunction: ProfileEntry[];
  byFile: { file: string; selfMs: number; selfPct: number }[];
}

function shortUrl(url: string): string {
  if (url === '') return '(native/V8)';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      path = url;
    }
  }
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) return path.slice(nm + '/node_modules/'.length);
  return path.startsWith(REPO_DIR) ? relative(REPO_DIR, path) : path;
}

/** Files in node_modules are grouped per package; our own files and node: internals stay per file. */
function fileGroup(url: string): string {
  const short = shortUrl(url);
  if (url.includes('/node_modules/')) {
    const parts = short.split('/');
    return `${(parts[0] ?? '').startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]} (package)`;
  }
  return short;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }

  // Each sample's duration is the delta to the next sample.
  const sampleMs = new Map<number, number>();
  let sampledMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const next = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i];
    if (id === undefined) continue;
    const ms = next / 1000;
    sampleMs.set(id, (sampleMs.get(id) ?? 0) + ms);
    sampledMs += ms;
  }

  const keyOf = (node: ProfileNode): string =>
    `${node.callFrame.functionName || '(anonymous)'}\u0000${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, ms] of sampleMs) {
    const leaf = byId.get(id);
    if (!leaf) continue;
    const leafKey = keyOf(leaf);
    self.set(leafKey, (self.get(leafKey) ?? 0) + ms);
    const group = fileGroup(leaf.callFrame.url);
    files.set(group, (files.get(group) ?? 0) + ms);
    // Inclusive: every distinct function on the stack, once (recursion counted once).
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      const key = keyOf(node);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + ms);
    }
  }

  const pct = (ms: number): number => (sampledMs > 0 ? (ms / sampledMs) * 100 : 0);
  const byFunction = [...new Set([...self.keys(), ...total.keys()])].map((key) => {
    const [name = '', location = ''] = key.split('\u0000');
    const selfMs = self.get(key) ?? 0;
    const totalMs = total.get(key) ?? 0;
    return { name, location, selfMs, selfPct: pct(selfMs), totalMs, totalPct: pct(totalMs) };
  });
  return {
    sampledMs,
    byFunction,
    byFile: [...files].map(([file, ms]) => ({ file, selfMs: ms, selfPct: pct(ms) })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

export function renderSummary(summary: ProfileSummary, top = 30): string {
  const fn = (e: ProfileEntry): string[] => [e.selfPct.toFixed(1), e.totalPct.toFixed(1), e.name, e.location];
  const selfRows = [...summary.byFunction].sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map(fn);
  const totalRows = [...summary.byFunction]
    .filter((e) => !['(root)', '(program)', '(idle)', '(garbage collector)'].includes(e.name))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top)
    .map(fn);
  const header = ['self %', 'total %', 'function', 'location'];
  const align = [true, true, false, false];
  return [
    `${(summary.sampledMs / 1000).toFixed(2)} s of samples`,
    '',
    `Top ${top} by self time:`,
    formatTable(header, selfRows, align),
    '',
    `Top ${top} by inclusive time:`,
    formatTable(header, totalRows, align),
    '',
    'Self time by file / package:',
    formatTable(
      ['self %', 'file'],
      summary.byFile.slice(0, top).map((f) => [f.selfPct.toFixed(1), f.file]),
      [true, false],
    ),
  ].join('\n');
}

// Stand-alone use: summarise a profile file.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node --import ./bench/register.mjs bench/cpuprofile.ts <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  const topAt = process.argv.indexOf('--top');
  const top = topAt !== -1 ? Number(process.argv[topAt + 1] ?? 30) : 30;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(renderSummary(summarizeProfile(profile), top));
}
