export {
  createIdentityStore,
  type AliasWrite,
  type Entity,
  type EntityAlias,
  type EntityWrite,
  type Group,
  type GroupType,
  type GroupWrite,
  type IdentityStore,
  type IdentityStoreOptions,
  type TemplateContext,
  type UpsertAliasInput,
} from './identity-store.js';
export { identityBackend, type IdentityBackendDeps, type MountInfo } from './paths.js';
