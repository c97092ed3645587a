/**
 * Transit over real HTTP with an unchanged Vault client (node-vault): encrypt, decrypt,
 * rotate and rewrap, a batch, and the errors a client sees.
 */
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../support/http.js';
import { startInProcessDev, type InProcessServer } from '../support/servers.js';

let server: InProcessServer;
let v: Api;
let client: ReturnType<typeof vault>;

beforeAll(async () => {
  server = await startInProcessDev();
  v = api(server.address, server.rootToken);
  client = vault({ endpoint: server.address, token: server.rootToken });
  expect((await v.post('/v1/sys/mounts/transit', { type: 'transit' })).status).toBe(204);
});

afterAll(async () => {
  await server.close();
});

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('transit over HTTP', () => {
  it('encrypts with an upserted key, decrypts, rotates and rewraps to the new version', async () => {
    const enc = await client.write('transit/encrypt/orders', { plaintext: b64('4111 1111 1111 1111') });
    expect(enc.data.ciphertext).toMatch(/^vault:v1:[A-Za-z0-9+/]+=*$/);
    const dec = await client.write('transit/decrypt/orders', { ciphertext: enc.data.ciphertext });
    expect(Buffer.from(dec.data.plaintext, 'base64').toString('utf8')).toBe('4111 1111 1111 1111');

    await client.write('transit/keys/orders/rotate', {});
    const rewrapped = await client.write('transit/rewrap/orders', { ciphertext: enc.data.ciphertext });
    expect(rewrapped.data.ciphertext).toMatch(/^vault:v2:/);
    const again = await client.write('transit/decrypt/orders', { ciphertext: rewrapped.data.ciphertext });
    expect(Buffer.from(again.data.plaintext, 'base64').toString('utf8')).toBe('4111 1111 1111 1111');

    const keys = await v.list('/v1/transit/keys');
    expect(keys.json.data.keys).toEqual(['orders']);
  });

  it('answers batches item by item and names what is wrong', async () => {
    const batch = await v.post('/v1/transit/encrypt/orders', { batch_input: [{ plaintext: b64('a') }, { plaintext: b64('b'), reference: 'second' }] });
    expect(batch.status).toBe(200);
    expect(batch.json.data.batch_results).toHaveLength(2);
    expect(batch.json.data.batch_results[1].reference).toBe('second');

    const malformed = await v.post('/v1/transit/decrypt/orders', { ciphertext: 'not-a-ciphertext' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.errors.join(' ')).toMatch(/invalid ciphertext/);

    await v.post('/v1/transit/keys/signer', { type: 'ed25519' });
    const wrongType = await v.post('/v1/transit/encrypt/signer', { plaintext: b64('x') });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.errors.join(' ')).toMatch(/ed25519/);
  });
});
