/** Test support: servers, raw HTTP, temp dirs and ports for the integration and compat suites. */
export * from './compat.js';
export * from './http.js';
export * from './ports.js';
export * from './servers.js';
export * from './temp.js';
