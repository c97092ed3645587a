import { describe, expect, it } from 'vitest';
import { InternalError, UnavailableError, UserError } from '../../../../shared/errors.js';
import { createRedactor } from './connection-url.js';
import { connectFailure, describeDbError, isUnreachable, statementFailure, verifyFailure } from './db-errors.js';

function errorWith(fields: Record<string, unknown>, message = 'boom'): Error {
  return Object.assign(new Error(message), fields);
}

describe('isUnreachable', () => {
  it('recognises network failures, dropped connections and server shutdowns', () => {
    expect(isUnreachable(errorWith({ code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnreachable(Object.assign(new AggregateError([errorWith({ code: 'ECONNREFUSED' })], ''), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnreachable(errorWith({ code: '57P01' }))).toBe(true);
    expect(isUnreachable(errorWith({ code: '08006' }))).toBe(true);
    expect(isUnreachable(errorWith({ code: 'PROTOCOL_CONNECTION_LOST' }))).toBe(true);
    expect(isUnreachable(errorWith({ errno: 2013 }))).toBe(true);
  });

  it('does not mistake refused logins or SQL errors for an outage', () => {
    expect(isUnreachable(errorWith({ code: '28P01' }))).toBe(false);
    expect(isUnreachable(errorWith({ code: '42601' }))).toBe(false);
    expect(isUnreachable(errorWith({ code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 }))).toBe(false);
  });
});

describe('describeDbError', () => {
  it("prefers the database's own message and names network failures plainly", () => {
    expect(describeDbError(errorWith({ code: 'ECONNREFUSED' }, 'connect ECONNREFUSED 127.0.0.1:1'))).toBe('connection refused (ECONNREFUSED)');
    expect(describeDbError(errorWith({ sqlMessage: "Table 'x.y' doesn't exist" }, 'ignored'))).toBe("Table 'x.y' doesn't exist");
    expect(describeDbError(errorWith({ code: '3D000' }, 'database "nope" does not exist'))).toBe('database "nope" does not exist');
    expect(describeDbError('weird')).toBe('weird');
  });
});

describe('error mapping', () => {
  const redact = createRedactor(['hunter2']);

  it('verification failures are 400s naming the endpoint, with secrets removed', () => {
    const err = verifyFailure(new Error('bad password hunter2'), 'db:5432', redact);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('error verifying connection to db:5432: bad password [password]');
  });

  it('an unreachable database during an operation is a 503 naming host:port', () => {
    const err = connectFailure(errorWith({ code: 'ECONNREFUSED' }), '127.0.0.1:5432', redact);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain('127.0.0.1:5432');
  });

  it('a refused login during an operation is a 500', () => {
    expect(connectFailure(errorWith({ code: '28P01' }, 'password authentication failed'), 'h:1', redact)).toBeInstanceOf(InternalError);
  });

  it('a failed statement is a 500 with the redacted database text and no cause attached', () => {
    const driverError = errorWith({ code: '42601', sql: "CREATE ROLE x PASSWORD 'hunter2'" }, 'syntax error at or near "hunter2"');
    const err = statementFailure('failed to create the user: statement 2 of 3 failed', driverError, 'h:1', redact);
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toBe('failed to create the user: statement 2 of 3 failed: syntax error at or near "[password]"');
    expect(err.cause).toBeUndefined();
  });
});
