/**
 * `-field=<name>`: print one value, raw (Vault's `RawField`/`PrintRawField`). On a terminal
 * the value ends with a newline; piped, it does not, so `$(coffer kv get -field=x ...)` is exact.
 */
import type { Secret } from '../../api/index.js';
import type { Ui } from '../context.js';
import { ExitCode } from '../exit.js';
import type { OutputFormat } from '../common-flags.js';
import { formatGoValue } from './go-format.js';
import { renderJson } from './json.js';
import { renderYaml } from './yaml.js';

function isSecret(value: unknown): value is Secret {
  return typeof value === 'object' && value !== null && 'request_id' in value && 'lease_duration' in value && 'data' in value;
}

/** Vault's `RawField`: envelope and auth/wrap fields by their CLI names, else `data[field]`. */
export function rawField(secret: Secret, field: string): unknown {
  const data = secret.data ?? {};
  if (secret.auth !== null) {
    const auth = secret.auth;
    switch (field) {
      case 'token':
        return auth.client_token;
      case 'token_accessor':
        return auth.accessor;
      case 'token_duration':
        return auth.lease_duration;
      case 'token_renewable':
        return auth.renewable;
      case 'token_policies':
        return auth.token_policies;
      case 'identity_policies':
        return auth.identity_policies;
      case 'policies':
        return auth.policies;
      default:
        return data[field];
    }
  }
  if (secret.wrap_info !== null) {
    const wrap = secret.wrap_info;
    switch (field) {
      case 'wrapping_token':
        return wrap.token;
      case 'wrapping_accessor':
        return wrap.accessor;
      case 'wrapping_token_ttl':
        return wrap.ttl;
      case 'wrapping_token_creation_time':
        return wrap.creation_time;
      case 'wrapping_token_creation_path':
        return wrap.creation_path;
      case 'wrapped_accessor':
        return wrap.wrapped_accessor;
      default:
        return data[field];
    }
  }
  switch (field) {
    case 'lease_duration':
    case 'refresh_interval':
      return secret.lease_duration;
    case 'lease_id':
      return secret.lease_id;
    case 'request_id':
      return secret.request_id;
    case 'renewable':
      return secret.renewable;
    case 'data':
      return 'data' in data ? data['data'] : data;
    default:
      return data[field];
  }
}

/** The text `-field` prints for a value (no trailing newline). */
export function formatFieldValue(value: unknown, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return renderJson(value);
    case 'yaml':
      return renderYaml(value);
    default:
      return formatGoValue(value);
  }
}

/** Vault's `PrintRaw`: the text, with a newline only when stdout is a terminal. */
export function printRaw(ui: Ui, text: string): number {
  if (ui.stdoutIsTty) ui.out(text);
  else ui.raw(text);
  return ExitCode.Ok;
}

/** Vault's `PrintRawField`; exits 1 when the field is absent (or null). */
export function printRawField(ui: Ui, format: OutputFormat, source: Secret | Readonly<Record<string, unknown>>, field: string): number {
  const value = isSecret(source) ? rawField(source, field) : source[field];
  if (value === null || value === undefined) {
    ui.err(`Field "${field}" not present in secret`);
    return ExitCode.LocalError;
  }
  const text = formatFieldValue(value, format);
  if (ui.stdoutIsTty) ui.out(text);
  else ui.raw(text);
  return ExitCode.Ok;
}
