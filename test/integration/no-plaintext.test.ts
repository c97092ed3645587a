/**
 * "No plaintext secret, token or key ever reaches storage": known marker values go in through
 * the API of the BUILT server on sqlite; then the raw database bytes (main file, -wal and
 * -shm, while running and after shutdown) and every row of the `entries` table are searched
 * for the markers (raw, base64, hex and UTF-16 forms), the root token and the unseal key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  initServer,
  makeTempDir,
  removeTempDirs,
  requireBuiltCli,
  spawnServer,
  stopAllServers,
  unsealServer,
  type Api,
  type InitResult,
  type SpawnedServer,
} from '../support/index.js';

let server: SpawnedServer;
let init: InitResult;
let root: Api;

const run = randomBytes(6).toString('hex');
const markers = {
  kvV2Value: `v2-secret-${run}-${randomBytes(8).toString('hex')}`,
  kvV2Nested: `nested-${run}-${randomBytes(8).toString('hex')}`,
  kvV2OldVersion: `old-version-${run}-${randomBytes(8).toString('hex')}`,
  kvV1Value: `v1-secret-${run}-${randomBytes(8).toString('hex')}`,
  customMetadata: `custom-meta-${run}-${randomBytes(8).toString('hex')}`,
  patched: `patched-${run}-${randomBytes(8).toString('hex')}`,
};

/** The byte patterns that would betray `text` in a file. */
function encodings(text: string): { label: string; bytes: Buffer }[] {
  const utf8 = Buffer.from(text, 'utf8');
  return [
    { label: 'utf8', bytes: utf8 },
    { label: 'base64', bytes: Buffer.from(utf8.toString('base64').replace(/=+$/, '')) },
    { label: 'base64url', bytes: Buffer.from(utf8.toString('base64url')) },
    { label: 'hex', bytes: Buffer.from(utf8.toString('hex')) },
    { label: 'HEX', bytes: Buffer.from(utf8.toString('hex').toUpperCase()) },
    { label: 'utf16le', bytes: Buffer.from(text, 'utf16le') },
  ];
}

/** Every secret that must not appear, as byte patterns. */
function forbiddenPatterns(): { label: string; bytes: Buffer }[] {
  const out: { label: string; bytes: Buffer }[] = [];
  for (const [name, value] of Object.entries(markers)) {
    for (const e of encodings(value)) out.push({ label: `${name} (${e.label})`, bytes: e.bytes });
  }
  for (const e of encodings(init.root_token)) out.push({ label: `root token (${e.label})`, bytes: e.bytes });
  // The token's bare (unsalted) SHA-256 would let anyone confirm a guessed token.
  out.push({ label: 'sha256(root token)', bytes: Buffer.from(createHash('sha256').update(init.root_token).digest('hex')) });
  const unsealKey = init.keys[0] ?? '';
  const keyBytes = Buffer.from(unsealKey, 'hex');
  out.push({ label: 'unseal key (raw bytes)', bytes: keyBytes });
  out.push({ label: 'unseal key (hex)', bytes: Buffer.from(unsealKey) });
  out.push({ label: 'unseal key (base64)', bytes: Buffer.from(init.keys_base64[0] ?? '') });
  return out;
}

function scanFile(path: string): string[] {
  if (!existsSync(path)) return [];
  const content = readFileSync(path);
  return forbiddenPatterns()
    .filter((p) => content.includes(p.bytes))
    .map((p) => `${p.label} in ${path.split('/').pop() ?? path}`);
}

function dbFiles(): string[] {
  return [server.dbPath, `${server.dbPath}-wal`, `${server.dbPath}-shm`, `${server.dbPath}-journal`];
}

beforeAll(async () => {
  requireBuiltCli();
  server = await spawnServer();
  init = await initServer(server.address, 1, 1);
  await unsealServer(server.address, init.keys);
  root = api(server.address, init.root_token);

  expect((await root.post('/v1/sys/mounts/secret', { type: 'kv-v2' })).status).toBe(204);
  expect((await root.post('/v1/sys/mounts/legacy', { type: 'kv' })).status).toBe(204);
  let first = 0;
  for (let i = 0; i < 100 && first !== 200; i++) {
    first = (await root.put('/v1/secret/data/app/db', { data: { password: markers.kvV2OldVersion } })).status;
    if (first !== 200) await new Promise((r) => setTimeout(r, 50));
  }
  expect(first).toBe(200);
  expect(
    (await root.put('/v1/secret/data/app/db', { data: { password: markers.kvV2Value, nested: { deeper: [markers.kvV2Nested] } } })).status,
  ).toBe(200);
  expect((await root.put('/v1/secret/metadata/app/db', { custom_metadata: { note: markers.customMetadata } })).status).toBe(204);
  expect(
    (await root.patch('/v1/secret/data/app/db', { data: { patched: markers.patched } })).status,
  ).toBe(200);
  expect((await root.put('/v1/legacy/service', { api_key: markers.kvV1Value })).status).toBe(204);
  // Everything reads back, so the markers really went through the server.
  const read = await root.get('/v1/secret/data/app/db');
  expect(read.json.data.data.password).toBe(markers.kvV2Value);
  expect(read.json.data.data.patched).toBe(markers.patched);
  expect((await root.get('/v1/secret/data/app/db?version=1')).json.data.data.password).toBe(markers.kvV2OldVersion);
  expect((await root.get('/v1/secret/metadata/app/db')).json.data.custom_metadata).toEqual({ note: markers.customMetadata });
  expect((await root.get('/v1/legacy/service')).json.data.api_key).toBe(markers.kvV1Value);
  // A key rotation re-encrypts the keyring: it must not spill the keys either.
  expect((await root.put('/v1/sys/rotate')).status).toBe(204);
  expect((await root.put('/v1/secret/data/after-rotate', { data: { v: markers.kvV2Value } })).status).toBe(200);
});

afterAll(async () => {
  await stopAllServers();
  removeTempDirs();
});

describe('the sqlite files hold no plaintext', () => {
  it('control: the scanner does find planted markers in every encoding', () => {
    const dir = makeTempDir();
    const patterns = forbiddenPatterns();
    patterns.forEach((p, i) => {
      const file = join(dir, `planted-${i}`);
      writeFileSync(file, Buffer.concat([randomBytes(64), p.bytes, randomBytes(64)]));
      expect(scanFile(file)).toContain(`${p.label} in planted-${i}`);
    });
  });

  it('the database file is private (0600) and so are its WAL and shared-memory files', () => {
    expect(statSync(server.dbPath).mode & 0o777).toBe(0o600);
    for (const extra of [`${server.dbPath}-wal`, `${server.dbPath}-shm`]) {
      if (existsSync(extra)) expect(statSync(extra).mode & 0o777, extra).toBe(0o600);
    }
  });

  it('while the server runs: no marker, token or key in the raw bytes of the db, -wal or -shm', () => {
    expect(existsSync(server.dbPath)).toBe(true);
    const found = dbFiles().flatMap(scanFile);
    expect(found).toEqual([]);
  });

  it('after a clean shutdown (WAL checkpointed into the main file): still none', async () => {
    expect(await server.stop()).toBe(0);
    const found = dbFiles().flatMap(scanFile);
    expect(found).toEqual([]);
    expect(statSync(server.dbPath).mode & 0o777).toBe(0o600);
  });

  it('every row of the entries table: keys and values hold none, and values are barrier ciphertext', () => {
    const db = new Database(server.dbPath, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT key, value FROM entries').all() as { key: string; value: Buffer }[];
      expect(rows.length).toBeGreaterThan(5);
      const patterns = forbiddenPatterns();
      const found: string[] = [];
      for (const row of rows) {
        const key = Buffer.from(row.key, 'utf8');
        const value = Buffer.from(row.value);
        for (const p of patterns) {
          if (value.includes(p.bytes)) found.push(`${p.label} in the value of ${row.key}`);
          if (key.includes(p.bytes)) found.push(`${p.label} in the key ${row.key}`);
        }
        // Only the seal configuration is stored in the clear (as in Vault); everything else is
        // term (4 bytes) ‖ version ‖ nonce ‖ ciphertext+tag.
        if (row.key !== 'core/seal-config') {
          expect(value.length, row.key).toBeGreaterThan(4 + 1 + 12 + 16);
          expect([1, 2], row.key).toContain(value[4]);
          expect(value.subarray(0, 1).toString('latin1'), row.key).not.toBe('{');
        }
      }
      expect(found).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('the data is still there after a restart (so the scan looked at real, durable storage)', async () => {
    await server.restart();
    await unsealServer(server.address, init.keys);
    expect((await root.get('/v1/secret/data/app/db')).json.data.data.password).toBe(markers.kvV2Value);
    expect((await root.get('/v1/legacy/service')).json.data.api_key).toBe(markers.kvV1Value);
    await server.stop();
    expect(dbFiles().flatMap(scanFile)).toEqual([]);
  });
});
