/** The write conformance suite for ESO's fake provider (which ignores properties and deletes, as ESO's). */
import { silentLogger } from '../../../shared/logger.js';
import type { KubeClient } from '../../runtime/types.js';
import { runWriteConformance } from '../conformance.js';
import type { ProviderContext, SecretsClient, SecretsWriter } from '../types.js';
import { createFakeProvider } from './provider.js';

// The fake provider never talks to Kubernetes.
const ctx: ProviderContext = { kube: {} as KubeClient, namespace: 'default', logger: silentLogger() };

runWriteConformance(
  'fake',
  async () => {
    const client = (await createFakeProvider().newClient({ kind: 'SecretStore', name: 'fake-push', namespace: 'default', provider: { fake: { data: [] } } }, ctx)) as SecretsClient & SecretsWriter;
    return { client, cleanup: () => client.close() };
  },
  { properties: false, deletes: false },
);
