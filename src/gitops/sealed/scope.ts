/**
 * Sealing scopes and the annotations that carry them, as in Sealed Secrets'
 * `sealedsecret_expansion.go`: the scope decides the RSA-OAEP label, so a value sealed for
 * one name/namespace cannot be replayed under another.
 */
import { UserError } from '../../shared/errors.js';

export type SealingScope = 'strict' | 'namespace-wide' | 'cluster-wide';

export const SEALING_SCOPES: readonly SealingScope[] = ['strict', 'namespace-wide', 'cluster-wide'];

export const DEFAULT_SCOPE: SealingScope = 'strict';

/** Annotation names (group `sealedsecrets.bitnami.com`). */
export const SEALED_ANNOTATIONS = {
  clusterWide: 'sealedsecrets.bitnami.com/cluster-wide',
  namespaceWide: 'sealedsecrets.bitnami.com/namespace-wide',
  managed: 'sealedsecrets.bitnami.com/managed',
  patch: 'sealedsecrets.bitnami.com/patch',
  skipSetOwnerReferences: 'sealedsecrets.bitnami.com/skip-set-owner-references',
} as const;

/** Annotations kubectl and kubecfg fill with a full copy of the object (the plaintext Secret!). */
export const LAST_APPLIED_ANNOTATIONS: readonly string[] = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'kubecfg.ksonnet.io/last-applied-configuration',
];

/** `--scope` values; `''` is the default (strict), as in kubeseal's `SealingScope.Set`. */
export function parseScope(text: string): SealingScope {
  const t = text.trim();
  if (t === '') return DEFAULT_SCOPE;
  if ((SEALING_SCOPES as readonly string[]).includes(t)) return t as SealingScope;
  throw new UserError(`invalid scope ${JSON.stringify(text)}: must be one of: strict, namespace-wide, cluster-wide`);
}

/** The OAEP label: `"<namespace>/<name>"` (strict), `"<namespace>"`, or empty (cluster-wide). */
export function encryptionLabel(namespace: string, name: string, scope: SealingScope): Buffer {
  switch (scope) {
    case 'cluster-wide':
      return Buffer.alloc(0);
    case 'namespace-wide':
      return Buffer.from(namespace, 'utf8');
    case 'strict':
      return Buffer.from(`${namespace}/${name}`, 'utf8');
  }
}

/** Cluster-wide wins over namespace-wide; anything but the string `"true"` means unset. */
export function scopeFromAnnotations(annotations: Readonly<Record<string, string>> | undefined): SealingScope {
  if (annotations?.[SEALED_ANNOTATIONS.clusterWide] === 'true') return 'cluster-wide';
  if (annotations?.[SEALED_ANNOTATIONS.namespaceWide] === 'true') return 'namespace-wide';
  return 'strict';
}

/** A copy of `annotations` whose scope annotations say `scope` (and nothing else about scope). */
export function withScopeAnnotations(annotations: Readonly<Record<string, string>> | undefined, scope: SealingScope): Record<string, string> {
  const out: Record<string, string> = { ...(annotations ?? {}) };
  delete out[SEALED_ANNOTATIONS.namespaceWide];
  delete out[SEALED_ANNOTATIONS.clusterWide];
  if (scope === 'namespace-wide') out[SEALED_ANNOTATIONS.namespaceWide] = 'true';
  if (scope === 'cluster-wide') out[SEALED_ANNOTATIONS.clusterWide] = 'true';
  return out;
}

/** How a scope reads in messages: `strict scope (team-a/db)`. */
export function describeScope(namespace: string, name: string, scope: SealingScope): string {
  switch (scope) {
    case 'cluster-wide':
      return 'cluster-wide scope (any namespace, any name)';
    case 'namespace-wide':
      return `namespace-wide scope (namespace ${JSON.stringify(namespace)})`;
    case 'strict':
      return `strict scope (${JSON.stringify(`${namespace}/${name}`)})`;
  }
}
