/** The Kubernetes shapes Sealed Secrets works with, as JSON (`v1` Secret, `bitnami.com/v1alpha1` SealedSecret). */

export const SEALED_SECRET_API_VERSION = 'bitnami.com/v1alpha1';
export const SEALED_SECRET_KIND = 'SealedSecret';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/** A `v1` Secret: `data` values are base64, `stringData` values plain text. */
export interface Secret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface SecretTemplateSpec {
  metadata?: ObjectMeta;
  type?: string;
  immutable?: boolean;
  /** Go templates over the decrypted values; `null` removes a key. */
  data?: Record<string, string | null>;
}

export interface SealedSecretSpec {
  template?: SecretTemplateSpec;
  /** Key → base64 of one hybrid-encrypted value. */
  encryptedData?: Record<string, string>;
  /** Deprecated v1 format: base64 of the whole Secret JSON sealed as one blob. */
  data?: string;
}

export interface SealedSecretCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface SealedSecret {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: SealedSecretSpec;
  status?: { observedGeneration?: number; conditions?: SealedSecretCondition[] };
}
