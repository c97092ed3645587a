/**
 * sys/init, seal-status, unseal, seal, step-down, health, leader. These answer with raw
 * JSON (no envelope), and most of them answer while sealed.
 */
import { UserError } from '../../../shared/errors.js';
import { decodeUnsealKey } from '../../seal/index.js';
import { definePath, f, type LogicalResponse } from '../../sdk/index.js';
import type { SystemContext } from './context.js';

function raw(body: unknown, status = 200): LogicalResponse {
  return { raw: { status, body } };
}

export function sealPaths(ctx: SystemContext) {
  const { core } = ctx;
  return [
    definePath({
      pattern: 'init',
      fields: {
        secret_shares: f.int({ description: 'Number of key shares to split the root key into.' }),
        secret_threshold: f.int({ description: 'Number of key shares required to reconstruct the root key.' }),
        pgp_keys: f.commaStringSlice({ description: 'PGP keys to encrypt the key shares with (not supported).' }),
        root_token_pgp_key: f.string({ description: 'PGP key to encrypt the root token with (not supported).' }),
        stored_shares: f.int({ description: 'Ignored; for auto-unseal compatibility.' }),
        recovery_shares: f.int({ description: 'Recovery shares (auto-unseal only; not supported yet).' }),
        recovery_threshold: f.int({ description: 'Recovery threshold (auto-unseal only; not supported yet).' }),
        recovery_pgp_keys: f.commaStringSlice({ description: 'Recovery PGP keys (not supported).' }),
      },
      synopsis: 'Initialize the server: generate and split the root key, create the root token.',
      operations: {
        read: async () => raw({ initialized: await core.isInitialized() }),
        update: async (_req, fields) => {
          if (fields.secret_shares === undefined || fields.secret_threshold === undefined) {
            throw new UserError('secret_shares and secret_threshold must be specified');
          }
          if ((fields.pgp_keys?.length ?? 0) > 0 || fields.root_token_pgp_key) {
            throw new UserError('PGP-encrypted key shares are not supported');
          }
          const { keys, rootToken } = await core.initialize({
            secretShares: fields.secret_shares,
            secretThreshold: fields.secret_threshold,
          });
          return raw({
            keys: keys.map((k) => Buffer.from(k).toString('hex')),
            keys_base64: keys.map((k) => Buffer.from(k).toString('base64')),
            root_token: rootToken,
          });
        },
      },
    }),
    definePath({
      pattern: 'seal-status',
      fields: {},
      synopsis: 'Seal status of the server.',
      operations: { read: async () => raw(await core.sealStatus()) },
    }),
    definePath({
      pattern: 'unseal',
      fields: {
        key: f.string({ description: 'One unseal key share (hex or base64).' }),
        reset: f.bool({ description: 'Discard the shares submitted so far.' }),
        migrate: f.bool({ description: 'Seal migration (not supported).' }),
      },
      synopsis: 'Submit an unseal key share.',
      operations: {
        update: async (_req, fields) => {
          if (fields.reset) {
            core.resetUnseal();
          } else if (fields.key !== undefined && fields.key !== '') {
            if (!(await core.isInitialized())) throw new UserError('Vault is not initialized');
            await core.submitUnsealKey(decodeUnsealKey(fields.key));
          } else {
            throw new UserError("'key' must be specified in request body as JSON, or 'reset' set to true");
          }
          return raw(await core.sealStatus());
        },
      },
    }),
    definePath({
      pattern: 'seal',
      fields: {},
      synopsis: 'Seal the server: forget the keys until it is unsealed again.',
      operations: {
        // Needs sudo: listed in the backend's root paths, enforced by the pipeline.
        update: async () => {
          await core.seal();
          return null;
        },
      },
    }),
    definePath({
      pattern: 'step-down',
      fields: {},
      synopsis: 'Give up active status (a single node stays active).',
      operations: {
        update: async () => null,
      },
    }),
    definePath({
      pattern: 'health',
      fields: {
        standbyok: f.bool({ description: 'Answer the active code on a standby.' }),
        perfstandbyok: f.bool({ description: 'Answer the active code on a performance standby.' }),
        activecode: f.int({ description: 'Status code for an active node.', default: 200 }),
        standbycode: f.int({ description: 'Status code for a standby.', default: 429 }),
        drsecondarycode: f.int({ description: 'Status code for a DR secondary.', default: 472 }),
        performancestandbycode: f.int({ description: 'Status code for a performance standby.', default: 473 }),
        sealedcode: f.int({ description: 'Status code for a sealed node.', default: 503 }),
        uninitcode: f.int({ description: 'Status code for an uninitialised node.', default: 501 }),
        removedcode: f.int({ description: 'Status code for a removed node.', default: 530 }),
      },
      synopsis: 'Health of the node, as a status code and a body.',
      operations: {
        read: async (_req, fields) => {
          const initialized = await core.isInitialized();
          const sealed = core.sealed;
          const cluster = core.clusterInfo();
          const status = !initialized ? fields.uninitcode : sealed ? fields.sealedcode : fields.activecode;
          for (const code of [fields.activecode, fields.sealedcode, fields.uninitcode, fields.standbycode]) {
            if (code < 100 || code > 599) throw new UserError(`invalid status code ${code}`);
          }
          const body: Record<string, unknown> = {
            initialized,
            sealed,
            standby: false,
            performance_standby: false,
            replication_performance_mode: 'disabled',
            replication_dr_mode: 'disabled',
            server_time_utc: Math.floor(Date.now() / 1000),
            version: core.version,
            enterprise: false,
          };
          if (cluster) {
            body['cluster_name'] = cluster.name;
            body['cluster_id'] = cluster.id;
          }
          return raw(body, status);
        },
      },
    }),
    definePath({
      pattern: 'leader',
      fields: {},
      synopsis: 'High-availability status (a single node is its own leader).',
      operations: {
        read: async () =>
          raw({
            ha_enabled: false,
            is_self: false,
            active_time: '0001-01-01T00:00:00Z',
            leader_address: '',
            leader_cluster_address: '',
            performance_standby: false,
            performance_standby_last_remote_wal: 0,
          }),
      },
    }),
  ];
}
