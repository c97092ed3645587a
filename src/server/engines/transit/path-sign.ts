/** `sign/:name(/:algorithm)`, `verify/:name(/:algorithm)` and `hmac/:name(/:algorithm)`. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { decodeStd, encodeStd } from './b64.js';
import { decodeStringItems, itemError } from './batch.js';
import { NAME, type TransitContext } from './context.js';
import { hmacKeyOf } from './encryption.js';
import { HASH_ALGORITHMS, isHashName, isSignHashName, type HashName, type SignHashName } from './hashes.js';
import { supportsSigning } from './key-types.js';
import type { Policy } from './policy.js';
import { sign, verify, type Marshaling, type SignatureOptions } from './signing.js';

const NAME_FIELD = f.string({ description: 'The key to use', required: true });
const BATCH_FIELD = f.any({ description: 'A list of items to process in one request; results keep the input order.' });

const SIGNATURE_FIELDS = {
  name: NAME_FIELD,
  urlalgorithm: f.string({ description: 'Hash algorithm (URL form).' }),
  input: f.string({ description: 'The base64-encoded input data' }),
  context: f.string({ description: 'Base64 context for key derivation (derived ed25519 keys).' }),
  hash_algorithm: f.string({
    description: 'sha1, sha2-224, sha2-256 (default), sha2-384, sha2-512, sha3-224, sha3-256, sha3-384, sha3-512 or none.',
  }),
  algorithm: f.string({ description: 'Deprecated: use "hash_algorithm" instead.' }),
  prehashed: f.bool({ description: 'The input is already a digest.', default: false }),
  signature_algorithm: f.string({ description: "RSA only: 'pss' (default) or 'pkcs1v15'.", default: '' }),
  marshaling_algorithm: f.string({ description: "'asn1' (default) or 'jws' (ECDSA r‖s, base64url).", default: 'asn1' }),
  salt_length: f.string({ description: "RSA-PSS salt length: 'auto' (default), 'hash' or a number of bytes.", default: 'auto' }),
  batch_input: BATCH_FIELD,
};

const SIGN_FIELDS = {
  ...SIGNATURE_FIELDS,
  key_version: f.int({ description: 'Key version to sign with (0 = latest).', default: 0 }),
};

const VERIFY_FIELDS = {
  ...SIGNATURE_FIELDS,
  signature: f.string({ description: 'The signature, including the vault:v<N>: prefix' }),
  hmac: f.string({ description: 'The HMAC, including the vault:v<N>: prefix' }),
};

type SignatureFields = FieldValues<typeof SIGNATURE_FIELDS>;

const DEFAULT_HASH = 'sha2-256';

/** Go's `getSaltLength`: auto = 0, hash = -1, or a number ≥ -1. */
function saltLength(raw: string): number {
  const lower = raw.toLowerCase();
  if (lower === 'auto') return 0;
  if (lower === 'hash') return -1;
  if (!/^[+-]?\d+$/.test(lower)) throw new UserError(`salt length neither 'auto', 'hash', nor an int: ${raw}`);
  const n = Number(lower);
  if (n < -1) throw new UserError(`salt length is invalid: ${n}`);
  return n;
}

function signatureOptions(fl: SignatureFields): Omit<SignatureOptions, 'context'> {
  const hashName = fl.urlalgorithm || fl.hash_algorithm || fl.algorithm || DEFAULT_HASH;
  if (!isSignHashName(hashName)) throw new UserError(`invalid hash algorithm "${hashName}"`);
  const marshaling = fl.marshaling_algorithm;
  if (marshaling !== 'asn1' && marshaling !== 'jws') throw new UserError(`invalid marshaling type "${marshaling}"`);
  return {
    hash: hashName,
    prehashed: fl.prehashed,
    marshaling: marshaling as Marshaling,
    saltLength: saltLength(fl.salt_length),
    signatureAlgorithm: fl.signature_algorithm,
  };
}

function checkNoneHash(opts: { hash: SignHashName; prehashed: boolean; signatureAlgorithm: string }): void {
  if (opts.hash === 'none' && (!opts.prehashed || opts.signatureAlgorithm !== 'pkcs1v15')) {
    throw new UserError('hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15');
  }
}

function batchRaw(req: LogicalRequest): unknown {
  const raw = req.data['batch_input'];
  return raw === null ? undefined : raw;
}

function items(req: LogicalRequest, single: () => Map<string, string>): { list: Map<string, string>[]; batch: boolean } {
  const raw = batchRaw(req);
  if (raw === undefined) return { list: [single()], batch: false };
  const list = decodeStringItems(raw);
  if (list.length === 0) throw new UserError('missing batch input to process');
  return { list, batch: true };
}

function decodeInput(raw: string): Buffer {
  try {
    return decodeStd(raw);
  } catch (err) {
    throw new UserError(`unable to decode input as base64: ${(err as Error).message}`);
  }
}

function decodeItemContext(raw: string | undefined): Buffer | undefined {
  if (!raw) return undefined;
  try {
    return decodeStd(raw);
  } catch {
    throw new UserError('failed to base64-decode context');
  }
}

/** Runs `fn` per item; single requests rethrow the item's error (400, or 500 for internal ones). */
function runItems<T extends object>(
  list: Map<string, string>[],
  batch: boolean,
  fn: (item: Map<string, string>) => T,
): (T | { error: string })[] {
  return list.map((item) => {
    try {
      return fn(item);
    } catch (err) {
      if (!batch) throw err;
      return { error: itemError(err).message };
    }
  });
}

function withReference<T extends object>(results: T[], list: Map<string, string>[]): (T & { reference: string })[] {
  return results.map((r, i) => ({ ...r, reference: list[i]?.get('reference') ?? '' }));
}

export function pathsSign(ctx: TransitContext): PathSpec<any>[] {
  async function signingPolicy(name: string, missing: string): Promise<Policy> {
    const p = await ctx.store.get(name);
    if (!p) throw new UserError(missing);
    return p;
  }

  const signPath = definePath({
    pattern: `sign/(?<name>${NAME})(?:/(?<urlalgorithm>.+))?`,
    fields: SIGN_FIELDS,
    operations: {
      update: async (req, fl): Promise<LogicalResponse> => {
        const opts = signatureOptions(fl);
        const p = await signingPolicy(fl.name, 'signing key not found');
        if (!supportsSigning(p.type)) throw new UserError(`key type ${p.type} does not support signing`);
        checkNoneHash(opts);
        const { list, batch } = items(req, () => new Map([['input', fl.input ?? ''], ['context', fl.context ?? '']]));
        const results = runItems(list, batch, (item) => {
          const rawInput = item.get('input');
          if (rawInput === undefined) throw new UserError('missing input');
          const input = decodeInput(rawInput);
          const context = decodeItemContext(item.get('context'));
          const r = sign(p, fl.key_version, input, { ...opts, context });
          return { signature: r.signature, key_version: r.version, ...(r.publicKey ? { publickey: encodeStd(r.publicKey) } : {}) };
        });
        if (!batch) {
          const only = results[0] as { signature: string; key_version: number; publickey?: string };
          return {
            data: { signature: only.signature, key_version: only.key_version, ...(only.publickey ? { public_key: only.publickey } : {}) },
          };
        }
        // A failed item still reports key_version (0), as Vault's struct has no omitempty there.
        return { data: { batch_results: withReference(results.map((r) => ('error' in r ? { key_version: 0, ...r } : r)), list) } };
      },
    },
    synopsis: 'Generate a signature for input data using the named key',
  });

  const verifyPath = definePath({
    pattern: `verify/(?<name>${NAME})(?:/(?<urlalgorithm>.+))?`,
    fields: VERIFY_FIELDS,
    operations: {
      update: async (req, fl): Promise<LogicalResponse> => {
        const batch = batchRaw(req) !== undefined;
        const { list } = items(req, () => {
          const m = new Map([['input', fl.input ?? '']]);
          if (fl.signature !== undefined) m.set('signature', fl.signature);
          if (fl.hmac !== undefined) m.set('hmac', fl.hmac);
          m.set('context', fl.context ?? '');
          return m;
        });
        let sigFound = false;
        let hmacFound = false;
        let missing = false;
        for (const item of list) {
          if (item.has('signature')) sigFound = true;
          else if (item.has('hmac')) hmacFound = true;
          else missing = true;
        }
        if (!batch && sigFound && hmacFound) throw new UserError("provide one of 'signature' or 'hmac'");
        if (!batch && !sigFound && !hmacFound) throw new UserError("neither a 'signature' nor an 'hmac' were given to verify");
        if (sigFound && hmacFound) throw new UserError("elements of batch_input must all provide 'signature' or all provide 'hmac'");
        if (missing && sigFound) throw new UserError("some elements of batch_input are missing 'signature'");
        if (missing && hmacFound) throw new UserError("some elements of batch_input are missing 'hmac'");
        if (missing) throw new UserError("no batch_input elements have 'signature' or 'hmac'");
        if (hmacFound) return hmacVerify(fl.name, fl.urlalgorithm || fl.algorithm || DEFAULT_HASH, list, batch);

        const opts = signatureOptions(fl);
        const p = await signingPolicy(fl.name, 'signature verification key not found');
        if (!supportsSigning(p.type)) throw new UserError(`key type ${p.type} does not support verification`);
        checkNoneHash(opts);
        const results = runItems(list, batch, (item) => {
          const rawInput = item.get('input');
          if (rawInput === undefined) throw new UserError('missing input');
          const input = decodeInput(rawInput);
          const signature = item.get('signature');
          if (signature === undefined) throw new UserError('missing signature');
          const context = decodeItemContext(item.get('context'));
          return { valid: verify(p, input, signature, { ...opts, context }) };
        });
        if (!batch) return { data: { valid: (results[0] as { valid: boolean }).valid } };
        return { data: { batch_results: withReference(results.map((r) => ('error' in r ? { valid: false, ...r } : r)), list) } };
      },
    },
    synopsis: 'Verify a signature or HMAC for input data created using the named key',
  });

  async function hmacVerify(name: string, algorithm: string, list: Map<string, string>[], batch: boolean): Promise<LogicalResponse> {
    const p = await signingPolicy(name, 'encryption key not found');
    const hash = hmacAlgorithm(algorithm);
    const results = runItems(list, batch, (item) => {
      const rawInput = item.get('input');
      if (rawInput === undefined) throw new UserError('missing input');
      const input = decodeInput(rawInput);
      const given = item.get('hmac');
      if (given === undefined) throw new UserError('missing hmac');
      if (!given.startsWith('vault:v')) throw new UserError('invalid HMAC to verify: no prefix');
      const rest = given.slice('vault:v'.length);
      const colon = rest.indexOf(':');
      if (colon === -1) throw new UserError('invalid HMAC: wrong number of fields');
      const versionText = rest.slice(0, colon);
      if (!/^[+-]?\d{1,18}$/.test(versionText)) throw new UserError('invalid HMAC: version number could not be decoded');
      const version = Number(versionText);
      let expected: Buffer;
      try {
        expected = decodeStd(rest.slice(colon + 1));
      } catch (err) {
        throw new UserError(`unable to decode verification HMAC as base64: ${(err as Error).message}`);
      }
      if (version > p.latestVersion) throw new UserError('invalid HMAC: version is too new');
      if (p.minDecryptionVersion > 0 && version < p.minDecryptionVersion) {
        throw new UserError('cannot verify HMAC: version is too old (disallowed by policy)');
      }
      const actual = createHmac(HASH_ALGORITHMS[hash].node, hmacKeyOf(p, version)).update(input).digest();
      return { valid: actual.length === expected.length && timingSafeEqual(actual, expected) };
    });
    if (!batch) return { data: { valid: (results[0] as { valid: boolean }).valid } };
    return { data: { batch_results: withReference(results.map((r) => ('error' in r ? { valid: false, ...r } : r)), list) } };
  }

  const hmacPath = definePath({
    pattern: `hmac/(?<name>${NAME})(?:/(?<urlalgorithm>.+))?`,
    fields: {
      name: NAME_FIELD,
      urlalgorithm: f.string({ description: 'Algorithm (URL form).' }),
      input: f.string({ description: 'The base64-encoded input data' }),
      algorithm: f.string({ description: 'sha2-224, sha2-256 (default), sha2-384, sha2-512, sha3-224, sha3-256, sha3-384, sha3-512.' }),
      key_version: f.int({ description: 'Key version to use (0 = latest).', default: 0 }),
      batch_input: BATCH_FIELD,
    },
    operations: {
      update: async (req, fl): Promise<LogicalResponse> => {
        const p = await signingPolicy(fl.name, 'encryption key not found');
        let version = fl.key_version;
        if (version === 0) version = p.latestVersion;
        else if (version !== p.latestVersion && p.minEncryptionVersion > 0 && version < p.minEncryptionVersion) {
          throw new UserError('cannot generate HMAC: version is too old (disallowed by policy)');
        }
        const key = hmacKeyOf(p, version);
        const hash = hmacAlgorithm(fl.urlalgorithm || fl.algorithm || DEFAULT_HASH);
        const { list, batch } = items(req, () => {
          if (fl.input === undefined) throw new UserError('missing input for HMAC');
          return new Map([['input', fl.input]]);
        });
        const results = runItems(list, batch, (item) => {
          const rawInput = item.get('input');
          if (rawInput === undefined) throw new UserError('missing input for HMAC');
          const sum = createHmac(HASH_ALGORITHMS[hash].node, key).update(decodeInput(rawInput)).digest();
          return { hmac: `vault:v${version}:${encodeStd(sum)}` };
        });
        if (!batch) return { data: { hmac: (results[0] as { hmac: string }).hmac } };
        return { data: { batch_results: withReference(results, list) } };
      },
    },
    synopsis: 'Generate an HMAC for input data using the named key',
  });

  return [signPath, verifyPath, hmacPath];
}

function hmacAlgorithm(name: string): HashName {
  if (!isHashName(name)) throw new UserError(`unsupported algorithm "${name}"`);
  return name;
}
