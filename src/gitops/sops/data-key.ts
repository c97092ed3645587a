/**
 * Wrapping and unwrapping the file's data key with its master keys (sops
 * `UpdateMasterKeys`/`GetDataKey`): one key group wraps the whole key; several groups wrap
 * Shamir shares of it (`shamir_threshold` of them needed). Unwrapping tries age keys first,
 * like sops's default decryption order, and reports every key tried when none works.
 */
import { randomBytes } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { isApiError } from '../../api/index.js';
import { DataKeyError, SopsError } from './errors.js';
import { describeKey, nowRfc3339, type MasterKey } from './metadata.js';
import { ageUnwrap, ageWrap, describeIdentityProblem, loadAgeIdentities, parseAgeRecipient, type LoadedIdentities } from './keys/age.js';
import { defaultTransitClientFactory, parseTransitUri, transitUnwrap, transitWrap, type TransitClientFactory } from './keys/hc-vault.js';

export const DATA_KEY_SIZE = 32;

/** A master key to wrap a data key for (no `enc` yet). */
export type KeySpec = { type: 'age'; recipient: string } | { type: 'hc_vault'; vaultAddress: string; enginePath: string; keyName: string };

export interface KeyServices {
  /** Environment for identities (`SOPS_AGE_KEY*`) and Vault settings. */
  env: NodeJS.ProcessEnv;
  /** Transit clients (default: the project's API client for the key's address). */
  transit?: TransitClientFactory;
}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_SIZE);
}

/** Key specs from sops-style flag values: `--age a,b` and `--hc-vault-transit uri,uri`. */
export function keySpecsFrom(age: readonly string[], vaultUris: readonly string[], env: NodeJS.ProcessEnv): KeySpec[] {
  const specs: KeySpec[] = [];
  for (const list of age) for (const r of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) specs.push({ type: 'age', recipient: parseAgeRecipient(r) });
  for (const list of vaultUris) for (const u of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) specs.push({ type: 'hc_vault', ...parseTransitUri(u, env) });
  return dedupe(specs);
}

export function specId(k: KeySpec | MasterKey): string {
  if (k.type === 'age') return `age/${k.recipient}`;
  if (k.type === 'hc_vault') return `hc_vault/${k.vaultAddress}/v1/${k.enginePath}/keys/${k.keyName}`;
  return `${k.type}/${describeKey(k)}`;
}

function dedupe(specs: KeySpec[]): KeySpec[] {
  const seen = new Set<string>();
  return specs.filter((s) => {
    const id = specId(s);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

async function wrapOne(spec: KeySpec | MasterKey, part: Uint8Array, services: KeyServices): Promise<MasterKey> {
  switch (spec.type) {
    case 'age':
      return { type: 'age', recipient: spec.recipient, enc: await ageWrap(spec.recipient, part) };
    case 'hc_vault': {
      const factory = services.transit ?? defaultTransitClientFactory(services.env);
      const enc = await transitWrap(spec, part, factory);
      return { type: 'hc_vault', vaultAddress: spec.vaultAddress, enginePath: spec.enginePath, keyName: spec.keyName, createdAt: nowRfc3339(), enc };
    }
    default:
      throw new SopsError(`cannot encrypt the data key with ${describeKey(spec)}: ${spec.type} keys are not supported by Coffer`);
  }
}

/** Wraps the data key for every key of every group (Shamir-splitting it across groups). */
export async function wrapDataKey(
  groups: readonly (readonly (KeySpec | MasterKey)[])[],
  dataKey: Uint8Array,
  services: KeyServices,
  shamirThreshold?: number,
): Promise<MasterKey[][]> {
  if (groups.length === 0 || groups.every((g) => g.length === 0)) {
    throw new SopsError('No master keys were provided, so sops can\'t encrypt the file (use --age, --hc-vault-transit or a .sops.yaml creation rule)');
  }
  let parts: Uint8Array[];
  if (groups.length === 1) parts = [dataKey];
  else {
    const threshold = shamirThreshold === undefined || shamirThreshold === 0 ? groups.length : shamirThreshold;
    if (threshold < 2 || threshold > groups.length) throw new SopsError(`shamir_threshold must be between 2 and the number of key groups (${groups.length})`);
    parts = await split(new Uint8Array(dataKey), groups.length, threshold);
  }
  const out: MasterKey[][] = [];
  for (const [i, group] of groups.entries()) {
    const part = parts[i] ?? dataKey;
    const wrapped: MasterKey[] = [];
    for (const k of group) wrapped.push(await wrapOne(k, part, services));
    out.push(wrapped);
  }
  return out;
}

const ORDER: Record<MasterKey['type'], number> = { age: 0, pgp: 1, hc_vault: 2, kms: 3, gcp_kms: 3, azure_kv: 3, hckms: 3 };

async function unwrapOne(key: MasterKey, services: KeyServices, identities: () => LoadedIdentities): Promise<Uint8Array> {
  switch (key.type) {
    case 'age': {
      const loaded = identities();
      if (loaded.identities.length === 0) throw new SopsError(describeIdentityProblem(loaded));
      return ageUnwrap(key.enc, loaded.identities);
    }
    case 'hc_vault':
      return transitUnwrap(key, key.enc, services.transit ?? defaultTransitClientFactory(services.env));
    default:
      throw new SopsError(`${key.type} keys are not supported by Coffer`);
  }
}

function errText(err: unknown): string {
  if (isApiError(err)) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Recovers the data key (sops `GetDataKeyWithKeyServices`). */
export async function unwrapDataKey(groups: readonly (readonly MasterKey[])[], services: KeyServices, shamirThreshold?: number): Promise<Buffer> {
  let cached: LoadedIdentities | undefined;
  const identities = (): LoadedIdentities => (cached ??= loadAgeIdentities(services.env));
  const parts: Uint8Array[] = [];
  const report: string[] = [];
  for (const [gi, group] of groups.entries()) {
    const lines: string[] = [];
    let part: Uint8Array | undefined;
    const ordered = [...group].sort((a, b) => ORDER[a.type] - ORDER[b.type]);
    for (const key of ordered) {
      try {
        part = await unwrapOne(key, services, identities);
        break;
      } catch (err) {
        lines.push(`  ${describeKey(key)}: FAILED`, `    - | ${errText(err).split('\n').join('\n      | ')}`);
      }
    }
    if (part !== undefined) {
      parts.push(part);
      report.push(`Group ${gi}: SUCCESS`);
    } else {
      report.push(`Group ${gi}: FAILED`, ...lines);
    }
  }
  const need = groups.length === 1 ? 1 : shamirThreshold !== undefined && shamirThreshold > 0 ? shamirThreshold : groups.length;
  if (parts.length < need) {
    const tail =
      groups.length === 1
        ? 'Recovery failed because no master key was able to decrypt the file. In order for SOPS to recover the file, at least one key has to be successful, but none were.'
        : `Recovery failed because the file was encrypted with a Shamir threshold of ${need}, but only ${parts.length} part(s) were successfully decrypted, one per key group. In order for SOPS to recover the file, at least ${need} groups have to be successful.`;
    throw new DataKeyError(['Failed to get the data key required to decrypt the SOPS file.', '', ...report, '', tail].join('\n'));
  }
  const key = groups.length === 1 ? parts[0] : await combine(parts.slice(0, need).map((p) => new Uint8Array(p)));
  if (key === undefined || key.length !== DATA_KEY_SIZE) throw new DataKeyError('Failed to get the data key required to decrypt the SOPS file: the recovered key is not 32 bytes');
  return Buffer.from(key);
}
