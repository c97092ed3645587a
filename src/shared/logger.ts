/**
 * The one logger (pino). Known secret-bearing fields are redacted wherever they appear, so
 * a careless `log.info({ req })` cannot leak a token or a key.
 */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export const REDACTED_KEYS = [
  'token',
  'client_token',
  'clientToken',
  'root_token',
  'rootToken',
  'key',
  'keys',
  'keys_base64',
  'password',
  'secret',
  'secret_id',
  'data',
  'plaintext',
  'authorization',
  'x-vault-token',
];

export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  const base = {
    level: options.level ?? process.env['COFFER_LOG_LEVEL'] ?? 'info',
    redact: { paths, censor: '[redacted]' },
    ...(options.name !== undefined ? { name: options.name } : {}),
  };
  return options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
}

/** A logger that writes nothing (tests, embedded use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
