/**
 * `coffer seal`: kubeseal with kubeseal's flags. Seals a Secret (file or stdin) for the
 * controller's certificate (`--cert` file/URL, or fetched through the API server's service
 * proxy), or one raw value, merges into an existing SealedSecret file, asks the controller to
 * validate or re-encrypt, and opens SealedSecrets offline with backed-up keys.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NoKubeconfigError,
  asSealedSecret,
  controllerRequest,
  detectManifestFormat,
  formatManifest,
  loadKubeConnection,
  mergeSealedSecrets,
  orderSealedSecret,
  orderSecret,
  parseManifestFormat,
  parsePrivateKeysFile,
  parseScope,
  parseSealedSecret,
  parseSecret,
  scopeFromAnnotations,
  sealRawValue,
  sealSecret,
  sealingPublicKey,
  statusMessage,
  unsealSealedSecret,
  type KubeConnection,
  type ManifestFormat,
  type SealOptions,
  type SealedSecret,
  type SealingScope,
} from '../../gitops/sealed/index.js';
import { defineCommand, expectArgs, type CommandContext } from '../command.js';
import { ExitCode } from '../exit.js';
import type { FlagSpec } from '../flags.js';

const ENV = 'SEALED_SECRETS_';

/** Flags shared with `coffer seal backup`. */
export const KUBE_FLAGS: readonly FlagSpec[] = [
  { name: 'kubeconfig', kind: 'string', usage: 'Path to a kube config. Only required if out-of-cluster (default: $KUBECONFIG, then ~/.kube/config).', group: 'Kubernetes Options' },
  { name: 'context', kind: 'string', usage: 'The kubeconfig context to use (default: its current-context).', group: 'Kubernetes Options' },
  {
    name: 'controller-name',
    kind: 'string',
    usage: 'Name of sealed-secrets controller.',
    default: 'sealed-secrets-controller',
    env: [`${ENV}CONTROLLER_NAME`],
    group: 'Kubernetes Options',
  },
  {
    name: 'controller-namespace',
    kind: 'string',
    usage: 'Namespace of sealed-secrets controller.',
    default: 'kube-system',
    env: [`${ENV}CONTROLLER_NAMESPACE`],
    group: 'Kubernetes Options',
  },
];

export const command = defineCommand({
  path: ['seal'],
  synopsis: 'Seal a Secret for a Sealed Secrets controller (kubeseal-compatible)',
  sets: { http: false },
  flags: [
    { name: 'cert', kind: 'string', usage: 'Certificate / public key file/URL to use for encryption. Overrides --controller-*', env: [`${ENV}CERT`] },
    { name: 'fetch-cert', kind: 'bool', usage: 'Write certificate to stdout. Useful for later use with --cert' },
    { name: 'scope', kind: 'string', usage: "Set the scope of the sealed secret: strict, namespace-wide, cluster-wide (defaults to strict). Mandatory for --raw, otherwise the 'sealedsecrets.bitnami.com/cluster-wide' and 'sealedsecrets.bitnami.com/namespace-wide' annotations on the input secret can be used to select the scope.", env: [`${ENV}SCOPE`] },
    { name: 'format', kind: 'string', aliases: ['o'], usage: 'Output format for sealed secret. Either json or yaml', default: 'json', env: [`${ENV}FORMAT`] },
    { name: 'secret-file', kind: 'string', aliases: ['f'], usage: 'Secret (input) file (default: stdin)' },
    { name: 'sealed-secret-file', kind: 'string', aliases: ['w'], usage: 'Sealed-secret (output) file (default: stdout); a .yaml/.yml name selects YAML' },
    { name: 'raw', kind: 'bool', usage: 'Encrypt a raw value passed via the --from-* flags instead of the whole secret object' },
    { name: 'from-file', kind: 'list', usage: '(only with --raw) Secret items can be sourced from files ([key=]path). Pro-tip: you can use /dev/stdin to read pipe input.' },
    { name: 'name', kind: 'string', usage: 'Name of the sealed secret (required with --raw and default (strict) scope)' },
    { name: 'namespace', kind: 'string', aliases: ['n'], usage: 'Namespace for --raw, and for an input Secret without one (default: the kubeconfig context namespace)' },
    { name: 'merge-into', kind: 'string', usage: 'Merge items from secret into an existing sealed secret file, updating the file in-place instead of writing to stdout.' },
    { name: 're-encrypt', kind: 'bool', aliases: ['rotate'], usage: 'Re-encrypt the given sealed secret to use the latest cluster key.' },
    { name: 'validate', kind: 'bool', usage: 'Validate that the sealed secret can be decrypted' },
    { name: 'recovery-unseal', kind: 'bool', usage: 'Decrypt a sealed secrets file obtained from stdin, using the private key passed with --recovery-private-key. Intended to be used in disaster recovery mode.' },
    { name: 'recovery-private-key', kind: 'list', usage: 'Private key filename used by the --recovery-unseal command. Multiple files accepted either via comma separated list or by repetition of the flag. Either PEM encoded private keys or a backup of a json/yaml encoded k8s sealed-secret controller secret (and v1.List) are accepted.' },
    { name: 'allow-empty-data', kind: 'bool', usage: 'Allow empty data in the secret object' },
    ...KUBE_FLAGS,
  ],
  help: `
Usage: coffer seal [options]

  Seals a Kubernetes Secret into a SealedSecret that only the Sealed Secrets
  controller (Bitnami's, or coffer's operator) can open. Flags are kubeseal's;
  the output is byte-compatible with kubeseal's.

  Seal a Secret with a certificate file:

      $ kubectl create secret generic db -n app --from-literal=password=s3cr3t \\
          --dry-run=client -o yaml | coffer seal --cert cert.pem -o yaml > db-sealed.yaml

  Fetch the certificate from the controller through the API server:

      $ coffer seal --fetch-cert > cert.pem

  Seal one value for an existing SealedSecret:

      $ echo -n s3cr3t | coffer seal --raw --cert cert.pem --namespace app --name db

  Add or update items of a SealedSecret file in place:

      $ coffer seal --cert cert.pem --merge-into db-sealed.yaml < more.yaml

  Disaster recovery with the keys from "coffer seal backup":

      $ coffer seal --recovery-unseal --recovery-private-key keys.yaml -f db-sealed.yaml`,

  async run(ctx) {
    expectArgs(ctx, 0);
    try {
      await runSeal(ctx);
      return ExitCode.Ok;
    } catch (err) {
      ctx.ui.err(`error: ${err instanceof Error ? err.message : String(err)}`);
      return ExitCode.LocalError;
    }
  },
});

class SealError extends Error {}

/** The kubeconfig, loaded once when first needed. */
function kubeLoader(ctx: CommandContext): () => KubeConnection {
  let conn: KubeConnection | undefined;
  return () => {
    conn ??= loadKubeConnection({ path: ctx.flags.string('kubeconfig'), context: ctx.flags.string('context'), env: ctx.io.env });
    return conn;
  };
}

async function readInput(ctx: CommandContext): Promise<string> {
  const file = ctx.flags.string('secret-file');
  if (file !== '') return readFile(file, 'utf8');
  return ctx.readStdin();
}

/** Writes atomically (temp file + rename), so a failed run never leaves a half-written file. */
async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function openCert(ctx: CommandContext, kube: () => KubeConnection): Promise<string> {
  const cert = ctx.flags.string('cert');
  if (cert !== '') {
    let url: URL | undefined;
    try {
      url = new URL(cert);
    } catch {
      url = undefined;
    }
    // Like kubeseal's isFilename: no scheme (or a Windows drive letter) is a path.
    if (url === undefined || url.protocol.length === 2) return readFile(cert, 'utf8');
    if (url.protocol === 'file:') return readFile(fileURLToPath(url), 'utf8');
    const res = await fetch(url);
    if (res.status !== 200) throw new SealError(`cannot fetch ${JSON.stringify(cert)}: ${res.status} ${res.statusText}`);
    return res.text();
  }
  const res = await controllerRequest(kube(), controllerOf(ctx), 'GET', '/v1/cert.pem');
  if (res.status !== 200) throw new SealError(`cannot fetch certificate: ${statusMessage(res)}`);
  return res.body.toString('utf8');
}

function controllerOf(ctx: CommandContext): { namespace: string; name: string } {
  return { namespace: ctx.flags.string('controller-namespace'), name: ctx.flags.string('controller-name') };
}

/** `--namespace`, else the kubeconfig context's (kubeseal's `clientConfig.Namespace()`). */
function solveNamespace(ctx: CommandContext, kube: () => KubeConnection): string | undefined {
  const ns = ctx.flags.string('namespace');
  if (ns !== '') return ns;
  try {
    return kube().namespace;
  } catch (err) {
    if (err instanceof NoKubeconfigError) return undefined;
    throw err;
  }
}

function scopeFlag(ctx: CommandContext): SealingScope | undefined {
  // An explicit --scope always wins (kubeseal ignores an explicit `--scope strict` over annotations).
  return ctx.flags.isSet('scope') || ctx.flags.string('scope') !== '' ? parseScope(ctx.flags.string('scope')) : undefined;
}

async function runSeal(ctx: CommandContext): Promise<void> {
  const { flags, ui } = ctx;
  const kube = kubeLoader(ctx);
  const raw = flags.bool('raw');
  const fromFile = flags.list('from-file').flatMap((v) => v.split(',')).filter((v) => v !== '');
  if (fromFile.length > 0 && !raw) throw new SealError('--from-file requires --raw');
  let format: ManifestFormat = parseManifestFormat(flags.string('format'));
  let output = flags.string('sealed-secret-file');
  const input = flags.string('secret-file');
  if (input === '' && !raw && !flags.bool('fetch-cert') && ctx.io.stdin.isTTY === true) {
    ui.err('(tty detected: expecting json/yaml k8s resource in stdin)');
  }
  // --re-encrypt is the one in-place command: with only -f, the input file is the output.
  if (flags.bool('re-encrypt') && output === '' && input !== '') output = input;
  if (output !== '' && ['.yaml', '.yml'].includes(extname(output))) format = 'yaml';

  const emit = async (text: string): Promise<void> => {
    if (output !== '') await writeFileAtomic(output, text);
    else ui.raw(text);
  };

  if (flags.bool('recovery-unseal')) {
    const files = flags.list('recovery-private-key').flatMap((v) => v.split(',')).filter((v) => v !== '');
    if (files.length === 0) throw new SealError('--recovery-unseal requires --recovery-private-key');
    const keys = [];
    for (const file of files) keys.push(...parsePrivateKeysFile(await readFile(file, 'utf8'), file));
    const secret = unsealSealedSecret(parseSealedSecret(await readInput(ctx)), keys);
    await emit(formatManifest(orderSecret(secret), format));
    return;
  }
  if (flags.list('recovery-private-key').length > 0) ui.err('warning: ignoring --recovery-private-key because unseal command not chosen with --recovery-unseal');

  if (flags.bool('validate')) {
    const res = await controllerRequest(kube(), controllerOf(ctx), 'POST', '/v1/verify', await readInput(ctx));
    if (res.status === 409) throw new SealError('unable to decrypt sealed secret');
    if (res.status !== 200) throw new SealError(`cannot validate sealed secret: ${statusMessage(res)}`);
    return;
  }

  if (flags.bool('re-encrypt')) {
    const res = await controllerRequest(kube(), controllerOf(ctx), 'POST', '/v1/rotate', await readInput(ctx));
    if (res.status === 409) throw new SealError(`unable to rotate secret: ${res.body.toString('utf8').trim()}`);
    if (res.status !== 200) throw new SealError(`cannot re-encrypt secret: ${statusMessage(res)}`);
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new SealError('cannot re-encrypt secret: the controller did not answer with JSON');
    }
    const ss = asSealedSecret(doc);
    delete ss.metadata.creationTimestamp;
    delete ss.metadata['deletionTimestamp'];
    delete ss.metadata.generation;
    await emit(formatManifest(orderSealedSecret(ss), format));
    return;
  }

  const certPem = await openCert(ctx, kube);
  if (flags.bool('fetch-cert')) {
    await emit(certPem);
    return;
  }
  const publicKey = sealingPublicKey(certPem);
  const scope = scopeFlag(ctx);

  if (flags.string('merge-into') !== '') {
    const file = flags.string('merge-into');
    const text = await readFile(file, 'utf8');
    const orig = parseSealedSecret(text);
    const secret = parseSecret(await readInput(ctx));
    // Without --scope or scope annotations on the input, keep the file's scope (kubeseal would
    // seal the new items strict and leave them unopenable in a cluster-wide SealedSecret).
    const mergeScope = scope ?? (scopeFromAnnotations(secret.metadata.annotations) === 'strict' ? scopeFromAnnotations(orig.metadata.annotations) : undefined);
    const update = sealSecret(secret, publicKey, sealOptions(ctx, mergeScope, { name: orig.metadata.name ?? '', namespace: orig.metadata.namespace ?? '' }));
    const merged = mergeSealedSecrets(orig, update);
    const mergeFormat = flags.isSet('format') ? format : detectManifestFormat(text);
    await writeFileAtomic(file, formatManifest(orderSealedSecret(merged), mergeFormat));
    return;
  }

  if (raw) {
    const effective = scope ?? 'strict';
    let namespace = '';
    if (effective !== 'cluster-wide') {
      namespace = solveNamespace(ctx, kube) ?? '';
      if (namespace === '') throw new SealError(`must provide the --namespace flag with --raw and --scope ${effective}`);
      if (flags.string('name') === '' && effective === 'strict') throw new SealError(`must provide the --name flag with --raw and --scope ${effective}`);
    }
    if (fromFile.length > 1) throw new SealError('must provide only one --from-file when encrypting a single item with --raw');
    let data: Buffer;
    const first = fromFile[0];
    if (first !== undefined) {
      const eq = first.indexOf('=');
      data = await readFile(eq < 0 ? first : first.slice(eq + 1));
    } else {
      if (ctx.io.stdin.isTTY === true) ui.err('(tty detected: expecting a secret to encrypt in stdin)');
      data = Buffer.from(await ctx.readStdin(), 'utf8');
    }
    await emit(sealRawValue(data, publicKey, { namespace, name: flags.string('name'), scope: effective }));
    return;
  }

  const secret = parseSecret(await readInput(ctx));
  const effectiveScope = scope ?? scopeFromAnnotations(secret.metadata.annotations);
  let namespace: string | undefined;
  if (effectiveScope !== 'cluster-wide' && (secret.metadata.namespace ?? '') === '') {
    namespace = solveNamespace(ctx, kube);
    if (namespace === undefined) throw new SealError('input secret has no namespace and cannot infer the namespace automatically when no kube config is available');
  }
  const ss: SealedSecret = sealSecret(secret, publicKey, sealOptions(ctx, scope, { name: flags.string('name'), namespace: namespace ?? '' }));
  await emit(formatManifest(orderSealedSecret(ss), format));
}

function sealOptions(ctx: CommandContext, scope: SealingScope | undefined, target: { name: string; namespace: string }): SealOptions {
  return {
    ...(scope !== undefined ? { scope } : {}),
    allowEmptyData: ctx.flags.bool('allow-empty-data'),
    ...(target.name !== '' ? { name: target.name } : {}),
    ...(target.namespace !== '' ? { namespace: target.namespace } : {}),
  };
}
