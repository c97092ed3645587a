import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../shared/errors.js';
import { goPathEscape } from './connection-url.js';
import { parseKeyValueDsn, parsePostgresConnection, pgEndpoint, pgOptionsString } from './pg-connection.js';

describe('parsePostgresConnection (URLs)', () => {
  it('reads host, port, credentials, database and parameters', () => {
    const c = parsePostgresConnection('postgresql://vault:p%2Fw%40x@db.example:6543/app?sslmode=disable&application_name=me&search_path=s1');
    expect(c).toMatchObject({
      host: 'db.example',
      port: 6543,
      user: 'vault',
      password: 'p/w@x',
      database: 'app',
      applicationName: 'me',
      ssl: false,
    });
    // Unknown parameters become server settings; Vault pins URL connections to UTC.
    expect(c.serverSettings).toEqual({ search_path: 's1', timezone: 'UTC' });
  });

  it('defaults the port and accepts IPv6 hosts and postgres://', () => {
    expect(parsePostgresConnection('postgres://u@[::1]/d')).toMatchObject({ host: '::1', port: 5432, user: 'u', database: 'd' });
    expect(pgEndpoint(parsePostgresConnection('postgres://u@[::1]/d'))).toBe('[::1]:5432');
  });

  it('round-trips any credentials escaped the way the plugin escapes them', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1 }), (user, password) => {
        const c = parsePostgresConnection(`postgres://${goPathEscape(user)}:${goPathEscape(password)}@127.0.0.1:5432/postgres`);
        // Go's PathEscape keeps ':', so a ':' in the user name splits user from password, as in Go.
        const colon = user.indexOf(':');
        if (colon === -1) {
          expect(c.user).toBe(user);
          expect(c.password).toBe(password);
        } else {
          expect(c.user ?? '').toBe(user.slice(0, colon)); // an empty user name is left unset
          expect(c.password).toBe(`${user.slice(colon + 1)}:${password}`);
        }
      }),
    );
  });

  it('maps sslmode like libpq', () => {
    expect(parsePostgresConnection('postgres://h/d?sslmode=prefer').ssl).toBe(false);
    expect(parsePostgresConnection('postgres://h/d?sslmode=require').ssl).toEqual({ rejectUnauthorized: false });
    expect(parsePostgresConnection('postgres://h/d?sslmode=verify-full').ssl).toMatchObject({ rejectUnauthorized: true, servername: 'h' });
    const verifyCa = parsePostgresConnection('postgres://h/d?sslmode=verify-ca').ssl;
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true });
    expect(verifyCa === false ? undefined : verifyCa.checkServerIdentity?.('h', {} as never)).toBeUndefined();
  });

  it('refuses bad input without echoing the URL', () => {
    const cases = [
      'postgres://u:pa ss word@host:99999/db',
      'postgres://u:secretpw@host:0/db',
      'postgres://u:secretpw@host/db?sslmode=sometimes',
      'postgres://u:secretpw@/tmp/sock/db?host=/var/run/postgresql',
      'postgres://u:secretpw@h/db?connect_timeout=soon',
    ];
    for (const url of cases) {
      let caught: unknown;
      try {
        parsePostgresConnection(url);
      } catch (err) {
        caught = err;
      }
      expect(caught, url).toBeInstanceOf(UserError);
      expect((caught as Error).message).not.toContain('secretpw');
      expect((caught as Error).message).not.toContain('pa ss');
    }
  });
});

describe('parsePostgresConnection (key=value)', () => {
  it('reads libpq connection strings with quoting', () => {
    const c = parsePostgresConnection(`host=10.0.0.5 port=5433 user=vault password='it\\'s x' dbname = app sslmode=require`);
    expect(c).toMatchObject({ host: '10.0.0.5', port: 5433, user: 'vault', password: "it's x", database: 'app', ssl: { rejectUnauthorized: false } });
    expect(() => parsePostgresConnection('host=h password=se cret')).toThrow(/^invalid connection_url: malformed key=value connection string/);
  });

  it('parses quoted values with backslash escapes', () => {
    expect(parseKeyValueDsn(`a=1 b='x y' c='q\\'s' d=e\\ f`)).toEqual({ a: '1', b: 'x y', c: "q's", d: 'e f' });
    expect(() => parseKeyValueDsn(`a='open`)).toThrow(UserError);
    expect(() => parseKeyValueDsn('novalue')).toThrow(UserError);
  });

  it('defaults to localhost:5432 and does not add the URL-only UTC setting', () => {
    const c = parsePostgresConnection('user=u dbname=d');
    expect(c).toMatchObject({ host: 'localhost', port: 5432 });
    expect(c.serverSettings).toEqual({});
  });
});

describe('pgOptionsString', () => {
  it('puts raw options first and escapes spaces in settings', () => {
    expect(pgOptionsString({ rawOptions: '-c geqo=off', serverSettings: { search_path: 'a b', timezone: 'UTC' } })).toBe(
      '-c geqo=off -c search_path=a\\ b -c timezone=UTC',
    );
    expect(pgOptionsString({ serverSettings: {} })).toBeUndefined();
  });
});
