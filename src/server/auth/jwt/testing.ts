/**
 * Test helpers for the jwt/oidc auth method (not part of the build): a tiny OIDC provider
 * on 127.0.0.1 (discovery, JWKS, authorization codes, token and userinfo endpoints, signing
 * with jose), a self-signed certificate for the CA tests, and backend shortcuts.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import type { LogicalResponse } from '../../sdk/index.js';
import { createTestBackend, type TestBackend } from '../../sdk/testing.js';
import { createJwtFactory, type JwtBackendOptions } from './index.js';

/** A clock tests move by hand (milliseconds). */
export class ManualClock {
  t = Date.UTC(2024, 0, 1, 0, 0, 0);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
  /** Seconds since the epoch, for claims. */
  get seconds(): number {
    return Math.floor(this.t / 1000);
  }
}

export async function jwtBackend(options: JwtBackendOptions = {}): Promise<TestBackend> {
  return createTestBackend(createJwtFactory(options), { type: 'jwt', path: 'auth/jwt/' });
}

/** Expects a 400 (UserError) whose message matches. */
export async function expectUserError(promise: Promise<unknown>, message: string | RegExp): Promise<AppError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected an error').toBeInstanceOf(AppError);
  const err = caught as AppError;
  expect(err.code).toBe('ERR_INVALID_REQUEST');
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
  return err;
}

export function dataOf(resp: LogicalResponse | null): Record<string, unknown> {
  expect(resp?.data).toBeTruthy();
  return resp?.data ?? {};
}

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function makeKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

export async function publicPem(key: SigningKey): Promise<string> {
  return exportSPKI(key.publicKey);
}

export async function signJwt(key: SigningKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  nonce: string;
  challenge: string;
  claims: JWTPayload;
}

export interface TokenRequestRecord {
  authorization: string | undefined;
  form: Record<string, string>;
}

/** A minimal OIDC provider: discovery, JWKS, authorize (simulated), token, userinfo. */
export class FakeProvider {
  readonly clientId = 'coffer-client';
  readonly clientSecret = 'coffer-secret-value';
  keys: SigningKey[] = [];
  jwksFetches = 0;
  discoveryFetches = 0;
  readonly tokenRequests: TokenRequestRecord[] = [];
  /** Overrides applied to every ID token the token endpoint issues (negative tests). */
  idTokenOverrides: JWTPayload = {};
  /** Extra fields of the discovery document (e.g. a wrong issuer). */
  discoveryOverrides: Record<string, unknown> = {};
  /** Claims the userinfo endpoint adds. */
  userinfo: Record<string, unknown> = {};
  /** When true, the token endpoint answers 400 invalid_grant. */
  rejectTokens = false;
  /** When true, HTTP Basic client authentication is refused (client_secret_post only). */
  postAuthOnly = false;
  /** The provider's clock (milliseconds), for the times in the ID tokens it issues. */
  now: () => number = Date.now;
  private readonly codes = new Map<string, IssuedCode>();
  private readonly accessTokens = new Map<string, JWTPayload>();
  private server!: Server;
  url = '';

  static async start(tls?: { key: string; cert: string }): Promise<FakeProvider> {
    const p = new FakeProvider();
    p.keys = [await makeKey('key-1')];
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      p.handle(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    };
    p.server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', resolve));
    const { port } = p.server.address() as AddressInfo;
    p.url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return p;
  }

  get jwksUrl(): string {
    return `${this.url}/jwks`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  key(kid?: string): SigningKey {
    const key = kid === undefined ? this.keys[0] : this.keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`no key ${kid ?? ''}`);
    return key;
  }

  /** Signs with one of the provider's keys (the first by default). */
  sign(claims: JWTPayload, kid?: string, header: Record<string, unknown> = {}): Promise<string> {
    return signJwt(this.key(kid), claims, header);
  }

  /**
   * What the browser and the provider do between oidc/auth_url and oidc/callback: the user
   * logs in (their claims are `claims`) and the provider redirects with a code and the state.
   */
  authorize(authUrl: string, claims: JWTPayload): { code: string; state: string; redirectUri: string } {
    const url = new URL(authUrl);
    const q = url.searchParams;
    const code = randomBytes(12).toString('hex');
    this.codes.set(code, {
      clientId: q.get('client_id') ?? '',
      redirectUri: q.get('redirect_uri') ?? '',
      nonce: q.get('nonce') ?? '',
      challenge: q.get('code_challenge') ?? '',
      claims,
    });
    return { code, state: q.get('state') ?? '', redirectUri: q.get('redirect_uri') ?? '' };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      this.discoveryFetches++;
      json(200, {
        issuer: this.url,
        jwks_uri: this.jwksUrl,
        authorization_endpoint: `${this.url}/authorize`,
        token_endpoint: `${this.url}/token`,
        userinfo_endpoint: `${this.url}/userinfo`,
        response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
        ...this.discoveryOverrides,
      });
      return;
    }
    if (req.method === 'GET' && path === '/jwks') {
      this.jwksFetches++;
      json(200, { keys: this.keys.map((k) => k.jwk) });
      return;
    }
    if (req.method === 'POST' && path === '/token') {
      const body = await readBody(req);
      const form = Object.fromEntries(new URLSearchParams(body));
      this.tokenRequests.push({ authorization: req.headers.authorization, form });
      const basic = req.headers.authorization?.startsWith('Basic ')
        ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8').split(':').map((s) => decodeURIComponent(s.replace(/\+/g, ' ')))
        : undefined;
      if (basic && this.postAuthOnly) return json(401, { error: 'invalid_client' });
      const [id, secret] = basic ?? [form['client_id'], form['client_secret']];
      if (id !== this.clientId || secret !== this.clientSecret) return json(401, { error: 'invalid_client' });
      if (this.rejectTokens) return json(400, { error: 'invalid_grant', error_description: 'the code is not valid' });
      const issued = this.codes.get(form['code'] ?? '');
      this.codes.delete(form['code'] ?? '');
      if (!issued || form['grant_type'] !== 'authorization_code' || form['redirect_uri'] !== issued.redirectUri) {
        return json(400, { error: 'invalid_grant' });
      }
      const challenge = createHash('sha256')
        .update(form['code_verifier'] ?? '')
        .digest('base64url');
      if (challenge !== issued.challenge) return json(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      const now = Math.floor(this.now() / 1000);
      const idToken = await this.sign({
        iss: this.url,
        aud: issued.clientId,
        nonce: issued.nonce,
        iat: now,
        exp: now + 300,
        ...issued.claims,
        ...this.idTokenOverrides,
      });
      const accessToken = randomBytes(16).toString('hex');
      this.accessTokens.set(accessToken, issued.claims);
      return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    if (req.method === 'GET' && path === '/userinfo') {
      const auth = req.headers.authorization ?? '';
      const claims = this.accessTokens.get(auth.replace(/^Bearer /, ''));
      if (!claims) return json(401, { error: 'invalid_token' });
      return json(200, { sub: claims.sub, ...this.userinfo });
    }
    json(404, { error: 'not_found' });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * A self-signed certificate for 127.0.0.1 made with the system `openssl` (as the TLS
 * integration test does); null when openssl is not available.
 */
export async function selfSignedCert(): Promise<{ key: string; cert: string } | null> {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-jwt-tls-'));
  try {
    const keyFile = join(dir, 'k.pem');
    const certFile = join(dir, 'c.pem');
    await promisify(execFile)(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { timeout: 30_000 },
    );
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
