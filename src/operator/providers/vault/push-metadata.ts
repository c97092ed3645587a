/**
 * ESO's `PushSecretMetadata` envelope (`runtime/esutils/metadata`): a PushSecret's
 * `data[].metadata` is `{apiVersion: kubernetes.external-secrets.io/v1alpha1, kind:
 * PushSecretMetadata, spec: {...}}` with a provider-specific spec; unknown fields are refused
 * (ESO decodes with DisallowUnknownFields). Shared by the vault and kubernetes providers.
 */
import type { z } from 'zod';
import { UserError } from '../../../shared/errors.js';

export const PUSH_METADATA_API_VERSION = 'kubernetes.external-secrets.io/v1alpha1';
export const PUSH_METADATA_KIND = 'PushSecretMetadata';

export interface PushSecretMetadata<T> {
  apiVersion: string;
  kind: string;
  spec: T;
}

const PREFIX = `failed to parse ${PUSH_METADATA_API_VERSION} ${PUSH_METADATA_KIND}`;
const ENVELOPE_FIELDS = new Set(['apiVersion', 'kind', 'spec']);

/** `undefined` when no metadata was given; a UserError with ESO's messages when it is malformed. */
export function parsePushSecretMetadata<T>(raw: Record<string, unknown> | undefined, specSchema: z.ZodType): PushSecretMetadata<T> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${PREFIX}: metadata must be an object`);
  for (const key of Object.keys(raw)) {
    if (!ENVELOPE_FIELDS.has(key)) throw new UserError(`${PREFIX}: json: unknown field ${JSON.stringify(key)}`);
  }
  const apiVersion = raw['apiVersion'] ?? '';
  const kind = raw['kind'] ?? '';
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') throw new UserError(`${PREFIX}: apiVersion and kind must be strings`);
  const parsed = specSchema.safeParse(raw['spec'] ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const unknown = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const where = issue === undefined ? '' : ['spec', ...issue.path.map(String)].join('.');
    throw new UserError(unknown !== undefined ? `${PREFIX}: json: unknown field ${JSON.stringify(unknown)}` : `${PREFIX}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  if (apiVersion !== PUSH_METADATA_API_VERSION) throw new UserError(`unexpected apiVersion ${JSON.stringify(apiVersion)}, expected ${JSON.stringify(PUSH_METADATA_API_VERSION)}`);
  if (kind !== PUSH_METADATA_KIND) throw new UserError(`unexpected kind ${JSON.stringify(kind)}, expected ${JSON.stringify(PUSH_METADATA_KIND)}`);
  return { apiVersion, kind, spec: parsed.data as T };
}
