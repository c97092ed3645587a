/** sys/policies/password wired into the core, and backends generating from a named policy. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import { createBarrier } from '../barrier/index.js';
import { defineBackend, definePath, f, type BackendFactory } from '../sdk/index.js';
import { createInmemStorage } from '../storage/index.js';
import { Core } from './core.js';
import type { IncomingRequest } from './pipeline.js';

/** An engine whose `gen/:policy` answers a password from the named policy. */
const generating: BackendFactory = ({ system }) =>
  defineBackend({
    kind: 'logical',
    help: 'test',
    paths: [
      definePath({
        pattern: 'gen/(?<policy>\\w+)',
        fields: { policy: f.string({ required: true }) },
        operations: { read: async (_req, fields) => ({ data: { password: await system.generatePasswordFromPolicy(fields.policy) } }) },
      }),
    ],
  });

const POLICY = `length = 12
rule "charset" {
  charset = "abc"
}
rule "charset" {
  charset = "0123456789"
  min-chars = 4
}`;

function req(operation: IncomingRequest['operation'], path: string, token: string, data: Record<string, unknown> = {}): IncomingRequest {
  return { operation, path, data, headers: {}, remoteAddr: '127.0.0.1', clientToken: token };
}

describe('password policies in the server', () => {
  it('stores a policy, generates from it over sys and for a backend, and refuses unknown names', async () => {
    const physical = createInmemStorage();
    const core = new Core({ physical, barrier: createBarrier(physical), backends: { gen: generating }, logger: silentLogger(), version: 'test' });
    const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
    await core.unsealWithKeys(keys);
    await core.handleRequest(req('update', 'sys/mounts/gen', rootToken, { type: 'gen' }));
    await core.handleRequest(req('update', 'sys/policies/password/pin', rootToken, { policy: POLICY }));

    const viaSys = (await core.handleRequest(req('read', 'sys/policies/password/pin/generate', rootToken))).response?.data?.['password'];
    const viaBackend = (await core.handleRequest(req('read', 'gen/gen/pin', rootToken))).response?.data?.['password'];
    for (const pw of [viaSys, viaBackend]) {
      expect(pw).toMatch(/^[abc0-9]{12}$/);
      expect(String(pw).replace(/\D/g, '').length).toBeGreaterThanOrEqual(4);
    }
    const listed = (await core.handleRequest(req('list', 'sys/policies/password', rootToken))).response?.data?.['keys'];
    expect(listed).toEqual(['pin']);

    const missing = core.handleRequest(req('read', 'gen/gen/nope', rootToken));
    await expect(missing).rejects.toBeInstanceOf(AppError);
    await expect(missing).rejects.toThrow(/nope/);
    // Survives a seal: the policy is stored behind the barrier.
    await core.seal();
    await core.unsealWithKeys(keys);
    expect((await core.handleRequest(req('read', 'gen/gen/pin', rootToken))).response?.data?.['password']).toMatch(/^[abc0-9]{12}$/);
  });
});
