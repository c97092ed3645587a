/** sys/capabilities, sys/capabilities-self, sys/capabilities-accessor. */
import { UserError } from '../../../shared/errors.js';
import { definePath, f } from '../../sdk/index.js';
import type { Acl } from '../../policy/index.js';
import type { SystemContext } from './context.js';

function render(acl: Acl, paths: readonly string[]): Record<string, unknown> {
  if (paths.length === 0) throw new UserError('missing paths');
  const data: Record<string, unknown> = {};
  for (const path of paths) data[path] = acl.capabilities(path.replace(/^\/+/, ''));
  // Vault adds `capabilities` when exactly one path was asked about.
  if (paths.length === 1) data['capabilities'] = data[paths[0] as string];
  return data;
}

export function capabilityPaths(ctx: SystemContext) {
  const { core } = ctx;
  const pathsField = {
    paths: f.commaStringSlice({ description: 'Paths to check.' }),
    path: f.commaStringSlice({ description: 'Deprecated alias of paths.' }),
  };
  const pathsOf = (fields: { paths: string[] | undefined; path: string[] | undefined }): string[] => [
    ...(fields.paths ?? []),
    ...(fields.path ?? []),
  ];
  const aclOfToken = async (token: string | undefined): Promise<Acl> => {
    const entry = token ? await core.tokens.lookup(token) : null;
    if (!entry) throw new UserError('invalid token');
    return (await core.aclFor(entry)).acl;
  };
  return [
    definePath({
      pattern: 'capabilities',
      fields: { token: f.string({ description: 'The token to check.' }), ...pathsField },
      synopsis: "A token's capabilities on paths.",
      operations: {
        update: async (_req, fields) => ({ data: render(await aclOfToken(fields.token), pathsOf(fields)) }),
      },
    }),
    definePath({
      pattern: 'capabilities-self',
      fields: pathsField,
      synopsis: "The calling token's capabilities on paths.",
      operations: {
        update: async (req, fields) => {
          const caller = ctx.authOf(req.id);
          if (!caller) throw new UserError('invalid token');
          return { data: render(caller.acl, pathsOf(fields)) };
        },
      },
    }),
    definePath({
      pattern: 'capabilities-accessor',
      fields: { accessor: f.string({ description: 'Accessor of the token to check.' }), ...pathsField },
      synopsis: "Capabilities on paths of the token with this accessor.",
      operations: {
        update: async (_req, fields) => {
          const entry = fields.accessor ? await core.tokens.lookupByAccessor(fields.accessor) : null;
          if (!entry) throw new UserError('invalid accessor');
          return { data: render((await core.aclFor(entry)).acl, pathsOf(fields)) };
        },
      },
    }),
  ];
}
