export * from './logical.js';
export * from './fields.js';
export * from './backend.js';
export * from './storage-json.js';
export * from './token-fields.js';
