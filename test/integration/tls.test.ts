/**
 * TLS listener: a self-signed certificate made with the system `openssl`, the BUILT server in
 * config mode, and two clients — the coffer CLI (`-ca-cert`, `VAULT_CACERT`) and node-vault
 * (`requestOptions.ca`). Untrusted certificates and plain HTTP to the TLS port fail.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import vault from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  makeTempDir,
  rawRequest,
  removeTempDirs,
  requireBuiltCli,
  runCli,
  spawnServer,
  stopAllServers,
  type SpawnedServer,
} from '../support/index.js';

const run = promisify(execFile);

let server: SpawnedServer;
let certDir: string;
let caFile: string;
let ca: Buffer;
let home: string;
let unsealKey = '';
let rootToken = '';

beforeAll(async () => {
  requireBuiltCli();
  certDir = makeTempDir('coffer-tls-');
  caFile = join(certDir, 'c.pem');
  const keyFile = join(certDir, 'k.pem');
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { timeout: 30_000 },
  );
  ca = readFileSync(caFile);
  server = await spawnServer({ tls: { certFile: caFile, keyFile } });
  home = makeTempDir('coffer-tls-home-');
});

afterAll(async () => {
  await stopAllServers();
  removeTempDirs();
});

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return runCli(args, { env: childEnv(home, extraEnv) });
}

describe('TLS listener', () => {
  it('the server speaks https on its address', () => {
    expect(server.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('raw https with the CA: health answers 501 (uninitialised) with the JSON body', async () => {
    const res = await rawRequest(server.address, 'GET', '/v1/sys/health', { ca });
    expect(res.status).toBe(501);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json).toMatchObject({ initialized: false, sealed: true });
  });

  it('plain HTTP to the TLS port fails', async () => {
    const plain = server.address.replace(/^https:/, 'http:');
    const outcome = await rawRequest(plain, 'GET', '/v1/sys/health', { timeoutMs: 5000 }).then(
      (res) => `status ${res.status}`,
      (err: unknown) => `error ${err instanceof Error ? err.message : String(err)}`,
    );
    // The TLS listener drops a connection that does not start with a handshake.
    expect(outcome).toMatch(/^error /);
  });

  it('an https client without the CA refuses the self-signed certificate', async () => {
    await expect(rawRequest(server.address, 'GET', '/v1/sys/health')).rejects.toThrow(/self.signed|certificate/i);
  });

  it('CLI status -ca-cert: exit 2 while uninitialised/sealed', async () => {
    const res = await cli(['status', `-address=${server.address}`, `-ca-cert=${caFile}`]);
    expect(res.code).toBe(2);
    expect(res.stdout).toMatch(/Initialized\s+false/);
    expect(res.stdout).toMatch(/Sealed\s+true/);
  });

  it('CLI status without the CA: exit 1 with a certificate error', async () => {
    const res = await cli(['status', `-address=${server.address}`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/certificate|TLS/i);
  });

  it('CLI status -tls-skip-verify connects', async () => {
    const res = await cli(['status', `-address=${server.address}`, '-tls-skip-verify']);
    expect(res.code).toBe(2);
  });

  it('node-vault without the CA rejects', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: server.address });
    await expect(client.status()).rejects.toThrow(/self.signed|certificate/i);
  });

  it('node-vault with requestOptions.ca: init, unseal, write and read', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: server.address, requestOptions: { ca } });
    expect((await client.status()).sealed).toBe(true);
    const init = await client.init({ secret_shares: 1, secret_threshold: 1 });
    unsealKey = init.keys[0] as string;
    rootToken = init.root_token as string;
    const unsealed = await client.unseal({ key: unsealKey });
    expect(unsealed.sealed).toBe(false);
    client.token = rootToken;
    await client.mount({ mount_point: 'secret', type: 'kv-v2' });
    let written: { data: { version: number } } | undefined;
    for (let i = 0; i < 100 && written === undefined; i++) {
      written = await client.write('secret/data/tls/check', { data: { over: 'tls' } }).catch(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return undefined;
      });
    }
    expect(written?.data.version).toBe(1);
    expect((await client.read('secret/data/tls/check')).data.data).toEqual({ over: 'tls' });
  });

  it('CLI status with VAULT_CACERT after unseal: exit 0', async () => {
    const res = await cli(['status'], { VAULT_ADDR: server.address, VAULT_CACERT: caFile });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Sealed\s+false/);
  });

  it('CLI kv get over TLS with COFFER_* variables', async () => {
    const res = await cli(['kv', 'get', '-format=json', 'secret/tls/check'], {
      COFFER_ADDR: server.address,
      COFFER_CACERT: caFile,
      COFFER_TOKEN: rootToken,
    });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).data.data).toEqual({ over: 'tls' });
  });
});
