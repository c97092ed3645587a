/** sys/tools/random and sys/tools/hash (Vault's tools API). */
import { createHash, getHashes, randomBytes } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';
import { definePath, f } from '../../sdk/index.js';

const MAX_RANDOM_BYTES = 128 * 1024;

/** Vault's algorithm names → OpenSSL's. */
const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};

function encode(bytes: Buffer, format: string): string {
  if (format === 'hex') return bytes.toString('hex');
  if (format === 'base64') return bytes.toString('base64');
  throw new UserError(`unsupported encoding format "${format}"; must be "hex" or "base64"`);
}

export function toolPaths() {
  const available = new Set(getHashes());
  const randomFields = {
    urlbytes: f.string({ description: 'Number of bytes, from the URL.' }),
    source: f.string({ description: 'Entropy source: "platform", "seal" or "all".', default: 'platform' }),
    bytes: f.int({ description: 'Number of bytes to return.', default: 32 }),
    format: f.string({ description: 'Encoding: "base64" or "hex".', default: 'base64' }),
  };
  const randomHandler = async (
    _req: unknown,
    fields: { urlbytes: string | undefined; source: string; bytes: number; format: string },
  ) => {
    let count = fields.bytes;
    if (fields.urlbytes !== undefined && fields.urlbytes !== '') {
      if (!/^\d+$/.test(fields.urlbytes)) throw new UserError(`error parsing URL bytes as an integer: "${fields.urlbytes}"`);
      count = Number.parseInt(fields.urlbytes, 10);
    }
    if (!['platform', 'seal', 'all'].includes(fields.source)) {
      throw new UserError(`unsupported entropy source "${fields.source}"; must be "platform", "seal" or "all"`);
    }
    if (count < 1) throw new UserError('the number of bytes requested must be at least 1');
    if (count > MAX_RANDOM_BYTES) throw new UserError(`the number of bytes requested is too large (max ${MAX_RANDOM_BYTES})`);
    return { data: { random_bytes: encode(randomBytes(count), fields.format) } };
  };
  const hashFields = {
    urlalgorithm: f.string({ description: 'Algorithm, from the URL.' }),
    input: f.string({ description: 'Base64-encoded input.' }),
    algorithm: f.string({ description: 'sha2-224, sha2-256, sha2-384, sha2-512, sha3-224, sha3-256, sha3-384 or sha3-512.', default: 'sha2-256' }),
    format: f.string({ description: 'Encoding of the sum: "hex" or "base64".', default: 'hex' }),
  };
  const hashHandler = async (
    _req: unknown,
    fields: { urlalgorithm: string | undefined; input: string | undefined; algorithm: string; format: string },
  ) => {
    const algorithm = fields.urlalgorithm || fields.algorithm;
    const openssl = HASH_ALGORITHMS[algorithm];
    if (!openssl || !available.has(openssl)) throw new UserError(`unsupported algorithm "${algorithm}"`);
    if (fields.input === undefined) throw new UserError('missing input to hash');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(fields.input) || fields.input.length % 4 === 1) {
      throw new UserError('unable to decode input as base64');
    }
    if (fields.format !== 'hex' && fields.format !== 'base64') {
      throw new UserError(`unsupported encoding format "${fields.format}"; must be "hex" or "base64"`);
    }
    const sum = createHash(openssl).update(Buffer.from(fields.input, 'base64')).digest();
    return { data: { sum: encode(sum, fields.format) } };
  };
  return [
    definePath({ pattern: 'tools/random', fields: randomFields, synopsis: 'Random bytes.', operations: { update: randomHandler } }),
    definePath({
      pattern: 'tools/random/(?<urlbytes>\\d+)',
      fields: randomFields,
      synopsis: 'Random bytes.',
      operations: { update: randomHandler },
    }),
    definePath({
      pattern: 'tools/random/(?<source>[^/]+)(?:/(?<urlbytes>[^/]+))?',
      fields: randomFields,
      synopsis: 'Random bytes from a chosen source.',
      operations: { update: randomHandler },
    }),
    definePath({ pattern: 'tools/hash', fields: hashFields, synopsis: 'Hash data.', operations: { update: hashHandler } }),
    definePath({
      pattern: 'tools/hash/(?<urlalgorithm>.+)',
      fields: hashFields,
      synopsis: 'Hash data with the algorithm named in the URL.',
      operations: { update: hashHandler },
    }),
  ];
}
