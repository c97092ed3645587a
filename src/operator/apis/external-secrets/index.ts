/** ESO-compatible `external-secrets.io/v1` API: types, wire constants and webhook validation. */
export * from './constants.js';
export * from './types.js';
export { validateExternalSecret, validateSecretStore } from './validate.js';
export * from './cluster-external-secret.js';
export * from './push-secret.js';
