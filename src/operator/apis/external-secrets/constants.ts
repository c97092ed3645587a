/**
 * Names ESO (external-secrets.io/v1) puts on the wire: condition types and reasons, labels,
 * annotations and the finalizer. They must match ESO byte for byte, because ESO and Coffer
 * may take turns managing the same Secrets (k8s-side.md §1.3, §1.4, §1.6).
 */

export const ESO_GROUP = 'external-secrets.io';
export const ESO_VERSION = 'v1';
export const ESO_API_VERSION = `${ESO_GROUP}/${ESO_VERSION}`;

export const KIND_EXTERNAL_SECRET = 'ExternalSecret';
export const KIND_SECRET_STORE = 'SecretStore';
export const KIND_CLUSTER_SECRET_STORE = 'ClusterSecretStore';

/** Label on ESO's CRDs (and ours). */
export const LABEL_COMPONENT = 'external-secrets.io/component';

/** Every Secret managed by an ExternalSecret carries this label, value `"true"`. */
export const LABEL_MANAGED = 'reconcile.external-secrets.io/managed';
export const LABEL_MANAGED_VALUE = 'true';
/** sha3-224 hex of `"<ns>/<esName>"`; only with creationPolicy Owner. */
export const LABEL_OWNER = 'reconcile.external-secrets.io/created-by';
/** sha3-224 hex of Go `fmt.Sprintf("%+v", secret.Data)`; a mismatch means the Secret was tampered with. */
export const ANNOTATION_DATA_HASH = 'reconcile.external-secrets.io/data-hash';
/** Manual refresh trigger; ClusterExternalSecret mirrors it onto its children. */
export const ANNOTATION_FORCE_SYNC = 'external-secrets.io/force-sync';

/** Deletes the target on ES deletion when deletionPolicy=Delete and the ES controls it. */
export const FINALIZER_EXTERNAL_SECRET_CLEANUP = 'externalsecrets.external-secrets.io/externalsecret-cleanup';
/** Field manager prefix for writes: `<prefix><esName>` (or `<prefix>sha3/<hex>` beyond 63 chars). */
export const FIELD_MANAGER_PREFIX = 'externalsecrets.external-secrets.io/';

export const CONDITION_READY = 'Ready';
export const CONDITION_DELETED = 'Deleted';

/** ExternalSecret Ready reasons. */
export const REASON_SECRET_SYNCED = 'SecretSynced';
export const REASON_SECRET_SYNCED_ERROR = 'SecretSyncedError';
export const REASON_SECRET_DELETED = 'SecretDeleted';
export const REASON_SECRET_MISSING = 'SecretMissing';
export const REASON_RESOURCE_SYNCED = 'ResourceSynced';
export const REASON_RESOURCE_SYNCED_ERROR = 'ResourceSyncedError';
export const REASON_RESOURCE_DELETED = 'ResourceDeleted';
export const REASON_RESOURCE_MISSING = 'ResourceMissing';

/** ExternalSecret event reasons. */
export const EVENT_CREATED = 'Created';
export const EVENT_UPDATED = 'Updated';
export const EVENT_DELETED = 'Deleted';
export const EVENT_UPDATE_FAILED = 'UpdateFailed';
export const EVENT_PARAMETER_DEPRECATED = 'ParameterDeprecated';
export const EVENT_MISSING_PROVIDER_SECRET = 'MissingProviderSecret';

/** ExternalSecret condition / event messages (ESO's wording). */
export const MSG_SECRET_SYNCED = 'secret synced';
export const MSG_SECRET_DELETED = 'secret deleted due to DeletionPolicy=Delete';
export const MSG_SECRET_RETAINED = 'secret retained due to DeletionPolicy=Retain';
export const MSG_SECRET_MERGE_MISSING = 'secret will not be created due to CreationPolicy=Merge';
export const MSG_PROVIDER_ERROR = 'could not get secret data from provider';
export const MSG_OWNED_BY_OTHER = 'target is owned by another ExternalSecret';
export const MSG_TARGET_IMMUTABLE = 'could not update secret, target is immutable';

/** SecretStore / ClusterSecretStore Ready reasons. */
export const REASON_STORE_VALID = 'Valid';
export const REASON_STORE_INVALID_CONFIG = 'InvalidStoreConfiguration';
export const REASON_STORE_INVALID_PROVIDER_CONFIG = 'InvalidProviderConfig';
export const REASON_STORE_VALIDATION_FAILED = 'ValidationFailed';
export const REASON_STORE_VALIDATION_UNKNOWN = 'ValidationUnknown';
export const REASON_STORE_UNMAINTAINED = 'StoreUnmaintained';
export const REASON_STORE_DEPRECATED = 'StoreDeprecated';
export const MSG_STORE_VALIDATED = 'store validated';

/** CRD defaults (the only ones the CRDs inject; see deploy/crds/external-secrets.io_*.yaml). */
export const DEFAULT_REFRESH_INTERVAL = '1h';
/** Controller default when a store's refreshInterval is empty or 0 (`--store-requeue-interval`). */
export const DEFAULT_STORE_REQUEUE_SECONDS = 300;
