import { describe, expect, it } from 'vitest';
import { KeyRegistry } from '../../../gitops/sealed/index.js';
import { parseListenAddr, startSealedHttpServer } from './http.js';

describe('parseListenAddr', () => {
  it('reads Go-style listen addresses', () => {
    expect(parseListenAddr(':8081')).toEqual({ host: undefined, port: 8081 });
    expect(parseListenAddr('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListenAddr('[::1]:0')).toEqual({ host: '::1', port: 0 });
  });

  it('rejects what is not [host]:port with a message saying so', () => {
    for (const bad of ['8081', 'host', ':99999', ':', 'a:b', '']) expect(() => parseListenAddr(bad)).toThrow(/invalid listen address .*expected \[host\]:port/);
  });
});

describe('startSealedHttpServer', () => {
  it('serves the API on the address it bound, and answers 503 for the certificate before a key exists', async () => {
    const server = await startSealedHttpServer({ listenAddr: '127.0.0.1:0', registry: new KeyRegistry() });
    try {
      expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/v1/cert.pem`)).status).toBe(503);
    } finally {
      await server.close();
    }
  });
});
