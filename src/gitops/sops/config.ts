/**
 * `.sops.yaml` (sops `config/config.go`): found by walking up from the file's directory, the
 * first `creation_rules` entry whose `path_regex` matches the file path (relative to the config
 * file's directory) or that has no `path_regex` decides the keys (`age`,
 * `hc_vault_transit_uri`, or `key_groups` + `shamir_threshold`) and the encryption rules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYamlText } from 'yaml';
import { SopsError } from './errors.js';
import { checkRules, compileGoRegex, type EncryptionRules } from './rules.js';
import { keySpecsFrom, type KeySpec } from './data-key.js';

export const CONFIG_FILE_NAME = '.sops.yaml';
const ALTERNATE_NAME = '.sops.yml';
const MAX_DEPTH = 100;

export interface CreationRule {
  /** Key groups to wrap the data key for (one group unless `key_groups` is used). */
  keyGroups: KeySpec[][];
  shamirThreshold?: number;
  rules: EncryptionRules;
}

/** The nearest `.sops.yaml` (or `.sops.yml`) at or above `startDir`. */
export function findConfigFile(startDir: string): string | undefined {
  let dir = resolve(startDir);
  let alternate: string | undefined;
  for (let i = 0; i < MAX_DEPTH; i++) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const alt = join(dir, ALTERNATE_NAME);
    if (alternate === undefined && existsSync(alt)) alternate = alt;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return alternate;
}

const UNSUPPORTED = ['kms', 'pgp', 'gcp_kms', 'azure_keyvault', 'hckms', 'plugins'] as const;

function keyList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (typeof x !== 'string') throw new SopsError(`invalid ${field} key configuration: expected string in list`);
      return x.trim();
    });
  }
  throw new SopsError(`invalid ${field} key configuration: expected a string or a list of strings`);
}

function rejectUnsupported(obj: Record<string, unknown>, where: string): void {
  for (const f of UNSUPPORTED) {
    const v = obj[f];
    if (v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)) {
      throw new SopsError(`${where} uses ${f} keys, which Coffer does not support (only age and hc_vault)`);
    }
  }
}

function groupFrom(g: unknown, env: NodeJS.ProcessEnv, depth = 0): KeySpec[] {
  if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new SopsError('error loading config: every key_groups entry must be a mapping');
  if (depth > 10) throw new SopsError('error loading config: key group merges nest too deep');
  const o = g as Record<string, unknown>;
  rejectUnsupported(o, 'a key group');
  const specs: KeySpec[] = [];
  if (Array.isArray(o['merge'])) for (const m of o['merge']) specs.push(...groupFrom(m, env, depth + 1));
  specs.push(...keySpecsFrom(keyList(o['age'], 'age'), keyList(o['hc_vault'], 'hc_vault'), env));
  return specs;
}

function ruleFrom(r: Record<string, unknown>, env: NodeJS.ProcessEnv): CreationRule {
  const str = (k: string): string | undefined => {
    const v = r[k];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new SopsError(`error loading config: ${k} must be a string`);
    return v;
  };
  const rules: EncryptionRules = {};
  const set = (field: keyof EncryptionRules & string, key: string): void => {
    const v = str(key);
    if (v !== undefined) (rules as Record<string, string>)[field] = v;
  };
  set('unencryptedSuffix', 'unencrypted_suffix');
  set('encryptedSuffix', 'encrypted_suffix');
  set('unencryptedRegex', 'unencrypted_regex');
  set('encryptedRegex', 'encrypted_regex');
  set('unencryptedCommentRegex', 'unencrypted_comment_regex');
  set('encryptedCommentRegex', 'encrypted_comment_regex');
  if (r['mac_only_encrypted'] === true) rules.macOnlyEncrypted = true;
  checkRules(rules);
  let keyGroups: KeySpec[][];
  if (Array.isArray(r['key_groups']) && r['key_groups'].length > 0) {
    keyGroups = r['key_groups'].map((g) => groupFrom(g, env));
  } else {
    rejectUnsupported(r, 'the creation rule');
    keyGroups = [keySpecsFrom(keyList(r['age'], 'age'), keyList(r['hc_vault_transit_uri'], 'hc_vault_transit_uri'), env)];
  }
  const rule: CreationRule = { keyGroups, rules };
  const t = r['shamir_threshold'];
  if (typeof t === 'number' && t > 0) rule.shamirThreshold = t;
  return rule;
}

/**
 * The creation rule for `filePath` from the config at `configPath`; `undefined` when the
 * config has no `creation_rules`. Throws when rules exist but none matches (as sops does).
 */
export function creationRuleFor(configPath: string, filePath: string, env: NodeJS.ProcessEnv = {}): CreationRule | undefined {
  let doc: unknown;
  try {
    doc = parseYamlText(readFileSync(configPath, 'utf8'));
  } catch (err) {
    throw new SopsError(`error loading config: Could not unmarshal config file ${configPath}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (doc === null || doc === undefined) return undefined;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new SopsError(`error loading config: ${configPath} must be a mapping`);
  const rulesList = (doc as Record<string, unknown>)['creation_rules'];
  if (rulesList === undefined || rulesList === null) return undefined;
  if (!Array.isArray(rulesList)) throw new SopsError('error loading config: creation_rules must be a list');
  const configDir = dirname(resolve(configPath));
  const abs = resolve(filePath);
  const rel = abs.startsWith(configDir + sep) ? relative(configDir, abs).split(sep).join('/') : abs.split(sep).join('/');
  for (const raw of rulesList) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SopsError('error loading config: every creation rule must be a mapping');
    const r = raw as Record<string, unknown>;
    const pathRegex = r['path_regex'];
    if (pathRegex === undefined || pathRegex === null || pathRegex === '') return ruleFrom(r, env);
    if (typeof pathRegex !== 'string') throw new SopsError('error loading config: path_regex must be a string');
    if (compileGoRegex(pathRegex, 'path_regex').test(rel)) return ruleFrom(r, env);
  }
  throw new SopsError(`error loading config: no matching creation rules found in ${configPath} for ${rel}`);
}
