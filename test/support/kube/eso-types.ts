/**
 * The ESO kinds as the test server serves them once `applyCrds(kube)` ran (or as a suite that
 * registers them directly needs them): for `kube.store.tryGet(type, ns, name)` lookups and,
 * through `gvr`, for `kube.client` calls.
 */
import type { ResourceType } from './types.js';

export function esoType(resource: string, kind: string, namespaced: boolean): ResourceType {
  return { group: 'external-secrets.io', version: 'v1', resource, kind, namespaced, statusSubresource: true, returnDeletedObject: true };
}

export const ES_TYPE = esoType('externalsecrets', 'ExternalSecret', true);
export const SS_TYPE = esoType('secretstores', 'SecretStore', true);
export const CSS_TYPE = esoType('clustersecretstores', 'ClusterSecretStore', false);
export const CES_TYPE = esoType('clusterexternalsecrets', 'ClusterExternalSecret', false);

/** The group/version/resource `kube.client` takes. */
export const gvr = (t: ResourceType): { group: string; version: string; resource: string } => ({ group: t.group, version: t.version, resource: t.resource });
