import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../shared/errors.js';
import { mysqlEndpoint, parseMysqlConnection } from './mysql-dsn.js';

describe('parseMysqlConnection (Go DSN)', () => {
  it('reads the documented form', () => {
    expect(parseMysqlConnection('vault:s3cret@tcp(db.example:3307)/app?tls=skip-verify&charset=utf8mb4,utf8&timeout=5s')).toEqual({
      user: 'vault',
      password: 's3cret',
      host: 'db.example',
      port: 3307,
      database: 'app',
      tls: { verify: false },
      charset: 'utf8mb4',
      connectTimeoutMs: 5000,
    });
  });

  it("applies the Go driver's defaults", () => {
    expect(parseMysqlConnection('u:p@tcp(db)/')).toMatchObject({ host: 'db', port: 3306 });
    expect(parseMysqlConnection('u:p@/')).toMatchObject({ host: '127.0.0.1', port: 3306 });
    expect(parseMysqlConnection('u:p@tcp([::1]:3310)/')).toMatchObject({ host: '::1', port: 3310 });
    expect(parseMysqlConnection('u@unix(/run/mysqld.sock)/d')).toMatchObject({ socketPath: '/run/mysqld.sock', user: 'u', password: '' });
    expect(mysqlEndpoint(parseMysqlConnection('u:p@tcp([::1]:3310)/'))).toBe('[::1]:3310');
  });

  it('takes the password literally, up to the last @ (as go-sql-driver does)', () => {
    expect(parseMysqlConnection('root:p@ss:w%rd@tcp(h:1)/')).toMatchObject({ user: 'root', password: 'p@ss:w%rd' });
  });

  it('round-trips any password without a slash', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ minLength: 1 }).filter((s) => !s.includes('/')), (user, password) => {
        const c = parseMysqlConnection(`${user}:${password}@tcp(127.0.0.1:3306)/db`);
        expect(c.user).toBe(user);
        expect(c.password).toBe(password);
        expect(c.database).toBe('db');
      }),
    );
  });

  it("reports the Go driver's DSN errors", () => {
    expect(() => parseMysqlConnection('u:p@tcp(h:3306)')).toThrow(/missing the slash/);
    expect(() => parseMysqlConnection('u:p@tcp(h:3306/db')).toThrow(/missing closing brace/);
    expect(() => parseMysqlConnection('u:p@udp(h:3306)/db')).toThrow(UserError);
    expect(() => parseMysqlConnection('u:p@tcp(h:70000)/db')).toThrow(/invalid port/);
  });
});

describe('parseMysqlConnection (URL)', () => {
  it('accepts mysql:// URLs with escaped credentials', () => {
    expect(parseMysqlConnection('mysql://vault:p%40ss@db:3307/app?tls=true')).toEqual({
      user: 'vault',
      password: 'p@ss',
      host: 'db',
      port: 3307,
      database: 'app',
      tls: { verify: true },
    });
  });
});
