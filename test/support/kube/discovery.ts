/**
 * Discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/<group>[/<version>]`), built
 * from the registered resource types, so a type registered later is discoverable at once.
 */
import { serviceAccountsType } from './resources.js';
import type { ObjectStore } from './store.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Every API group and its versions (authentication.k8s.io always). */
export function groupVersions(store: ObjectStore): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>([['authentication.k8s.io', new Set(['v1'])]]);
  for (const t of store.registeredTypes()) {
    if (t.group === '') continue;
    const versions = out.get(t.group) ?? new Set<string>();
    versions.add(t.version);
    out.set(t.group, versions);
  }
  return out;
}

export function apiGroup(name: string, versions: Set<string>): Record<string, unknown> {
  const list = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(store: ObjectStore): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupVersions(store).entries()].map(([g, v]) => apiGroup(g, v)) };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** `APIResourceList` of one group version; undefined when nothing is served there. */
export function resourceList(store: ObjectStore, group: string, version: string): Record<string, unknown> | undefined {
  const resources: Record<string, unknown>[] = [];
  for (const t of store.registeredTypes()) {
    if (t.group !== group || t.version !== version) continue;
    resources.push({
      name: t.resource,
      singularName: t.singularName ?? t.kind.toLowerCase(),
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames && t.shortNames.length > 0 ? { shortNames: [...t.shortNames] } : {}),
    });
    if (t.statusSubresource) {
      resources.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    }
    if (t === serviceAccountsType) {
      resources.push({ name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
    }
  }
  if (group === 'authentication.k8s.io' && version === 'v1') {
    resources.push({ name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] });
  }
  if (resources.length === 0) return undefined;
  const gv = group === '' ? version : `${group}/${version}`;
  return { kind: 'APIResourceList', ...(group === '' ? {} : { apiVersion: 'v1' }), groupVersion: gv, resources };
}
