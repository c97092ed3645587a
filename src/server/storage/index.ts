export type { PhysicalOp, PhysicalStorage } from './physical.js';
export { createInmemStorage } from './inmem.js';
export { createSqliteStorage } from './sqlite.js';
export type { CommitInfo, SqliteStorageOptions } from './sqlite.js';
export { withReadCache } from './cached.js';
export type { CachedStorage, ReadCacheOptions } from './cached.js';
export { compareKeys } from './keys.js';
