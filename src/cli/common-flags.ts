/**
 * The flag sets every Vault command shares (`FlagSetHTTP`, `FlagSetOutputField`,
 * `FlagSetOutputFormat`, `FlagSetOutputDetailed`) and the client built from them.
 */
import { createClient, type Client, type ClientOptions } from '../api/index.js';
import { formatDuration } from '../shared/index.js';
import type { FlagSpec, FlagValues } from './flags.js';
import { UsageError } from './exit.js';

export const HTTP_FLAGS: readonly FlagSpec[] = [
  {
    name: 'address',
    kind: 'string',
    group: 'HTTP Options',
    example: 'string',
    usage: 'Address of the Coffer/Vault server. This can also be specified via the COFFER_ADDR or VAULT_ADDR environment variable (default "https://127.0.0.1:8200").',
  },
  {
    name: 'ca-cert',
    kind: 'string',
    group: 'HTTP Options',
    example: 'string',
    usage: "Path on the local disk to a single PEM-encoded CA certificate to verify the server's SSL certificate. This takes precedence over -ca-path. Also VAULT_CACERT.",
  },
  {
    name: 'ca-path',
    kind: 'string',
    group: 'HTTP Options',
    example: 'string',
    usage: "Path on the local disk to a directory of PEM-encoded CA certificates to verify the server's SSL certificate. Also VAULT_CAPATH.",
  },
  {
    name: 'client-cert',
    kind: 'string',
    group: 'HTTP Options',
    example: 'string',
    usage: 'Path on the local disk to a single PEM-encoded certificate for TLS authentication to the server. If this flag is specified, -client-key is also required.',
  },
  {
    name: 'client-key',
    kind: 'string',
    group: 'HTTP Options',
    example: 'string',
    usage: 'Path on the local disk to a single PEM-encoded private key matching the client certificate from -client-cert.',
  },
  {
    name: 'namespace',
    kind: 'string',
    aliases: ['ns'],
    group: 'HTTP Options',
    example: 'string',
    usage: 'The namespace to use for the command (X-Vault-Namespace). Also VAULT_NAMESPACE.',
  },
  {
    name: 'tls-server-name',
    kind: 'string',
    group: 'HTTP Options',
    example: 'string',
    usage: 'Name to use as the SNI host when connecting to the server via TLS. Also VAULT_TLS_SERVER_NAME.',
  },
  {
    name: 'tls-skip-verify',
    kind: 'bool',
    group: 'HTTP Options',
    usage: 'Disable verification of TLS certificates. Using this option is highly discouraged as it decreases the security of data transmissions to and from the server. Also VAULT_SKIP_VERIFY.',
  },
  {
    name: 'header',
    kind: 'map',
    group: 'HTTP Options',
    example: 'key=value',
    usage: "Key-value pair provided as key=value to provide http header added to any request done by the CLI. Trying to add headers starting with 'X-Vault-' is forbidden and will make the command fail. This can be specified multiple times.",
  },
  {
    name: 'non-interactive',
    kind: 'bool',
    group: 'HTTP Options',
    usage: 'When set true, prevents asking the user for input via the terminal.',
  },
  {
    name: 'wrap-ttl',
    kind: 'duration',
    group: 'HTTP Options',
    example: 'duration',
    env: ['COFFER_WRAP_TTL', 'VAULT_WRAP_TTL'],
    usage:
      'Wraps the response in a cubbyhole token with the requested TTL. The response is available via the "coffer unwrap" command. The TTL is specified as a numeric string with suffix like "30s" or "5m". This can also be specified via the VAULT_WRAP_TTL environment variable.',
  },
];

export const FORMAT_FLAG: FlagSpec = {
  name: 'format',
  kind: 'string',
  group: 'Output Options',
  example: 'string',
  default: 'table',
  env: ['COFFER_FORMAT', 'VAULT_FORMAT'],
  usage: 'Print the output in the given format. Valid formats are "table", "json", or "yaml". This can also be specified via the VAULT_FORMAT environment variable.',
};

export const FIELD_FLAG: FlagSpec = {
  name: 'field',
  kind: 'string',
  group: 'Output Options',
  example: 'string',
  usage: 'Print only the field with the given name. Specifying this option will take precedence over other formatting directives. The result will not have a trailing newline making it ideal for piping to other processes.',
};

export const DETAILED_FLAG: FlagSpec = {
  name: 'detailed',
  kind: 'bool',
  group: 'Output Options',
  env: ['VAULT_DETAILED'],
  usage: 'Enables additional metadata during some operations.',
};

export interface FlagSetSelection {
  http?: boolean;
  format?: boolean;
  field?: boolean;
  detailed?: boolean;
}

/** The full flag list of a command: the shared sets it selects plus its own. */
export function buildFlagList(sets: FlagSetSelection, own: readonly FlagSpec[]): FlagSpec[] {
  const out: FlagSpec[] = [];
  if (sets.http !== false) out.push(...HTTP_FLAGS);
  if (sets.field === true) out.push(FIELD_FLAG);
  if (sets.format === true) out.push(FORMAT_FLAG);
  if (sets.detailed === true) out.push(DETAILED_FLAG);
  out.push(...own.map((f) => (f.group === undefined ? { ...f, group: 'Command Options' } : f)));
  return out;
}

export type OutputFormat = 'table' | 'json' | 'yaml' | 'raw';

/** The `-format` value (or `table` where the command has none), validated. */
export function outputFormat(flags: FlagValues, options: { allowRaw?: boolean } = {}): OutputFormat {
  if (!flags.has('format')) return 'table';
  const raw = flags.string('format').trim().toLowerCase();
  switch (raw) {
    case '':
    case 'table':
      return 'table';
    case 'json':
      return 'json';
    case 'yaml':
    case 'yml':
      return 'yaml';
    case 'raw':
      if (options.allowRaw === true) return 'raw';
      throw new UsageError('This command does not support the -format=raw option.');
    default:
      throw new UsageError(`Invalid output format: ${raw}`);
  }
}

/** The client options the HTTP flags give (unset flags fall back to the environment). */
export function clientOptionsFromFlags(flags: FlagValues, env: NodeJS.ProcessEnv): ClientOptions {
  const options: ClientOptions = { env };
  if (flags.isSet('address')) options.address = flags.string('address');
  if (flags.isSet('ca-cert')) options.caCert = flags.string('ca-cert');
  if (flags.isSet('ca-path')) options.caPath = flags.string('ca-path');
  if (flags.isSet('client-cert')) options.clientCert = flags.string('client-cert');
  if (flags.isSet('client-key')) options.clientKey = flags.string('client-key');
  if (flags.isSet('namespace')) options.namespace = flags.string('namespace');
  if (flags.isSet('tls-server-name')) options.tlsServerName = flags.string('tls-server-name');
  if (flags.isSet('tls-skip-verify')) options.tlsSkipVerify = flags.bool('tls-skip-verify');
  if (flags.isSet('header')) options.headers = flags.map('header');
  return options;
}

/** The API client configured from the HTTP flags (unset flags fall back to the environment). */
export function clientFromFlags(flags: FlagValues, env: NodeJS.ProcessEnv): Client {
  const options = clientOptionsFromFlags(flags, env);
  if (flags.has('wrap-ttl')) {
    const wrap = flags.duration('wrap-ttl');
    if (wrap < 0) throw new UsageError('invalid value for flag -wrap-ttl: must not be negative');
    // Go's Duration.String(), as Vault's CLI sends it ("5m0s").
    if (wrap > 0) options.wrapTtl = formatDuration(wrap);
  }
  return createClient(options);
}
