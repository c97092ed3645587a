/** LIST endpoints with OpenBao's optional paging: `after` (exclusive) and `limit`. */
import { definePath, f, type PathSpec } from '../../sdk/index.js';

export const listFields = {
  after: f.string({ description: 'Optional entry to list begin listing after, not required to exist.' }),
  limit: f.int({ description: 'Optional number of entries to return; defaults to all entries.' }),
};

/** Sorted keys after `after`, at most `limit` of them (a limit ≤ 0 means all). */
export function pageKeys(keys: readonly string[], after: string | undefined, limit: number | undefined): string[] {
  const sorted = [...keys].sort();
  const start = after === undefined || after === '' ? sorted : sorted.filter((k) => k > after);
  return limit !== undefined && limit > 0 ? start.slice(0, limit) : start;
}

/** A LIST path over the storage folder `prefix`. */
export function listPath(pattern: string, prefix: string, synopsis: string): PathSpec<typeof listFields> {
  return definePath({
    pattern,
    fields: listFields,
    operations: {
      list: async (req, fields) => ({ data: { keys: pageKeys(await req.storage.list(prefix), fields.after, fields.limit) } }),
    },
    synopsis,
  });
}
