/**
 * Options every audit device accepts (Vault's `audit/backend.go` `newFormatterConfig`):
 * `format` (`json`), `hmac_accessor` (default true), `log_raw` (default false),
 * `elide_list_responses` (default false), `prefix`, and `skip_test` (do not write the
 * probe entry on enable). Values are strings, booleans parsed as Go's `strconv.ParseBool`.
 */
import { UserError } from '../../shared/errors.js';

export interface DeviceSettings {
  logRaw: boolean;
  hmacAccessor: boolean;
  elideListResponses: boolean;
  prefix: string;
  skipTest: boolean;
}

/** Vault Enterprise-only options, refused as Vault Community refuses them. */
const ENTERPRISE_OPTIONS = ['fallback', 'filter'];

export function parseDeviceSettings(options: Readonly<Record<string, string>>): DeviceSettings {
  if (ENTERPRISE_OPTIONS.some((o) => options[o] !== undefined)) throw new UserError('enterprise-only options supplied');
  const format = options['format'];
  if (format !== undefined && format !== '' && format !== 'json') {
    if (format === 'jsonx') throw new UserError('unsupported "format": "jsonx" (XML) is not supported by Coffer; use "json"');
    throw new UserError(`unsupported "format": ${JSON.stringify(format)}; use "json"`);
  }
  return {
    hmacAccessor: bool(options, 'hmac_accessor', true),
    logRaw: bool(options, 'log_raw', false),
    elideListResponses: bool(options, 'elide_list_responses', false),
    prefix: options['prefix'] ?? '',
    skipTest: bool(options, 'skip_test', false),
  };
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function bool(options: Readonly<Record<string, string>>, name: string, fallback: boolean): boolean {
  const raw = options[name];
  if (raw === undefined) return fallback;
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw new UserError(`unable to parse ${JSON.stringify(name)}: ${JSON.stringify(raw)} is not a boolean`);
}
