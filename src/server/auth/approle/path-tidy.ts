/**
 * `tidy/secret-id` — removes expired secret IDs, secret IDs whose accessor is gone and
 * accessors whose secret ID is gone (Vault's path_tidy_user_id.go). The endpoint answers 202
 * at once and the work runs in the background; the backend also runs it periodically.
 */
import { definePath, type LogicalResponse, type PathSpec, type Storage } from '../../sdk/index.js';
import {
  ACCESSOR_LOCAL_PREFIX,
  ACCESSOR_PREFIX,
  SECRET_ID_LOCAL_PREFIX,
  SECRET_ID_PREFIX,
  deleteOp,
  isExpired,
  readAccessorEntry,
  readSecretEntry,
  secretKey,
  type ApproleContext,
  type TidyResult,
} from './store.js';

export const TIDY_STARTED_WARNING =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";
export const TIDY_IN_PROGRESS_WARNING = 'Tidy operation already in progress.';

/** One full tidy pass over global and local secret IDs. */
export async function tidySecretIds(ctx: ApproleContext, storage: Storage): Promise<TidyResult> {
  const result: TidyResult = { checked: 0, expired: 0, orphanedSecretIds: 0, danglingAccessors: 0 };
  const pairs: ReadonlyArray<readonly [string, string]> = [
    [SECRET_ID_PREFIX, ACCESSOR_PREFIX],
    [SECRET_ID_LOCAL_PREFIX, ACCESSOR_LOCAL_PREFIX],
  ];
  for (const [secrets, accessors] of pairs) {
    // Listed before the secret IDs are examined, as Vault does: an accessor written after
    // this point belongs to a secret ID written with it and is never dangling.
    const accessorHashes = (await storage.list(accessors)).filter((k) => !k.endsWith('/'));

    for (const roleFolder of await storage.list(secrets)) {
      if (!roleFolder.endsWith('/')) continue;
      for (const secretIdHmac of await storage.list(secrets + roleFolder)) {
        if (secretIdHmac.endsWith('/')) continue;
        await ctx.secretLocks.run(secretIdHmac, async () => {
          const key = secrets + roleFolder + secretIdHmac;
          const entry = await readSecretEntry(storage, key);
          if (!entry) return;
          result.checked += 1;
          const accessorKey = accessors + (await ctx.hmac(storage, entry.secret_id_accessor));
          if (!(await readAccessorEntry(storage, accessorKey))) {
            await storage.delete(key);
            result.orphanedSecretIds += 1;
            return;
          }
          if (isExpired(entry, ctx.now())) {
            await storage.transaction([deleteOp(accessorKey), deleteOp(key)]);
            result.expired += 1;
          }
        });
      }
    }

    for (const accessorHash of accessorHashes) {
      const accessorKey = accessors + accessorHash;
      const first = await readAccessorEntry(storage, accessorKey);
      if (!first?.secret_id_hmac || !first.role_name_hmac) continue;
      await ctx.secretLocks.run(first.secret_id_hmac, async () => {
        const entry = await readAccessorEntry(storage, accessorKey);
        if (!entry) return;
        if ((await storage.get(secretKey(secrets, entry.role_name_hmac, entry.secret_id_hmac))) === null) {
          await storage.delete(accessorKey);
          result.danglingAccessors += 1;
        }
      });
    }
  }
  return result;
}

/**
 * Starts a background tidy unless one is running (Vault's CAS guard). Returns the run, or
 * null when one was already in progress. The run never rejects unobserved.
 */
export function startTidy(ctx: ApproleContext, storage: Storage): Promise<TidyResult> | null {
  if (ctx.tidyRunning) return null;
  ctx.tidyRunning = true;
  const run = tidySecretIds(ctx, storage).finally(() => {
    ctx.tidyRunning = false;
  });
  run.catch(() => {
    // Nothing to report to: the request that started it has been answered (Vault logs it).
  });
  ctx.options.onTidy?.(run);
  return run;
}

export function pathTidySecretId(ctx: ApproleContext, storage: Storage): PathSpec<Record<string, never>> {
  return definePath({
    pattern: 'tidy/secret-id',
    fields: {},
    operations: {
      update: {
        handler: async (): Promise<LogicalResponse> => {
          if (!startTidy(ctx, storage)) return { warnings: [TIDY_IN_PROGRESS_WARNING] };
          return { warnings: [TIDY_STARTED_WARNING], httpStatus: 202 };
        },
        summary: 'Trigger the clean-up of expired SecretID entries.',
      },
    },
    synopsis: 'Trigger the clean-up of expired SecretID entries.',
    description: `SecretIDs will have expiration time attached to them. The periodic function of the
backend will look for expired entries and delete them. This happens once in a minute.
Invoking this endpoint will trigger the clean-up action, without waiting for the backend's
periodic function.`,
  });
}
