/**
 * `coffer seal backup`: the controller's sealing keys (the Secrets labelled
 * `sealedsecrets.bitnami.com/sealed-secrets-key`, and the legacy `sealed-secrets-key`) as a
 * `v1` List, for disaster recovery: `kubectl apply -f` restores them into a new cluster, and
 * `coffer seal --recovery-unseal --recovery-private-key <file>` opens SealedSecrets offline.
 */
import {
  DEFAULT_KEY_PREFIX,
  SEALED_SECRETS_KEY_LABEL,
  backupList,
  formatBackup,
  kubeRequest,
  loadKubeConnection,
  parseManifestFormat,
  statusMessage,
  type Secret,
} from '../../gitops/sealed/index.js';
import { defineCommand, expectArgs } from '../command.js';
import { ExitCode } from '../exit.js';
import { KUBE_FLAGS } from './seal.js';

export const command = defineCommand({
  path: ['seal', 'backup'],
  synopsis: 'Export the Sealed Secrets controller keys for disaster recovery',
  sets: { http: false },
  flags: [
    { name: 'format', kind: 'string', aliases: ['o'], usage: 'Output format of the List. Either yaml or json', default: 'yaml' },
    ...KUBE_FLAGS.filter((f) => f.name !== 'controller-name'),
  ],
  help: `
Usage: coffer seal backup [options]

  Prints the Sealed Secrets controller's private keys (every key Secret in the
  controller's namespace) as a List. Keep the output somewhere safe and offline:
  anyone holding it can open every SealedSecret sealed for this cluster.

  Back up, then restore into a new cluster before starting the controller:

      $ coffer seal backup > sealed-secrets-keys.yaml
      $ kubectl apply -f sealed-secrets-keys.yaml

  Open a SealedSecret offline with the backup:

      $ coffer seal --recovery-unseal --recovery-private-key sealed-secrets-keys.yaml -f db-sealed.yaml`,

  async run(ctx) {
    expectArgs(ctx, 0);
    try {
      const format = parseManifestFormat(ctx.flags.string('format'));
      const namespace = ctx.flags.string('controller-namespace');
      const conn = loadKubeConnection({ path: ctx.flags.string('kubeconfig'), context: ctx.flags.string('context'), env: ctx.io.env });
      const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
      const res = await kubeRequest(conn, 'GET', `${base}?labelSelector=${encodeURIComponent(SEALED_SECRETS_KEY_LABEL)}`);
      if (res.status !== 200) throw new Error(`cannot list the key Secrets in ${namespace}: ${statusMessage(res)}`);
      const items = ((JSON.parse(res.body.toString('utf8')) as { items?: Secret[] }).items ?? []).slice();
      if (!items.some((s) => s.metadata.name === DEFAULT_KEY_PREFIX)) {
        const legacy = await kubeRequest(conn, 'GET', `${base}/${DEFAULT_KEY_PREFIX}`);
        if (legacy.status === 200) items.push(JSON.parse(legacy.body.toString('utf8')) as Secret);
      }
      const list = backupList(items);
      if (list.items.length === 0) throw new Error(`no sealing keys found in namespace ${namespace} (Secrets labelled ${SEALED_SECRETS_KEY_LABEL}); use --controller-namespace`);
      ctx.ui.raw(formatBackup(list, format));
      ctx.ui.err(`${list.items.length} key(s) exported. The output holds private keys: store it offline.`);
      return ExitCode.Ok;
    } catch (err) {
      ctx.ui.err(`error: ${err instanceof Error ? err.message : String(err)}`);
      return ExitCode.LocalError;
    }
  },
});
