/**
 * The rest of Sprig: regular expressions, UUIDs and password hashes, dates, URLs, semver and
 * flow control (`fail`, plus Helm's `required`, which ESO users expect).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { argInt, argMap, argString, argTime, withArity } from './func-args.js';
import { LOCAL, UTC, formatGoTime, loadLocation } from './go-time.js';
import { formatGoUrl, hostname, parseGoUrl } from './go-url.js';
import { allMatches, compileGoRegexp, quoteMeta, replaceAll, split } from './regexp.js';
import { semverObject, semverSatisfies } from './semver.js';
import type { TemplateFunc } from './types.js';
import { type GoMap, isGoInt, mapHas, mapSet, newMap } from './values.js';

// --- regular expressions ---

function tryCompile(pattern: string): RegExp | undefined {
  try {
    return compileGoRegexp(pattern);
  } catch {
    return undefined;
  }
}

function regexMatch(must: boolean): TemplateFunc {
  return withArity(2, 2, (regex: unknown, s: unknown) => {
    const str = argString(s);
    const re = must ? compileGoRegexp(argString(regex)) : tryCompile(argString(regex));
    return re === undefined ? false : allMatches(re, str, 1).length > 0;
  });
}

const regexFuncs: Record<string, TemplateFunc> = {
  regexMatch: regexMatch(false),
  mustRegexMatch: regexMatch(true),
  regexFindAll: withArity(3, 3, (regex: unknown, s: unknown, n: unknown) =>
    allMatches(compileGoRegexp(argString(regex)), argString(s), argInt(n)).map((m) => m[0]),
  ),
  regexFind: withArity(2, 2, (regex: unknown, s: unknown) => allMatches(compileGoRegexp(argString(regex)), argString(s), 1)[0]?.[0] ?? ''),
  regexReplaceAll: withArity(3, 3, (regex: unknown, s: unknown, repl: unknown) =>
    replaceAll(compileGoRegexp(argString(regex)), argString(s), argString(repl), false),
  ),
  regexReplaceAllLiteral: withArity(3, 3, (regex: unknown, s: unknown, repl: unknown) =>
    replaceAll(compileGoRegexp(argString(regex)), argString(s), argString(repl), true),
  ),
  regexSplit: withArity(3, 3, (regex: unknown, s: unknown, n: unknown) => {
    const pattern = argString(regex);
    return split(compileGoRegexp(pattern), pattern, argString(s), argInt(n));
  }),
  regexQuoteMeta: withArity(1, 1, (s: unknown) => quoteMeta(argString(s))),
};
for (const name of ['regexFindAll', 'regexFind', 'regexReplaceAll', 'regexReplaceAllLiteral', 'regexSplit']) {
  regexFuncs[`must${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`] = regexFuncs[name] as TemplateFunc;
}

// --- crypto ---

/** x/crypto/bcrypt with DefaultCost: a `$2a$10$` hash (bcryptjs makes `$2b$`; the algorithm is the same). */
function bcrypt(input: string): string {
  if (Buffer.byteLength(input, 'utf8') > 72) return 'failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes';
  const salt = bcryptjs.genSaltSync(10).replace(/^\$2b\$/, '$2a$');
  return bcryptjs.hashSync(input, salt);
}

function htpasswd(username: unknown, password: unknown, ...algorithm: unknown[]): string {
  const user = argString(username);
  const pass = argString(password);
  const algo = algorithm.length > 0 ? argString(algorithm[0]) : 'bcrypt';
  if (user.includes(':')) return `invalid username: ${user}`;
  if (algo === 'sha') return `${user}:{SHA}${createHash('sha1').update(pass, 'utf8').digest('base64')}`;
  return `${user}:${bcrypt(pass)}`;
}

const cryptoFuncs: Record<string, TemplateFunc> = {
  uuidv4: withArity(0, 0, () => randomUUID()),
  bcrypt: withArity(1, 1, (s: unknown) => bcrypt(argString(s))),
  htpasswd: withArity(2, 3, htpasswd),
  randBytes: withArity(1, 1, (n: unknown) => {
    const count = argInt(n);
    if (count < 0 || count > 16 * 1024 * 1024) throw new Error('invalid byte count');
    return randomBytes(count).toString('base64');
  }),
};

// --- dates ---

/** Sprig's date argument: a time, or an int of Unix seconds; anything else means now. */
function toTime(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'number' && isGoInt(v)) return new Date(v * 1000);
  if (typeof v === 'bigint') return new Date(Number(v) * 1000);
  return new Date();
}

function dateInZone(layout: unknown, date: unknown, zone: unknown): string {
  return formatGoTime(toTime(date), argString(layout), loadLocation(argString(zone)) ?? UTC);
}

const dateFuncs: Record<string, TemplateFunc> = {
  now: withArity(0, 0, () => new Date()),
  date: withArity(2, 2, (layout: unknown, date: unknown) => formatGoTime(toTime(date), argString(layout), LOCAL)),
  dateInZone: withArity(3, 3, dateInZone),
  date_in_zone: withArity(3, 3, dateInZone),
  htmlDate: withArity(1, 1, (date: unknown) => formatGoTime(toTime(date), '2006-01-02', LOCAL)),
  htmlDateInZone: withArity(2, 2, (date: unknown, zone: unknown) => dateInZone('2006-01-02', date, zone)),
  unixEpoch: withArity(1, 1, (date: unknown) => String(Math.floor(argTime(date).getTime() / 1000))),
};

// --- URLs ---

function urlParse(v: string): GoMap {
  let u;
  try {
    u = parseGoUrl(v);
  } catch {
    throw new Error('unable to parse url');
  }
  const d = newMap();
  mapSet(d, 'scheme', u.scheme);
  mapSet(d, 'host', u.host);
  mapSet(d, 'hostname', hostname(u.host));
  mapSet(d, 'path', u.path);
  mapSet(d, 'query', u.rawQuery);
  mapSet(d, 'opaque', u.opaque);
  mapSet(d, 'fragment', u.fragment);
  mapSet(d, 'userinfo', u.userinfo ?? '');
  return d;
}

function urlJoin(d: GoMap): string {
  const get = (key: string): string => {
    if (!mapHas(d, key)) return '';
    const value = d[key];
    if (typeof value !== 'string') throw new Error('unable to parse dictionary value: expected string');
    return value;
  };
  const userinfo = get('userinfo');
  return formatGoUrl({
    scheme: get('scheme'),
    host: get('host'),
    path: get('path'),
    rawQuery: get('query'),
    opaque: get('opaque'),
    fragment: get('fragment'),
    userinfo: userinfo === '' ? undefined : userinfo,
  });
}

const urlFuncs: Record<string, TemplateFunc> = {
  urlParse: withArity(1, 1, (v: unknown) => urlParse(argString(v))),
  urlJoin: withArity(1, 1, (d: unknown) => urlJoin(argMap(d))),
};

// --- semver and flow control ---

const otherFuncs: Record<string, TemplateFunc> = {
  semver: withArity(1, 1, (v: unknown) => semverObject(argString(v))),
  semverCompare: withArity(2, 2, (constraint: unknown, version: unknown) => semverSatisfies(argString(constraint), argString(version))),
  fail: withArity(1, 1, (msg: unknown) => {
    throw new Error(argString(msg));
  }),
  required: withArity(2, 2, (warn: unknown, val: unknown) => {
    if (val === undefined || val === null || val === '') throw new Error(argString(warn));
    return val;
  }),
};

export const sprigMiscFuncs: Readonly<Record<string, TemplateFunc>> = {
  ...regexFuncs,
  ...cryptoFuncs,
  ...dateFuncs,
  ...urlFuncs,
  ...otherFuncs,
};
