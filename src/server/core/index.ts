export { Core, resolveMountType, SYSTEM_MAX_TTL, type CoreOptions, type SealStatus, type MountRequest, type TuneRequest } from './core.js';
export type { IncomingRequest, PipelineResult } from './pipeline.js';
export type { MountEntry, MountConfig } from './mount-table.js';
export { envelopeBody } from './response-body.js';
