/**
 * `subkeys/:path` — the structure of a version's data with every leaf value replaced by
 * `null` (`?version=N`, `?depth=D`).
 */
import { definePath, f, type FieldValues, type LogicalRequest, type LogicalResponse, type PathSpec } from '../../sdk/index.js';
import { upgradeGuard, type KvV2Context } from './context.js';
import { loadVersion } from './path-data.js';
import { isPlainObject, setOwn } from './version-store.js';

export const subkeysFields = {
  path: f.string({ description: 'Location of the secret.', required: true }),
  depth: f.int({
    description: 'The maximum depth to traverse. No limit will be imposed if not provided or if 0.',
    query: true,
  }),
  version: f.int({
    description: 'Specifies which version to retrieve. If not provided, the current version will be used.',
    query: true,
  }),
};

/**
 * Vault's `removeValues`: top-level keys are at depth 1; a non-empty map at depth d is
 * expanded when `maxDepth` is 0 or d ≤ `maxDepth`, otherwise it becomes `null` like any
 * other leaf (so values never leak past the requested depth).
 */
export function removeValues(input: Record<string, unknown>, maxDepth: number): Record<string, unknown> {
  const walk = (node: Record<string, unknown>, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const childDepth = depth + 1;
      const expand = isPlainObject(v) && Object.keys(v).length > 0 && (maxDepth === 0 || childDepth <= maxDepth);
      setOwn(out, k, expand ? walk(v as Record<string, unknown>, childDepth) : null);
    }
    return out;
  };
  return walk(input, 1);
}

async function readSubkeys(
  ctx: KvV2Context,
  req: LogicalRequest,
  fields: FieldValues<typeof subkeysFields>,
): Promise<LogicalResponse | null> {
  const loaded = await loadVersion(ctx, req.storage, fields.path, fields.version);
  switch (loaded.kind) {
    case 'missing':
      return null;
    case 'gone':
      return { data: { metadata: loaded.view, subkeys: null }, httpStatus: 404 };
    case 'ok':
      return { data: { metadata: loaded.view, subkeys: removeValues(loaded.stored.data, fields.depth ?? 0) } };
  }
}

export function pathSubkeys(ctx: KvV2Context): PathSpec<typeof subkeysFields> {
  return definePath({
    pattern: 'subkeys/(?<path>.*)',
    fields: subkeysFields,
    operations: {
      read: {
        handler: upgradeGuard(ctx, (req, fields) => readSubkeys(ctx, req, fields)),
        summary: 'Read the structure of a secret with its values removed.',
      },
    },
    synopsis: 'Read the structure of a secret entry from the Key-Value store with the values removed.',
    description: `This endpoint provides the subkeys within a secret entry that exists at the requested path.
The secret entry at this path will be retrieved and stripped of all data by replacing
underlying values of leaf keys (i.e. non-map keys or map keys with no underlying subkeys) with null.

The "version" parameter specifies which version of the secret to read when
generating the subkeys structure. If not provided, the current version will be used.

The "depth" parameter specifies the deepest nesting level to provide in the output.
The default value 0 will not impose any limit. If non-zero, keys that reside at the
specified depth value will be artificially treated as leaves and will thus be null
even if further underlying subkeys exist.`,
  });
}
