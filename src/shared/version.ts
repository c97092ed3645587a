/** Coffer's own version. */
export const COFFER_VERSION = '0.1.0';

/**
 * What `sys/seal-status` and `sys/health` report as `version`: the Vault API level Coffer
 * implements, with Coffer's version as semver build metadata. Clients such as the
 * Terraform provider gate features on this, so it must parse as a Vault version.
 */
export const REPORTED_VERSION = `1.17.0+coffer.${COFFER_VERSION}`;
