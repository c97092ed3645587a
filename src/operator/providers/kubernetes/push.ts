/**
 * The kubernetes provider's PushSecretMetadata (ESO `providers/v1/kubernetes/metadata.go`):
 * labels and annotations to add, how they merge with the source Secret's (`sourceMergePolicy`)
 * and with the remote Secret's (`targetMergePolicy`), and `remoteNamespace` (ClusterSecretStore only).
 */
import { z } from 'zod';
import { UserError } from '../../../shared/errors.js';
import { parsePushSecretMetadata } from '../vault/push-metadata.js';

/** The Secret being pushed: its data, and optionally its type and metadata. */
export interface PushSource {
  data: Record<string, Uint8Array>;
  type?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubernetesPushMetadataSpec {
  targetMergePolicy?: string;
  sourceMergePolicy?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  remoteNamespace?: string;
}

const specSchema = z.strictObject({
  targetMergePolicy: z.string().optional(),
  sourceMergePolicy: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  remoteNamespace: z.string().optional(),
});

export function parseKubernetesPushMetadata(raw: Record<string, unknown> | undefined): KubernetesPushMetadataSpec | undefined {
  return parsePushSecretMetadata<KubernetesPushMetadataSpec>(raw, specSchema)?.spec;
}

interface Meta {
  labels: Record<string, string> | undefined;
  annotations: Record<string, string> | undefined;
}

/** The source Secret's metadata with the push metadata merged in (or replacing it). */
export function mergeSourceMetadata(source: PushSource, spec: KubernetesPushMetadataSpec | undefined): Meta {
  if (spec === undefined) return { labels: source.labels, annotations: source.annotations };
  const policy = spec.sourceMergePolicy ?? '';
  if (policy === '' || policy === 'Merge') {
    return { labels: { ...(source.labels ?? {}), ...(spec.labels ?? {}) }, annotations: { ...(source.annotations ?? {}), ...(spec.annotations ?? {}) } };
  }
  if (policy === 'Replace') return { labels: spec.labels, annotations: spec.annotations };
  throw new UserError(`failed to merge source metadata: unexpected source merge policy ${JSON.stringify(policy)}`);
}

/** The remote Secret's metadata after the push: merged (default), replaced, or left alone (Ignore). */
export function mergeTargetMetadata(remote: { labels?: Record<string, string>; annotations?: Record<string, string> }, spec: KubernetesPushMetadataSpec | undefined, source: Meta): Meta {
  const policy = spec?.targetMergePolicy ?? '';
  if (policy === '' || policy === 'Merge') {
    return { labels: { ...(remote.labels ?? {}), ...(source.labels ?? {}) }, annotations: { ...(remote.annotations ?? {}), ...(source.annotations ?? {}) } };
  }
  if (policy === 'Replace') return source;
  if (policy === 'Ignore') return { labels: remote.labels, annotations: remote.annotations };
  throw new UserError(`failed to merge target metadata: unexpected target merge policy ${JSON.stringify(policy)}`);
}
