/**
 * `operator generate-root` and `operator rekey` end to end against a real (in-process, dev mode:
 * one share, threshold one) Coffer server: the encoded token decodes to a working root token, the
 * rekeyed shares unseal the server, verification and the cancel nonce rule behave as the server says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../api/index.js';
import { startServer, type RunningServer } from '../server/index.js';
import { startCliHarness, type CliHarness } from './testing.js';

let server: RunningServer;
let h: CliHarness;
let env: NodeJS.ProcessEnv;
let currentKeys: string[];

beforeAll(async () => {
  server = await startServer({ dev: { rootTokenId: 'root', listenAddress: '127.0.0.1:0' }, logLevel: 'silent' });
  h = await startCliHarness();
  env = { VAULT_ADDR: server.address, VAULT_TOKEN: 'root' };
  currentKeys = [server.unsealKey ?? ''];
});
afterAll(async () => {
  await h.close();
  await server.close();
});

const run = (argv: string[], stdin?: string) => h.run(argv, { env, ...(stdin !== undefined ? { stdin } : {}) });
const json = <T>(text: string): T => JSON.parse(text) as T;

describe('against a real server', () => {
  it('generate-root: -init, the share, -decode → a working root token', async () => {
    const init = await run(['operator', 'generate-root', '-init', '-format=json']);
    expect(init.code).toBe(0);
    const { nonce, otp, otp_length } = json<{ nonce: string; otp: string; otp_length: number }>(init.out);
    expect(otp).toHaveLength(otp_length);

    const status = await run(['operator', 'generate-root', '-status']);
    expect(status.out).toContain('Progress      0/1');

    const done = await run(['operator', 'generate-root', `-nonce=${nonce}`, '-'], `${currentKeys[0] ?? ''}\n`);
    expect(done.code).toBe(0);
    const encoded = /Encoded Token\s+(\S+)/.exec(done.out)?.[1] ?? '';
    expect(encoded).not.toBe('');

    const decoded = await run(['operator', 'generate-root', '-decode=-', `-otp=${otp}`], encoded);
    expect(decoded.code).toBe(0);
    expect(decoded.out).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
    const client = createClient({ address: server.address, token: decoded.out, env: {} });
    const self = await client.auth.token.lookupSelf();
    expect(self.data?.['policies']).toEqual(['root']);
    client.close();
  });

  it('generate-root: -generate-otp gives an OTP the server accepts; -cancel drops the attempt', async () => {
    const otp = (await run(['operator', 'generate-root', '-generate-otp'])).out;
    const init = await run(['operator', 'generate-root', '-init', `-otp=${otp}`]);
    expect(init.code).toBe(0);
    expect(init.out).toContain('Started       true');
    const cancel = await run(['operator', 'generate-root', '-cancel']);
    expect(cancel.code).toBe(0);
    expect((await run(['operator', 'generate-root', '-status'])).out).toContain('Started       false');
  });

  it('rekey: the new shares replace the old ones', async () => {
    const init = await run(['operator', 'rekey', '-init', '-key-shares=3', '-key-threshold=2', '-format=json']);
    expect(init.code).toBe(0);
    const { nonce } = json<{ nonce: string }>(init.out);

    // Within the first 10 minutes the server wants the nonce to cancel.
    const refused = await run(['operator', 'rekey', '-cancel']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('invalid request');

    const done = await run(['operator', 'rekey', `-nonce=${nonce}`, currentKeys[0] ?? '']);
    expect(done.code).toBe(0);
    const keys = [...done.out.matchAll(/^Key \d: (\S+)$/gm)].map((m) => m[1] ?? '');
    expect(keys).toHaveLength(3);
    expect(done.out).toContain('Coffer rekeyed with 3 key shares and a key threshold of 2.');

    const client = createClient({ address: server.address, token: 'root', env: {} });
    await client.sys.seal();
    expect((await client.sys.unseal(keys[0] ?? '')).sealed).toBe(true);
    expect((await client.sys.unseal(keys[2] ?? '')).sealed).toBe(false);
    client.close();
    currentKeys = keys;
  });

  it('rekey -verify: keys take effect only after verification; -cancel -nonce works at once', async () => {
    const first = json<{ nonce: string }>((await run(['operator', 'rekey', '-init', '-format=json'])).out);
    const cancel = await run(['operator', 'rekey', '-cancel', `-nonce=${first.nonce}`]);
    expect(cancel.code).toBe(0);

    const init = await run(['operator', 'rekey', '-init', '-key-shares=2', '-key-threshold=2', '-verify', '-format=json']);
    const { nonce } = json<{ nonce: string; verification_required: boolean }>(init.out);
    expect((await run(['operator', 'rekey', `-nonce=${nonce}`, currentKeys[0] ?? ''])).out).toContain('Rekey Progress           1/2');
    const done = await run(['operator', 'rekey', `-nonce=${nonce}`, '-format=json', currentKeys[1] ?? '']);
    const resp = json<{ keys_base64: string[]; verification_nonce: string }>(done.out);
    expect(resp.keys_base64).toHaveLength(2);

    const status = await run(['operator', 'rekey', '-status', '-verify']);
    expect(status.out).toContain(`Verification Nonce       ${resp.verification_nonce}`);
    const v1 = await run(['operator', 'rekey', '-verify', `-nonce=${resp.verification_nonce}`, resp.keys_base64[0] ?? '']);
    expect(v1.out).toContain('Verification Progress    1/2');
    const v2 = await run(['operator', 'rekey', '-verify', `-nonce=${resp.verification_nonce}`, resp.keys_base64[1] ?? '']);
    expect(v2.code).toBe(0);
    expect(v2.out).toContain('Rekey verification successful.');

    const client = createClient({ address: server.address, token: 'root', env: {} });
    await client.sys.seal();
    await client.sys.unseal(resp.keys_base64[0] ?? '');
    expect((await client.sys.unseal(resp.keys_base64[1] ?? '')).sealed).toBe(false);
    client.close();
  });
});
