/** `random(/:source)(/:bytes)`, `hash(/:algorithm)` and `cache-config`. */
import { randomBytes } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';
import { definePath, f, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { decodeStd } from './b64.js';
import type { TransitContext } from './context.js';
import { digest, SUM_ALGORITHMS, type HashName } from './hashes.js';
import { MIN_CACHE_SIZE } from './key-store.js';

/** Vault's `random.APIMaxBytes`. */
export const RANDOM_MAX_BYTES = 128 * 1024;

const SOURCES = new Set(['', 'platform', 'seal', 'all']);

function atoi(text: string): number {
  if (!/^[+-]?\d{1,15}$/.test(text)) throw new UserError(`error parsing url-set byte count: strconv.Atoi: parsing "${text}": invalid syntax`);
  return Number(text);
}

function encode(bytes: Buffer, format: string): string {
  return format === 'hex' ? bytes.toString('hex') : bytes.toString('base64');
}

function checkFormat(format: string, quote: boolean): void {
  if (format !== 'hex' && format !== 'base64') {
    throw new UserError(`unsupported encoding format ${quote ? JSON.stringify(format) : format}; must be "hex" or "base64"`);
  }
}

export function pathsTools(ctx: TransitContext): PathSpec<any>[] {
  const random = definePath({
    pattern: 'random(?:/(?<source>[^/]+))?(?:/(?<urlbytes>[^/]+))?',
    fields: {
      source: f.string({ description: 'Entropy source: platform (default), seal or all.' }),
      urlbytes: f.string({ description: 'Number of bytes (URL form).' }),
      bytes: f.int({ description: 'Number of random bytes (default 32).', default: 32 }),
      format: f.string({ description: 'base64 (default) or hex.', default: 'base64' }),
    },
    operations: {
      update: async (_req, fl): Promise<LogicalResponse> => {
        // The URL forms are random/<bytes>, random/<source> and random/<source>/<bytes>.
        let source = 'platform';
        let bytes = fl.bytes;
        if (fl.source !== undefined && fl.urlbytes === undefined && SOURCES.has(fl.source)) source = fl.source;
        else if (fl.source !== undefined && fl.urlbytes === undefined) bytes = atoi(fl.source);
        else if (fl.source !== undefined && fl.urlbytes !== undefined) {
          source = fl.source;
          bytes = atoi(fl.urlbytes);
        }
        if (bytes < 1) throw new UserError('"bytes" cannot be less than 1');
        if (bytes > RANDOM_MAX_BYTES) throw new UserError(`"bytes" should be less than ${RANDOM_MAX_BYTES}`);
        checkFormat(fl.format, true);
        if (!SOURCES.has(source)) throw new UserError(`unsupported entropy source "${source}"; must be "platform" or "seal", or "all"`);
        const resp: LogicalResponse = { data: { random_bytes: encode(randomBytes(bytes), fl.format) } };
        // There is no seal entropy augmentation here: every source is the platform's CSPRNG.
        if (source === 'seal') resp.warnings = ['no seal/entropy augmentation available, using platform entropy source'];
        return resp;
      },
    },
    synopsis: 'Generate random bytes',
  });

  const hash = definePath({
    pattern: 'hash(?:/(?<urlalgorithm>.+))?',
    fields: {
      urlalgorithm: f.string({ description: 'Algorithm (URL form).' }),
      input: f.string({ description: 'The base64-encoded input data' }),
      algorithm: f.string({ description: 'sha2-224, sha2-256 (default), sha2-384, sha2-512, sha3-224, sha3-256, sha3-384 or sha3-512.', default: 'sha2-256' }),
      format: f.string({ description: 'hex (default) or base64.', default: 'hex' }),
    },
    operations: {
      update: async (_req, fl) => {
        if (fl.input === undefined) throw new UserError('input missing');
        let input: Buffer;
        try {
          input = decodeStd(fl.input);
        } catch (err) {
          throw new UserError(`unable to decode input as base64: ${(err as Error).message}`);
        }
        checkFormat(fl.format, false);
        const algorithm = fl.urlalgorithm || fl.algorithm;
        if (!(SUM_ALGORITHMS as readonly string[]).includes(algorithm)) throw new UserError(`unsupported algorithm ${algorithm}`);
        return { data: { sum: encode(digest(algorithm as HashName, input), fl.format) } };
      },
    },
    synopsis: 'Generate a hash sum for input data',
  });

  const cacheConfig = definePath({
    pattern: 'cache-config',
    fields: {
      size: f.int({ description: 'Size of the key cache (LRU); 0 = unlimited.', default: 0 }),
    },
    operations: {
      read: async () => ({ data: { size: ctx.store.configuredCacheSize } }),
      update: async (_req, fl) => {
        if (fl.size !== 0 && fl.size < MIN_CACHE_SIZE) throw new UserError(`size must be 0 or a value greater or equal to ${MIN_CACHE_SIZE}`);
        await ctx.store.writeCacheConfig(fl.size);
        return { data: { size: fl.size } };
      },
    },
    synopsis: 'Configure caching strategy',
  });

  return [random, hash, cacheConfig];
}
