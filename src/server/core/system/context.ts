import type { Core } from '../core.js';
import type { RequestAuth } from '../pipeline.js';

/** What every sys path module is given: the core, and who is asking. */
export interface SystemContext {
  core: Core;
  authOf(requestId: string): RequestAuth | null;
}
