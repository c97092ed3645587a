/**
 * The few controller behaviours a bare cluster shows that clients notice:
 *
 * - serviceaccount controller: every new namespace gets a `default` ServiceAccount;
 * - token controller: a `kubernetes.io/service-account-token` Secret is filled with a
 *   legacy token, `ca.crt` and `namespace` (and the SA uid annotation); deleting the
 *   ServiceAccount deletes its token Secrets.
 *
 * They run synchronously right after the write that triggers them (a real cluster does it
 * a moment later), so a test sees the result on its next read.
 */
import { SA_NAME_ANNOTATION, SA_UID_ANNOTATION, SERVICE_ACCOUNT_TOKEN_SECRET_TYPE, secretsType, serviceAccountsType } from './resources.js';
import type { ObjectStore } from './store.js';
import type { TokenAuthority } from './tokens.js';
import type { KubeObject } from './types.js';

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Fills a token Secret; returns the (possibly updated) Secret. Idempotent. */
export function populateTokenSecret(store: ObjectStore, authority: TokenAuthority, caPem: string, secret: KubeObject): KubeObject {
  const namespace = secret.metadata.namespace ?? '';
  const name = secret.metadata.name ?? '';
  const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
  const data = (secret['data'] as Record<string, string> | undefined) ?? {};
  if (secret['type'] !== SERVICE_ACCOUNT_TOKEN_SECRET_TYPE || !saName || data['token']) return secret;
  const sa = store.tryGet(serviceAccountsType, namespace, saName);
  if (!sa?.metadata.uid) return secret;
  const uid = sa.metadata.uid;
  const token = authority.mintLegacy({ namespace, name: saName, uid }, name);
  return store.update(secretsType, namespace, name, {
    ...secret,
    metadata: { ...secret.metadata, annotations: { ...(secret.metadata.annotations ?? {}), [SA_UID_ANNOTATION]: uid } },
    data: { ...data, token: b64(token), 'ca.crt': b64(caPem), namespace: b64(namespace) },
  });
}

export function installControllers(
  store: ObjectStore,
  authority: TokenAuthority,
  caPem: string,
  options: { defaultServiceAccounts: boolean },
): () => void {
  return store.addHooks({
    afterCreate(type, obj) {
      if (type.resource === 'namespaces' && type.group === '' && options.defaultServiceAccounts) {
        const ns = obj.metadata.name ?? '';
        if (!store.tryGet(serviceAccountsType, ns, 'default')) {
          store.create(serviceAccountsType, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
        }
      }
      if (type === secretsType) populateTokenSecret(store, authority, caPem, obj);
    },
    afterDelete(type, obj) {
      if (type !== serviceAccountsType) return;
      const ns = obj.metadata.namespace ?? '';
      for (const secret of store.list(secretsType, ns, { fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_SECRET_TYPE}` }).items) {
        const annotations = secret.metadata.annotations ?? {};
        if (annotations[SA_NAME_ANNOTATION] !== obj.metadata.name) continue;
        if (annotations[SA_UID_ANNOTATION] !== undefined && annotations[SA_UID_ANNOTATION] !== obj.metadata.uid) continue;
        if (store.tryGet(secretsType, ns, secret.metadata.name ?? '')) store.delete(secretsType, ns, secret.metadata.name ?? '');
      }
    },
  });
}
