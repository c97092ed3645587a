export { createCubbyholeStore, cubbyholeRevokeHook, type CubbyholeStore } from './store.js';
export {
  BATCH_TOKEN_CUBBYHOLE_ERROR,
  CUBBYHOLE_HELP,
  CUBBYHOLE_RESPONSE_DEPRECATION,
  cubbyholeBackend,
  type CubbyholeBackendDeps,
  type CubbyholeCaller,
} from './backend.js';
