/**
 * `sys/audit`, `sys/audit/:path` and `sys/audit-hash/:path`, as paths of the sys backend
 * (patterns relative to `sys/`).
 *
 * Vault requires `sudo` on `sys/audit` and `sys/audit/*` (not on `sys/audit-hash/*`): the
 * core enforces it from the sys backend's `specialPaths.root`, so add `AUDIT_SUDO_PATHS`
 * there. Vault also copies these responses' `data` to the top level of the envelope
 * (`injectDataIntoTopRoutes`); that is the HTTP layer's job.
 */
import { UserError } from '../../shared/errors.js';
import { definePath, f, type PathSpec } from '../sdk/index.js';
import type { AuditBroker } from './broker.js';

/** For the sys backend's `specialPaths.root`. */
export const AUDIT_SUDO_PATHS: readonly string[] = ['audit', 'audit/*'];

export function auditPaths(broker: AuditBroker): PathSpec<any>[] {
  return [
    definePath({
      pattern: 'audit/?',
      fields: {},
      synopsis: 'List the enabled audit devices.',
      operations: {
        read: async () => ({
          data: Object.fromEntries(
            broker.list().map((d) => [
              d.path,
              { type: d.type, description: d.description, options: d.options, local: d.local, path: d.path },
            ]),
          ),
        }),
      },
    }),
    definePath({
      pattern: 'audit/(?<path>.+)',
      fields: {
        path: f.string({ description: 'The path of the audit device, e.g. "file".', required: true }),
        type: f.string({ description: 'The device type: "file" or "socket".' }),
        description: f.string({ description: 'A human-friendly description of the device.' }),
        options: f.kvPairs({
          description:
            'Device options (strings): file_path, mode, address, socket_type, write_timeout, log_raw, hmac_accessor, format, prefix, elide_list_responses.',
        }),
        local: f.bool({ description: 'Do not replicate the device (Enterprise replication only).', default: false }),
      },
      synopsis: 'Enable or disable an audit device.',
      operations: {
        update: async (_req, fields) => {
          await broker.enable(fields.path, {
            type: fields.type ?? '',
            description: fields.description ?? '',
            local: fields.local,
            options: fields.options ?? {},
          });
          return null;
        },
        delete: async (_req, fields) => {
          await broker.disable(fields.path);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'audit-hash/(?<path>.+)',
      fields: {
        path: f.string({ description: 'The path of the audit device whose salt to use.', required: true }),
        input: f.string({ description: 'The value to hash, as it appears in requests and responses.' }),
      },
      synopsis: 'Hash a value with an audit device’s salt, to find it in that device’s log.',
      operations: {
        update: async (_req, fields) => {
          if (!fields.input) throw new UserError('the "input" parameter is empty');
          return { data: { hash: await broker.hash(fields.path, fields.input) } };
        },
      },
    }),
  ];
}
