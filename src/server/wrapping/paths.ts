/**
 * The `sys/wrapping/*` endpoints, as sdk paths for the sys backend (patterns relative to
 * `sys/`), and the token check the pipeline runs before authenticating requests to
 * `sys/wrapping/{lookup,rewrap,unwrap}` (Vault's `wrappingVerificationFunc` in `http/`).
 */
import { UserError } from '../../shared/errors.js';
import { definePath, f, type PathSpec } from '../sdk/index.js';
import type { TokenEntry } from '../tokens/index.js';
import {
  INVALID_WRAPPING_TOKEN,
  isWrappingToken,
  sameToken,
  wrappedResponse,
  type WrappingService,
} from './service.js';
import { requestWrapTtl } from './ttl.js';

export interface WrappingCaller {
  token: string;
  entry: TokenEntry;
}

export interface WrapPathsDeps {
  /** The caller of request `requestId` (set by the pipeline for the duration of the call). */
  callerOf(requestId: string): WrappingCaller | null;
}

/** Add to the sys backend's `specialPaths.unauthenticated`. */
export const WRAPPING_UNAUTHENTICATED_PATHS: readonly string[] = ['wrapping/lookup', 'wrapping/pubkey'];

/** Full paths whose wrapping token the pipeline validates first (`checkWrappingRequest`). */
export const WRAPPING_VALIDATED_PATHS: ReadonlySet<string> = new Set([
  'sys/wrapping/lookup',
  'sys/wrapping/rewrap',
  'sys/wrapping/unwrap',
]);

export const WRAP_REQUIRED_ERROR = 'endpoint requires response wrapping to be used';

const tokenField = {
  token: f.string({ description: 'The wrapping token ID.' }),
};

export function wrapPaths(service: WrappingService, deps: WrapPathsDeps): PathSpec<any>[] {
  /**
   * The wrapping token a request is about: `{token}` in the body (a third party), else the
   * caller's own token. `self` is set when it is the caller, whose single use the pipeline
   * has already counted.
   */
  function target(requestId: string, bodyToken: string | undefined): { token: string } | { self: TokenEntry } {
    const caller = deps.callerOf(requestId);
    if (bodyToken !== undefined && bodyToken !== '') {
      if (caller && sameToken(bodyToken, caller.token)) return { self: caller.entry };
      return { token: bodyToken };
    }
    if (!caller || !isWrappingToken(caller.entry)) throw new UserError(INVALID_WRAPPING_TOKEN);
    return { self: caller.entry };
  }

  return [
    definePath({
      pattern: 'wrapping/wrap',
      fields: {},
      takesArbitraryInput: true,
      operations: {
        update: {
          summary: 'Response-wraps an arbitrary JSON object.',
          // The pipeline wraps the echoed data with the request's wrap TTL, always as a
          // plain token (`decideWrap` never issues a JWT here, as in Vault).
          handler: async (req) => {
            if (requestWrapTtl(req.headers) <= 0) throw new UserError(WRAP_REQUIRED_ERROR);
            return { data: { ...req.data } };
          },
        },
      },
      synopsis: 'Response-wraps an arbitrary JSON object.',
      description: 'Round trips the given input data into a response-wrapped token.',
    }),

    definePath({
      pattern: 'wrapping/unwrap',
      fields: tokenField,
      operations: {
        update: {
          summary: 'Unwraps a response-wrapped token.',
          handler: async (req, fields) => {
            const t = target(req.id, fields.token);
            const body = 'self' in t ? await service.unwrapEntry(t.self) : await service.unwrap(t.token);
            // The stored envelope, verbatim (Vault sends the stored JSON bytes as a raw body).
            return { raw: { status: 200, body } };
          },
        },
      },
      synopsis: 'Unwraps a response-wrapped token (e.g. "vault unwrap").',
      description:
        'Unwraps a response-wrapped token. Unlike simply reading from cubbyhole/response, this provides additional validation on the token, and rather than a JSON-escaped string, the returned response is the exact same as the contained wrapped response.',
    }),

    definePath({
      pattern: 'wrapping/lookup',
      fields: tokenField,
      operations: {
        read: { summary: 'Looks up the properties of a response-wrapped token.', handler: lookup },
        update: { summary: 'Looks up the properties of a response-wrapped token.', handler: lookup },
      },
      synopsis: 'Looks up the properties of a response-wrapped token.',
      description: 'Returns the creation TTL, creation time and creation path of a response-wrapped token.',
    }),

    definePath({
      pattern: 'wrapping/rewrap',
      fields: tokenField,
      operations: {
        update: {
          summary: 'Rotates a response-wrapped token.',
          handler: async (req, fields) => {
            const t = target(req.id, fields.token);
            const info = 'self' in t ? await service.rewrapEntry(t.self) : await service.rewrap(t.token);
            return wrappedResponse(info);
          },
        },
      },
      synopsis: 'Rotates a response-wrapped token.',
      description:
        'Rewraps a response-wrapped token; the new token will use the same creation TTL as the original token and contain the same response. The old token will be invalidated.',
    }),

    definePath({
      pattern: 'wrapping/pubkey',
      fields: {},
      operations: {
        read: {
          summary: 'Returns the public key used to sign JWT-format wrapping tokens.',
          handler: async () => {
            const key = service.jwtPublicKey();
            return key ? { data: key } : null;
          },
        },
      },
      synopsis: 'Returns pubkeys used in some wrapping formats.',
    }),
  ];

  async function lookup(req: { id: string }, fields: { readonly token: string | undefined }) {
    const token = fields.token !== undefined && fields.token !== '' ? fields.token : (deps.callerOf(req.id)?.token ?? '');
    if (token === '') throw new UserError('missing "token" value in input');
    const info = await service.lookup(token);
    // Vault's data map, keys in Go's (sorted) order.
    return { data: { creation_path: info.creation_path, creation_time: info.creation_time, creation_ttl: info.creation_ttl } };
  }
}

export interface WrappingRequestInput {
  /** Full request path, e.g. `sys/wrapping/unwrap`. */
  path: string;
  data: Readonly<Record<string, unknown>>;
  clientToken?: string | undefined;
}

/**
 * Vault validates the wrapping token of `sys/wrapping/{lookup,rewrap,unwrap}` before the
 * request is authenticated, so a bad token is a 400 `wrapping token is not valid or does
 * not exist` rather than a 403, and a wrapping token about to be used up still passes.
 * Returns null for other paths; otherwise the request's token and data to continue with
 * (a JWT wrapping token replaced by the token inside it). Throws 400s with Vault's messages.
 */
export async function checkWrappingRequest(
  service: WrappingService,
  input: WrappingRequestInput,
): Promise<{ clientToken: string | undefined; data: Readonly<Record<string, unknown>> } | null> {
  const path = input.path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (!WRAPPING_VALIDATED_PATHS.has(path)) return null;
  const raw = input.data['token'];
  const fromBody = raw !== undefined && raw !== null;
  let token: string;
  if (fromBody) {
    if (typeof raw !== 'string') throw new UserError('error validating wrapping token: could not decode token in request body');
    if (raw === '') throw new UserError('error validating wrapping token: empty token in request body');
    token = raw;
  } else {
    token = input.clientToken ?? '';
  }
  if (token === '') throw new UserError('error validating wrapping token: token is empty');
  const resolved = service.resolveToken(token);
  if (!(await service.validate(resolved))) throw new UserError(INVALID_WRAPPING_TOKEN);
  if (resolved === token) return { clientToken: input.clientToken, data: input.data };
  return fromBody
    ? { clientToken: input.clientToken, data: { ...input.data, token: resolved } }
    : { clientToken: resolved, data: input.data };
}
