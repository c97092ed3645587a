import { describe, expect, it } from 'vitest';
import { InternalError, UnavailableError, UserError } from '../../../shared/errors.js';
import { pluginFailure, publicConnectionDetails, redactConnectionUrl, scrubSecrets, urlHasLiteralPassword } from './redact.js';

describe('redaction', () => {
  it('redacts a literal password in connection_url like Go, and leaves templated URLs alone', () => {
    expect(redactConnectionUrl('postgresql://admin:s3cret@db:5432/app')).toBe('postgresql://admin:xxxxx@db:5432/app');
    const templated = 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres';
    expect(redactConnectionUrl(templated)).toBe(templated);
    expect(urlHasLiteralPassword(templated)).toBe(false);
    expect(urlHasLiteralPassword('postgresql://admin:s3cret@db/app')).toBe(true);
    expect(redactConnectionUrl('{{username}}:{{password}}@tcp(127.0.0.1:3306)/')).toBe('{{username}}:{{password}}@tcp(127.0.0.1:3306)/');
  });

  it('drops secret settings from the details shown on read', () => {
    expect(
      publicConnectionDetails({ connection_url: 'postgresql://u:p4ss@h/d', username: 'u', password: 'pw', private_key: 'k', max_open_connections: 4 }),
    ).toEqual({ connection_url: 'postgresql://u:xxxxx@h/d', username: 'u', max_open_connections: 4 });
  });

  it('scrubs secrets from plugin errors and keeps their class', () => {
    expect(scrubSecrets('bad password hunter22 for x', ['hunter22'])).toBe('bad password [redacted] for x');
    const user = pluginFailure(new UserError('nope hunter22'), 'p: ', ['hunter22']);
    expect(user).toBeInstanceOf(UserError);
    expect(user.message).toBe('p: nope [redacted]');
    expect(pluginFailure(new UnavailableError('down'), '', [])).toBeInstanceOf(UnavailableError);
    expect(pluginFailure(new Error('boom'), '', [])).toBeInstanceOf(InternalError);
  });
});
