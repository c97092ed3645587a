/**
 * `sys/generate-root/*` and `sys/rekey/*` as sdk paths, RELATIVE to the `sys/` mount. They answer
 * raw JSON (no envelope), as Vault's `http/sys_generate_root.go` and `http/sys_rekey.go` do; DELETE
 * answers 204.
 *
 * AUTHORISATION: these endpoints take NO token. Holding a threshold of unseal key shares is the
 * authorisation (Vault serves them before its token check). The core must list them in the sys
 * backend's unauthenticated special paths (`generate-root/*`, `rekey/*`), must not require
 * `sudo`, and — like Vault — should keep them out of the audit log (request bodies carry key
 * shares; responses carry new shares and the encoded root token).
 */
import { UserError } from '../../shared/errors.js';
import { definePath, f, type LogicalResponse, type PathSpec } from '../sdk/index.js';
import type { GenerateRootAttempt } from './generate-root.js';
import type { RekeyOperation } from './rekey.js';
import { decodeUnsealKey } from './shamir-seal.js';

function raw(body: unknown, status = 200): LogicalResponse {
  return { raw: { status, body } };
}

/** The `key` field as Vault reads it: required, hex (16–33 bytes) or base64. */
function shareFrom(key: string | undefined): Uint8Array {
  if (key === undefined || key === '') throw new UserError("'key' must be specified in request body as JSON");
  return decodeUnsealKey(key);
}

async function withShare<T>(key: string | undefined, fn: (share: Uint8Array) => Promise<T>): Promise<T> {
  const share = shareFrom(key);
  try {
    return await fn(share);
  } finally {
    share.fill(0);
  }
}

export interface GenerateRootPathDeps {
  generateRoot: GenerateRootAttempt;
}

/** `generate-root/attempt` (GET status, POST start, DELETE cancel) and `generate-root/update`. */
export function generateRootPaths(deps: GenerateRootPathDeps): PathSpec<any>[] {
  const { generateRoot } = deps;
  return [
    definePath({
      pattern: 'generate-root/attempt',
      fields: {
        otp: f.string({ description: 'A base62 one-time pad of otp_length characters; omit it and the server generates one.' }),
        pgp_key: f.string({ description: 'PGP key to encrypt the root token with (not supported).' }),
      },
      synopsis: 'Start, read or cancel a root token generation attempt.',
      operations: {
        read: async () => raw(await generateRoot.status()),
        update: async (_req, fields) => raw(await generateRoot.start({ otp: fields.otp, pgpKey: fields.pgp_key })),
        delete: async () => {
          await generateRoot.cancel();
          return null;
        },
      },
    }),
    definePath({
      pattern: 'generate-root/update',
      fields: {
        key: f.string({ description: 'One unseal key share (hex or base64).' }),
        nonce: f.string({ description: 'The nonce of the root generation attempt.', default: '' }),
      },
      synopsis: 'Submit an unseal key share for the root token generation attempt.',
      operations: {
        update: async (_req, fields) => withShare(fields.key, async (share) => raw(await generateRoot.update(share, fields.nonce))),
      },
    }),
  ];
}

export interface RekeyPathDeps {
  rekey: RekeyOperation;
}

/** `rekey/init` (GET, POST, DELETE), `rekey/update` (POST) and `rekey/verify` (GET, POST, DELETE). */
export function rekeyPaths(deps: RekeyPathDeps): PathSpec<any>[] {
  const { rekey } = deps;
  return [
    definePath({
      pattern: 'rekey/init',
      fields: {
        secret_shares: f.int({ description: 'Number of key shares to split the new root key into.', default: 0 }),
        secret_threshold: f.int({ description: 'Number of key shares required to reconstruct the new root key.', default: 0 }),
        stored_shares: f.int({ description: 'Ignored; for auto-unseal compatibility.' }),
        pgp_keys: f.commaStringSlice({ description: 'PGP keys to encrypt the new key shares with (not supported).' }),
        backup: f.bool({ description: 'Store a backup of PGP-encrypted shares (not supported).', default: false }),
        require_verification: f.bool({ description: 'Require a threshold of the new shares before the rekey takes effect.', default: false }),
        nonce: f.string({ description: 'DELETE: the nonce of the rekey attempt to cancel.' }),
      },
      synopsis: 'Start, read or cancel a rekey of the unseal keys.',
      operations: {
        read: async () => raw(await rekey.status()),
        update: async (_req, fields) =>
          raw(
            await rekey.start({
              secretShares: fields.secret_shares,
              secretThreshold: fields.secret_threshold,
              pgpKeys: fields.pgp_keys,
              backup: fields.backup,
              requireVerification: fields.require_verification,
            }),
          ),
        delete: async (_req, fields) => {
          await rekey.cancel(fields.nonce);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'rekey/update',
      fields: {
        key: f.string({ description: 'One CURRENT unseal key share (hex or base64).' }),
        nonce: f.string({ description: 'The nonce of the rekey attempt.', default: '' }),
      },
      synopsis: 'Submit a current unseal key share for the rekey.',
      operations: {
        update: async (_req, fields) => withShare(fields.key, async (share) => raw(await rekey.update(share, fields.nonce))),
      },
    }),
    definePath({
      pattern: 'rekey/verify',
      fields: {
        key: f.string({ description: 'One NEW unseal key share (hex or base64).' }),
        nonce: f.string({ description: 'The nonce of the verification.', default: '' }),
      },
      synopsis: 'Read, restart or progress the verification of the new unseal keys.',
      operations: {
        read: async () => raw(await rekey.verifyStatus()),
        update: async (_req, fields) =>
          withShare(fields.key, async (share) => raw(await rekey.verifyUpdate(share, fields.nonce))),
        delete: async () => raw(await rekey.verifyRestart()),
      },
    }),
  ];
}
