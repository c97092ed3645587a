/**
 * Masterminds/semver (v3), as Sprig's `semver` and `semverCompare` use it: lenient version
 * parsing (`v1.2`, `1`), and constraints with `= != > < >= <= ~ ^`, wildcards (`1.2.x`, `*`),
 * hyphen ranges (`1.2 - 1.4.5`), AND (`,` or space) and OR (`||`). A prerelease version only
 * satisfies a constraint that itself names a prerelease.
 */
import { GO_STRING, GO_TYPE } from './values.js';

export class SemverError extends Error {}

export interface SemverVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: string;
  readonly metadata: string;
  readonly original: string;
}

const VERSION =
  /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseVersion(text: string): SemverVersion {
  const m = VERSION.exec(text);
  if (m === null) throw new SemverError('invalid version');
  const prerelease = m[4] ?? '';
  for (const part of prerelease === '' ? [] : prerelease.split('.')) {
    if (/^[0-9]+$/.test(part) && part.length > 1 && part.startsWith('0')) throw new SemverError('invalid version');
  }
  const num = (s: string | undefined): number => {
    const n = Number(s ?? '0');
    if (!Number.isSafeInteger(n)) throw new SemverError('invalid version');
    return n;
  };
  return { major: num(m[1]), minor: num(m[2]), patch: num(m[3]), prerelease, metadata: m[5] ?? '', original: text };
}

export function versionString(v: SemverVersion): string {
  let s = `${v.major}.${v.minor}.${v.patch}`;
  if (v.prerelease !== '') s += `-${v.prerelease}`;
  if (v.metadata !== '') s += `+${v.metadata}`;
  return s;
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    if (xn && yn) return Number(x) < Number(y) ? -1 : 1;
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: SemverVersion, b: SemverVersion): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

interface Constraint {
  readonly op: string;
  readonly con: SemverVersion;
  readonly minorDirty: boolean;
  readonly patchDirty: boolean;
  readonly dirty: boolean;
}

const OPS = '(?:!=|>=|=>|<=|=<|~>|>|<|~|\\^|=)?';
const CV = 'v?[0-9xX*]+(?:\\.[0-9xX*]+)?(?:\\.[0-9xX*]+)?(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const FIND_CONSTRAINT = new RegExp(`(${OPS})\\s*(${CV})`, 'g');
const RANGE = new RegExp(`\\s*(${CV})\\s+-\\s+(${CV})\\s*`, 'g');
const SEGMENT = new RegExp(`^\\s*${OPS}\\s*${CV}(?:\\s*,?\\s*${OPS}\\s*${CV})*\\s*$`);

const isWild = (s: string | undefined): boolean => s === 'x' || s === 'X' || s === '*';

function parseConstraint(op: string, text: string): Constraint {
  const m = /^v?([0-9xX*]+)(?:\.([0-9xX*]+))?(?:\.([0-9xX*]+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (m === null) throw new SemverError('invalid version constraint');
  let minorDirty = false;
  let patchDirty = false;
  let dirty = false;
  let ver: string;
  const pre = m[4] ?? '';
  if (isWild(m[1])) {
    // "*": Masterminds marks only the whole constraint dirty, which makes it match anything
    ver = `0.0.0${pre}`;
    dirty = true;
  } else if (m[2] === undefined || isWild(m[2])) {
    ver = `${m[1] as string}.0.0${pre}`;
    minorDirty = true;
    patchDirty = true;
  } else if (m[3] === undefined || isWild(m[3])) {
    ver = `${m[1] as string}.${m[2]}.0${pre}`;
    patchDirty = true;
  } else {
    ver = `${m[1] as string}.${m[2]}.${m[3]}${pre}`;
  }
  let con: SemverVersion;
  try {
    con = parseVersion(ver);
  } catch {
    throw new SemverError('invalid version constraint');
  }
  return { op, con, minorDirty, patchDirty, dirty: dirty || minorDirty || patchDirty };
}

function tilde(v: SemverVersion, c: Constraint): boolean {
  if (compareVersions(v, c.con) < 0) return false;
  if (c.con.major === 0 && c.con.minor === 0 && c.con.patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  return v.minor === c.con.minor || c.minorDirty;
}

function caret(v: SemverVersion, c: Constraint): boolean {
  if (compareVersions(v, c.con) < 0) return false;
  if (c.con.major > 0 || c.minorDirty) return v.major === c.con.major;
  if (v.major > 0) return false;
  if (c.con.minor > 0 || c.patchDirty) return v.minor === c.con.minor;
  if (v.minor > 0) return false;
  return v.patch === c.con.patch;
}

function check(v: SemverVersion, c: Constraint): boolean {
  const cmp = compareVersions(v, c.con);
  if (c.op === '!=' && !c.dirty) return cmp !== 0;
  // prerelease versions only match constraints that name a prerelease
  if (v.prerelease !== '' && c.con.prerelease === '') return false;
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : cmp === 0;
    case '!=':
      if (v.major !== c.con.major) return true;
      if (c.minorDirty) return false;
      return v.minor !== c.con.minor;
    case '>':
      if (!c.dirty) return cmp > 0;
      if (v.major !== c.con.major) return v.major > c.con.major;
      if (c.minorDirty) return false;
      return v.minor > c.con.minor;
    case '<':
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      if (v.major !== c.con.major) return v.major < c.con.major;
      if (c.minorDirty) return true;
      return v.minor <= c.con.minor;
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
    default:
      throw new SemverError('invalid version constraint');
  }
}

/** Whether `version` satisfies `constraint` (Masterminds' Constraints.Check). */
export function semverSatisfies(constraint: string, version: string): boolean {
  const rewritten = constraint.replace(RANGE, (_all, from: string, to: string) => ` >= ${from}, <= ${to} `);
  const groups = rewritten.split('||').map((segment) => {
    if (!SEGMENT.test(segment)) throw new SemverError('invalid version constraint');
    return Array.from(segment.matchAll(FIND_CONSTRAINT), (m) => parseConstraint(m[1] ?? '', m[2] as string));
  });
  const v = parseVersion(version);
  return groups.some((and) => and.every((c) => check(v, c)));
}

/** What Sprig's `semver` returns: fields `.Major` `.Minor` ... and Go's String() when printed. */
export function semverObject(text: string): Record<string, unknown> {
  const v = parseVersion(text);
  const obj: Record<string, unknown> = {
    Major: v.major,
    Minor: v.minor,
    Patch: v.patch,
    Prerelease: v.prerelease,
    Metadata: v.metadata,
    Original: v.original,
  };
  Object.defineProperty(obj, GO_STRING, { value: () => versionString(v) });
  Object.defineProperty(obj, GO_TYPE, { value: '*semver.Version' });
  return obj;
}
