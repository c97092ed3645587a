import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import { dataOf, expectUserError, FakeProvider, jwtBackend, makeKey, publicPem, selfSignedCert } from './testing.js';

describe('jwt config', () => {
  let provider: FakeProvider;
  let pem: string;

  beforeAll(async () => {
    provider = await FakeProvider.start();
    pem = await publicPem(await makeKey('static'));
  });
  afterAll(async () => {
    await provider.close();
  });

  it('reads nothing before it is written', async () => {
    const t = await jwtBackend();
    expect(await t.request('read', 'config')).toBeNull();
  });

  it('stores static keys and reads the config back without the client secret', async () => {
    const t = await jwtBackend();
    expect(
      await t.request('write', 'config', {
        jwt_validation_pubkeys: [pem],
        bound_issuer: 'https://issuer.example',
        jwt_supported_algs: 'RS256,ES256',
        default_role: 'Dev',
      }),
    ).toBeNull();
    expect(dataOf(await t.request('read', 'config'))).toEqual({
      oidc_discovery_url: '',
      oidc_discovery_ca_pem: '',
      oidc_client_id: '',
      oidc_response_mode: '',
      oidc_response_types: [],
      default_role: 'dev',
      jwt_validation_pubkeys: [pem.trim()],
      jwt_supported_algs: ['RS256', 'ES256'],
      jwks_url: '',
      jwks_ca_pem: '',
      bound_issuer: 'https://issuer.example',
      namespace_in_state: true,
    });
  });

  it('requires exactly one key source', async () => {
    const t = await jwtBackend();
    const msg = "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set";
    await expectUserError(t.request('write', 'config', {}), msg);
    await expectUserError(t.request('write', 'config', { bound_issuer: 'x' }), msg);
    await expectUserError(t.request('write', 'config', { jwt_validation_pubkeys: [pem], jwks_url: provider.jwksUrl }), msg);
    await expectUserError(t.request('write', 'config', { oidc_discovery_url: provider.url, jwks_url: provider.jwksUrl }), msg);
  });

  it('refuses keys that are not public keys', async () => {
    const t = await jwtBackend();
    await expectUserError(t.request('write', 'config', { jwt_validation_pubkeys: ['not a pem'] }), /^error parsing public key: /);
    const privatePem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----';
    await expectUserError(
      t.request('write', 'config', { jwt_validation_pubkeys: [privatePem] }),
      'error parsing public key: data does not contain any valid public keys',
    );
  });

  it('validates algorithms, response types and the response mode', async () => {
    const t = await jwtBackend();
    await expectUserError(
      t.request('write', 'config', { jwt_validation_pubkeys: [pem], jwt_supported_algs: ['HS256'] }),
      'invalid jwt_supported_algs: unsupported signing algorithm "HS256"',
    );
    await expectUserError(
      t.request('write', 'config', { jwt_validation_pubkeys: [pem], oidc_response_types: 'token' }),
      "invalid response_types [token]. 'code' and 'id_token' are allowed",
    );
    await expectUserError(
      t.request('write', 'config', { jwt_validation_pubkeys: [pem], oidc_response_types: 'id_token' }),
      'query response_mode may not be used with an id_token response_type',
    );
    await expectUserError(
      t.request('write', 'config', { jwt_validation_pubkeys: [pem], oidc_response_mode: 'fragment' }),
      'invalid response_mode: "fragment"',
    );
  });

  it('requires the client id and secret together, and discovery for OIDC', async () => {
    const t = await jwtBackend();
    await expectUserError(
      t.request('write', 'config', { jwt_validation_pubkeys: [pem], oidc_client_id: 'a' }),
      "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC",
    );
    await expectUserError(
      t.request('write', 'config', { jwt_validation_pubkeys: [pem], oidc_client_id: 'a', oidc_client_secret: 'b' }),
      "'oidc_discovery_url' must be set for OIDC",
    );
  });

  it('checks a JWKS URL on write', async () => {
    const t = await jwtBackend();
    expect(await t.request('write', 'config', { jwks_url: provider.jwksUrl })).toBeNull();
    expect(dataOf(await t.request('read', 'config'))['jwks_url']).toBe(provider.jwksUrl);
    const err = await expectUserError(t.request('write', 'config', { jwks_url: `${provider.url}/missing` }), `error checking jwks URL ${provider.url}/missing`);
    expect(err.details).toEqual(['unexpected status 404']);
    await expectUserError(t.request('write', 'config', { jwks_url: 'http://127.0.0.1:1/jwks' }), 'error checking jwks URL http://127.0.0.1:1/jwks');
    await expectUserError(t.request('write', 'config', { jwks_url: provider.jwksUrl, jwks_ca_pem: 'garbage' }), 'error checking jwks_ca_pem');
  });

  it('checks an OIDC discovery URL on write', async () => {
    const t = await jwtBackend();
    expect(await t.request('write', 'config', { oidc_discovery_url: provider.url })).toBeNull();
    expect(
      await t.request('write', 'config', {
        oidc_discovery_url: provider.url,
        oidc_client_id: provider.clientId,
        oidc_client_secret: provider.clientSecret,
      }),
    ).toBeNull();
    const read = dataOf(await t.request('read', 'config'));
    expect(read['oidc_client_id']).toBe(provider.clientId);
    expect(read).not.toHaveProperty('oidc_client_secret');
    expect(JSON.stringify(read)).not.toContain(provider.clientSecret);

    await expectUserError(t.request('write', 'config', { oidc_discovery_url: `${provider.url}/nope` }), 'error checking oidc discovery URL');
    provider.discoveryOverrides = { issuer: 'https://someone-else.example' };
    try {
      const err = await expectUserError(t.request('write', 'config', { oidc_discovery_url: provider.url }), 'error checking oidc discovery URL');
      expect(err.details).toEqual(['issuer did not match the issuer returned by provider']);
    } finally {
      provider.discoveryOverrides = {};
    }
  });

  it('a failed write keeps the previous configuration', async () => {
    const t = await jwtBackend();
    await t.request('write', 'config', { jwt_validation_pubkeys: [pem], bound_issuer: 'one' });
    await expect(t.request('write', 'config', { jwks_url: 'http://127.0.0.1:1/' })).rejects.toBeInstanceOf(AppError);
    expect(dataOf(await t.request('read', 'config'))['bound_issuer']).toBe('one');
  });

  it('keeps namespace_in_state across updates unless it is sent', async () => {
    const t = await jwtBackend();
    await t.request('write', 'config', { jwt_validation_pubkeys: [pem], namespace_in_state: false });
    await t.request('write', 'config', { jwt_validation_pubkeys: [pem] });
    expect(dataOf(await t.request('read', 'config'))['namespace_in_state']).toBe(false);
  });
});

describe('jwt config over TLS with a CA PEM', () => {
  let tls: { key: string; cert: string } | null = null;
  let provider: FakeProvider | undefined;

  beforeAll(async () => {
    tls = await selfSignedCert();
    if (tls) provider = await FakeProvider.start(tls);
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('trusts the provider only with its CA', async (ctx) => {
    if (!tls || !provider) {
      ctx.skip();
      return;
    }
    const t = await jwtBackend();
    const err = await expectUserError(t.request('write', 'config', { jwks_url: provider.jwksUrl }), `error checking jwks URL ${provider.jwksUrl}`);
    expect(err.details[0]).toMatch(/^TLS error: /);
    expect(await t.request('write', 'config', { jwks_url: provider.jwksUrl, jwks_ca_pem: tls.cert })).toBeNull();
    await expectUserError(t.request('write', 'config', { oidc_discovery_url: provider.url }), 'error checking oidc discovery URL');
    expect(await t.request('write', 'config', { oidc_discovery_url: provider.url, oidc_discovery_ca_pem: tls.cert })).toBeNull();
  });
});
