import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENERATE_ROOT_OTP_LENGTH, encodeGeneratedToken, generateOtp } from '../shared/root-token-otp.js';
import { randomBase62 } from '../shared/random.js';
import type { FakeHandler } from '../api/testing.js';
import { startCliHarness, type CliHarness, type CliRunResult } from './testing.js';

const KEY = 'c2hhcmUtb25lLWZvci10aGUtZ2VuZXJhdGUtcm9vdA==';
const NONCE = '2dbd10f1-8528-6246-09e7-82b25b8aba63';
const VERIFY_NONCE = '7c1fa3f8-0c55-4d4e-9f6a-3f3c3c1b2a11';

const GR = '/v1/sys/generate-root/attempt';
const GR_UPDATE = '/v1/sys/generate-root/update';
const RK = '/v1/sys/rekey/init';
const RK_UPDATE = '/v1/sys/rekey/update';
const RK_VERIFY = '/v1/sys/rekey/verify';

function grStatus(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nonce: NONCE,
    started: true,
    progress: 0,
    required: 3,
    complete: false,
    encoded_token: '',
    encoded_root_token: '',
    pgp_fingerprint: '',
    otp: '',
    otp_length: 28,
    ...fields,
  };
}
const GR_IDLE = grStatus({ nonce: '', started: false });

function rkStatus(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { nonce: NONCE, started: true, t: 2, n: 3, progress: 0, required: 3, pgp_fingerprints: null, backup: false, verification_required: false, ...fields };
}
const RK_IDLE = rkStatus({ nonce: '', started: false, t: 0, n: 0 });
const VERIFY_STATUS = { nonce: VERIFY_NONCE, started: true, t: 2, n: 3, progress: 0 };

let h: CliHarness;
beforeEach(async () => {
  h = await startCliHarness();
});
afterEach(async () => {
  await h.close();
});

const route = (key: string, handler: FakeHandler): void => {
  h.vault.routes.set(key, handler);
};
const calls = (): string[] => h.vault.requests.map((r) => `${r.method} ${r.path}`);
const bodies = (): unknown[] => h.vault.requests.map((r) => r.json);
const badRequest = (message: string): FakeHandler => ({ status: 400, body: { errors: [message] } });

function expectNoSecret(r: CliRunResult, ...secrets: string[]): void {
  for (const s of secrets) expect(r.err).not.toContain(s);
}

describe('operator generate-root -init', () => {
  it('without -otp: PUT {} and the server-generated OTP is shown once, with a warning on stderr', async () => {
    const otp = 'A'.repeat(28);
    route(`PUT ${GR}`, { body: grStatus({ otp }) });
    const r = await h.run(['operator', 'generate-root', '-init']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`PUT ${GR}`]);
    expect(bodies()).toEqual([{}]);
    expect(r.out).toBe(
      [
        `Nonce         ${NONCE}`,
        'Started       true',
        'Progress      0/3',
        'Complete      false',
        `OTP           ${otp}`,
        'OTP Length    28',
        '',
      ].join('\n'),
    );
    expect(r.err).toContain('A One-Time-Password has been generated for you and is shown in the OTP field.');
    expect(r.err).not.toContain(otp);
  });

  it('with -otp: sends it; the OTP is not echoed back', async () => {
    const otp = generateOtp();
    route(`PUT ${GR}`, { body: grStatus() });
    const r = await h.run(['operator', 'generate-root', '-init', `-otp=${otp}`]);
    expect(r.code).toBe(0);
    expect(bodies()).toEqual([{ otp }]);
    expect(r.out).not.toContain(otp);
    expect(r.out).not.toContain('OTP  ');
    expect(r.out).toContain('OTP Length    28');
    expect(r.err).toBe('');
  });

  it('-format=json prints Go’s GenerateRootStatusResponse, fields in order', async () => {
    route(`PUT ${GR}`, { body: grStatus({ otp: 'B'.repeat(28) }) });
    const r = await h.run(['operator', 'generate-root', '-init', '-format=json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['nonce', 'started', 'progress', 'required', 'complete', 'encoded_token', 'encoded_root_token', 'pgp_fingerprint', 'otp', 'otp_length']);
    expect(parsed['otp']).toBe('B'.repeat(28));
    expect(r.err).toBe('');
  });

  it('a server error exits 2 without echoing the OTP', async () => {
    const otp = generateOtp(27);
    route(`PUT ${GR}`, badRequest('OTP string is wrong length'));
    const r = await h.run(['operator', 'generate-root', '-init', `-otp=${otp}`]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error initializing root generation: ');
    expect(r.err).toContain('OTP string is wrong length');
    expectNoSecret(r, otp);
  });
});

describe('operator generate-root -status / -cancel', () => {
  it('-status GETs the attempt and prints the table; an idle attempt shows n/a for the nonce', async () => {
    route(`GET ${GR}`, { body: grStatus({ progress: 1 }) });
    const r = await h.run(['operator', 'generate-root', '-status']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`GET ${GR}`]);
    expect(r.out).toBe([`Nonce         ${NONCE}`, 'Started       true', 'Progress      1/3', 'Complete      false', 'OTP Length    28', ''].join('\n'));

    route(`GET ${GR}`, { body: GR_IDLE });
    const idle = await h.run(['operator', 'generate-root', '-status']);
    expect(idle.out.split('\n')[0]).toBe('Nonce         n/a');
    expect(idle.out).toContain('Started       false');

    const yaml = await h.run(['operator', 'generate-root', '-status', '-format=yaml']);
    expect(yaml.out).toContain('otp_length: 28');
  });

  it('-status error exits 2', async () => {
    route(`GET ${GR}`, { status: 503, body: { errors: ['Vault is sealed'] } });
    const r = await h.run(['operator', 'generate-root', '-status']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error getting root generation status: ');
  });

  it('-cancel DELETEs the attempt', async () => {
    route(`DELETE ${GR}`, { status: 204 });
    const r = await h.run(['operator', 'generate-root', '-cancel']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`DELETE ${GR}`]);
    expect(r.out).toBe('Success! Root token generation canceled (if it was started)\n');

    route(`DELETE ${GR}`, { status: 503, body: { errors: ['Vault is sealed'] } });
    const failed = await h.run(['operator', 'generate-root', '-cancel']);
    expect(failed.code).toBe(2);
    expect(failed.err).toContain('Error canceling root token generation: ');
  });
});

describe('operator generate-root -generate-otp', () => {
  it('asks the server for otp_length and prints a fresh base62 OTP of that length, raw', async () => {
    route(`GET ${GR}`, { body: GR_IDLE });
    const r = await h.run(['operator', 'generate-root', '-generate-otp']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`GET ${GR}`]);
    expect(r.out).toMatch(/^[0-9A-Za-z]{28}$/);
    const again = await h.run(['operator', 'generate-root', '-generate-otp'], { tty: true });
    expect(again.out).toMatch(/^[0-9A-Za-z]{28}\n$/);
    expect(again.out.trim()).not.toBe(r.out);

    route(`GET ${GR}`, { body: grStatus({ otp_length: 30 }) });
    const json = await h.run(['operator', 'generate-root', '-generate-otp', '-format=json']);
    const parsed = JSON.parse(json.out) as { otp: string; otp_length: number };
    expect(parsed.otp).toMatch(/^[0-9A-Za-z]{30}$/);
    expect(parsed.otp_length).toBe(30);
  });

  it('falls back to the current OTP length when the server reports 0; a status error exits 2', async () => {
    route(`GET ${GR}`, { body: grStatus({ otp_length: 0 }) });
    const r = await h.run(['operator', 'generate-root', '-generate-otp']);
    expect(r.out).toHaveLength(GENERATE_ROOT_OTP_LENGTH);

    route(`GET ${GR}`, { status: 500, body: { errors: ['boom'] } });
    const failed = await h.run(['operator', 'generate-root', '-generate-otp']);
    expect(failed.code).toBe(2);
    expect(failed.err).toContain('Error getting root generation status: ');
    expect(failed.out).toBe('');
  });
});

describe('operator generate-root -decode', () => {
  const token = 'hvs.' + randomBase62(24);
  const otp = generateOtp();
  const encoded = encodeGeneratedToken(token, otp);

  it('decodes locally (no request) and prints the token raw; "-" reads the encoded token from stdin', async () => {
    const r = await h.run(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${otp}`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(token);
    expect(r.err).toBe('');
    const tty = await h.run(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${otp}`], { tty: true });
    expect(tty.out).toBe(`${token}\n`);
    const piped = await h.run(['operator', 'generate-root', '-decode=-', `-otp=${otp}`], { stdin: `${encoded}\n` });
    expect(piped.code).toBe(0);
    expect(piped.out).toBe(token);
    const json = await h.run(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${otp}`, '-format=json']);
    expect(JSON.parse(json.out)).toEqual({ token });
    expect(h.vault.requests).toHaveLength(0);
  });

  it('missing -otp or an empty stdin is a local error (exit 1)', async () => {
    const noOtp = await h.run(['operator', 'generate-root', `-decode=${encoded}`]);
    expect(noOtp.code).toBe(1);
    expect(noOtp.err).toBe('Missing otp: use -otp to supply it\n');
    const empty = await h.run(['operator', 'generate-root', '-decode=-', `-otp=${otp}`], { stdin: '\n' });
    expect(empty.code).toBe(1);
    expect(empty.err).toBe('Missing encoded value. When using -decode="-" value must be passed via stdin.\n');
  });

  it('a wrong OTP or bad encoding exits 1 without echoing the OTP, the encoding or a token', async () => {
    const shortOtp = otp.slice(1);
    const wrong = await h.run(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${shortOtp}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe('Error decoding root token: error xoring token: length of byte slices is not equivalent: 28 != 27\n');
    expectNoSecret(wrong, shortOtp, encoded, token);
    expect(wrong.out).toBe('');

    const bad = await h.run(['operator', 'generate-root', '-decode=not*base64', `-otp=${otp}`]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("Error decoding root token: error decoding base64'd token");
    expectNoSecret(bad, otp, 'not*base64');
  });
});

describe('operator generate-root (providing a key share)', () => {
  it('argument + -nonce: GET the attempt, PUT the share, print progress', async () => {
    route(`GET ${GR}`, { body: grStatus() });
    route(`PUT ${GR_UPDATE}`, { body: grStatus({ progress: 1, otp_length: 0 }) });
    const r = await h.run(['operator', 'generate-root', `-nonce=${NONCE}`, KEY]);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`GET ${GR}`, `PUT ${GR_UPDATE}`]);
    expect(h.vault.requests[1]?.json).toEqual({ key: KEY, nonce: NONCE });
    expect(r.out).toBe([`Nonce       ${NONCE}`, 'Started     true', 'Progress    1/3', 'Complete    false', ''].join('\n'));
    expect(r.out).not.toContain(KEY);
  });

  it('the last share prints the Encoded Token, which -decode turns back into the token', async () => {
    const token = 'hvs.' + randomBase62(24);
    const otp = generateOtp();
    const encoded = encodeGeneratedToken(token, otp);
    route(`GET ${GR}`, { body: grStatus({ progress: 2 }) });
    route(`PUT ${GR_UPDATE}`, { body: grStatus({ progress: 3, complete: true, encoded_token: encoded, encoded_root_token: encoded, otp_length: 0 }) });
    const r = await h.run(['operator', 'generate-root', '-nonce', NONCE, KEY]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [`Nonce            ${NONCE}`, 'Started          true', 'Progress         3/3', 'Complete         true', `Encoded Token    ${encoded}`, ''].join('\n'),
    );
    const printed = /Encoded Token\s+(\S+)/.exec(r.out)?.[1] ?? '';
    const decoded = await h.run(['operator', 'generate-root', `-decode=${printed}`, `-otp=${otp}`]);
    expect(decoded.out).toBe(token);

    const json = await h.run(['operator', 'generate-root', '-nonce', NONCE, '-format=json', KEY]);
    expect((JSON.parse(json.out) as Record<string, unknown>)['encoded_token']).toBe(encoded);
  });

  it('"-" reads the share from stdin (with -nonce)', async () => {
    route(`GET ${GR}`, { body: grStatus() });
    route(`PUT ${GR_UPDATE}`, { body: grStatus({ progress: 1 }) });
    const r = await h.run(['operator', 'generate-root', `-nonce=${NONCE}`, '-'], { stdin: `${KEY}\n` });
    expect(r.code).toBe(0);
    expect(h.vault.requests[1]?.json).toEqual({ key: KEY, nonce: NONCE });
  });

  it('a key without -nonce is refused locally (exit 1) before anything is sent', async () => {
    route(`GET ${GR}`, { body: grStatus() });
    const r = await h.run(['operator', 'generate-root', KEY]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('Missing nonce value: specify it via the -nonce flag\n');
    expect(calls()).toEqual([`GET ${GR}`]);
    const piped = await h.run(['operator', 'generate-root', '-'], { stdin: KEY });
    expect(piped.code).toBe(1);
    expectNoSecret(piped, KEY);
  });

  it('on a terminal it shows the nonce, prompts without echo and uses the attempt’s nonce', async () => {
    route(`GET ${GR}`, { body: grStatus() });
    route(`PUT ${GR_UPDATE}`, { body: grStatus({ progress: 1 }) });
    const r = await h.run(['operator', 'generate-root'], { stdinTty: true, stdin: `${KEY}\r` });
    expect(r.code).toBe(0);
    expect(r.out.startsWith(`Operation nonce: ${NONCE}\nUnseal Key (will be hidden): \n`)).toBe(true);
    expect(r.out).not.toContain(KEY);
    expect(h.rawModes).toEqual([true, false]);
    expect(h.vault.requests[1]?.json).toEqual({ key: KEY, nonce: NONCE });

    // -format=json keeps stdout parseable: the prompt goes to stderr.
    const json = await h.run(['operator', 'generate-root', '-format=json'], { stdinTty: true, stdin: `${KEY}\r` });
    expect(json.err).toContain('Unseal Key (will be hidden): ');
    expect((JSON.parse(json.out) as Record<string, unknown>)['progress']).toBe(1);
  });

  it('Ctrl-C at the prompt cancels (exit 1); no terminal or -non-interactive is a local error', async () => {
    route(`GET ${GR}`, { body: grStatus() });
    const interrupted = await h.run(['operator', 'generate-root'], { stdinTty: true, stdin: 'abc\u0003' });
    expect(interrupted.code).toBe(1);
    expect(interrupted.err).toBe('user canceled\n');

    const piped = await h.run(['operator', 'generate-root'], { stdin: KEY });
    expect(piped.code).toBe(1);
    expect(piped.err).toContain('An error occurred attempting to ask for the unseal key.');
    expect(piped.err).toContain('pass "-" as the argument');
    expectNoSecret(piped, KEY);

    const nonInteractive = await h.run(['operator', 'generate-root', '-non-interactive'], { stdinTty: true, stdin: `${KEY}\r` });
    expect(nonInteractive.code).toBe(1);
    expect(nonInteractive.err).toContain('-non-interactive');
    expect(calls().filter((c) => c.startsWith('PUT'))).toEqual([]);
  });

  it('no attempt in progress: exit 1 with Vault’s hint about the OTP length', async () => {
    route(`GET ${GR}`, { body: GR_IDLE });
    const r = await h.run(['operator', 'generate-root', `-nonce=${NONCE}`, KEY]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('No root generation is in progress. Start a root generation by running "coffer\noperator generate-root -init".');
    expect(r.err).toContain('the length of the OTP string needs to be 28 characters in length.');
    expect(calls()).toEqual([`GET ${GR}`]);
  });

  it('a rejected share exits 2 and never echoes the key', async () => {
    route(`GET ${GR}`, { body: grStatus() });
    route(`PUT ${GR_UPDATE}`, badRequest(`incorrect nonce supplied; nonce for this root generation operation is "${NONCE}"`));
    const r = await h.run(['operator', 'generate-root', '-nonce=wrong', KEY]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error posting unseal key: ');
    expect(r.err).toContain('incorrect nonce supplied');
    expectNoSecret(r, KEY);

    route(`GET ${GR}`, { status: 500, body: { errors: ['boom'] } });
    const statusFailed = await h.run(['operator', 'generate-root', `-nonce=${NONCE}`, KEY]);
    expect(statusFailed.code).toBe(2);
    expect(statusFailed.err).toContain('Error getting root generation status: ');
    expectNoSecret(statusFailed, KEY);
  });

  it('too many arguments is a usage error', async () => {
    const r = await h.run(['operator', 'generate-root', 'a', 'b']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Too many arguments (expected 0-1, got 2)');
    expect(h.vault.requests).toHaveLength(0);
  });
});

describe('operator rekey -init / -status / -cancel', () => {
  it('-init sends the new shares/threshold (default 5/3) and prints the status after a warning', async () => {
    route(`PUT ${RK}`, (req) => {
      const b = req.json as { secret_shares: number; secret_threshold: number; require_verification: boolean };
      return { body: rkStatus({ n: b.secret_shares, t: b.secret_threshold, verification_required: b.require_verification }) };
    });
    const r = await h.run(['operator', 'rekey', '-init', '-key-shares=3', '-key-threshold=2']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`PUT ${RK}`]);
    expect(bodies()).toEqual([{ secret_shares: 3, secret_threshold: 2, require_verification: false }]);
    expect(r.err).toContain('WARNING! If you lose the keys after they are returned, there is no recovery.');
    expect(r.out).toBe(
      [
        '',
        'Key                      Value',
        '---                      -----',
        `Nonce                    ${NONCE}`,
        'Started                  true',
        'Rekey Progress           0/3',
        'New Shares               3',
        'New Threshold            2',
        'Verification Required    false',
        '',
      ].join('\n'),
    );

    await h.run(['operator', 'rekey', '-init']);
    await h.run(['operator', 'rekey', '-init', '-n', '7', '-t', '4', '-verify']);
    expect(bodies().slice(1)).toEqual([
      { secret_shares: 5, secret_threshold: 3, require_verification: false },
      { secret_shares: 7, secret_threshold: 4, require_verification: true },
    ]);
  });

  it('-init -format=json prints Go’s RekeyStatusResponse, no warning', async () => {
    route(`PUT ${RK}`, { body: rkStatus() });
    const r = await h.run(['operator', 'rekey', '-init', '-format=json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const parsed = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['nonce', 'started', 't', 'n', 'progress', 'required', 'pgp_fingerprints', 'backup', 'verification_required']);
  });

  it('-init errors exit 2', async () => {
    route(`PUT ${RK}`, badRequest('rekey already in progress'));
    const r = await h.run(['operator', 'rekey', '-init']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error initializing rekey: ');
    expect(r.err).toContain('rekey already in progress');
  });

  it('-status reads sys/rekey/init; -status -verify reads sys/rekey/verify', async () => {
    route(`GET ${RK}`, { body: rkStatus({ verification_required: true, verification_nonce: VERIFY_NONCE }) });
    route(`GET ${RK_VERIFY}`, { body: VERIFY_STATUS });
    const r = await h.run(['operator', 'rekey', '-status']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Rekey Progress           0/3 (verification in progress)');
    expect(r.out).toContain(`Verification Nonce       ${VERIFY_NONCE}`);
    const v = await h.run(['operator', 'rekey', '-status', '-verify']);
    expect(v.out).toBe(
      [
        'Key                      Value',
        '---                      -----',
        'Started                  true',
        'New Shares               3',
        'New Threshold            2',
        `Verification Nonce       ${VERIFY_NONCE}`,
        'Verification Progress    0/2',
        '',
      ].join('\n'),
    );
    expect(calls()).toEqual([`GET ${RK}`, `GET ${RK_VERIFY}`]);

    route(`GET ${RK}`, { body: RK_IDLE });
    const idle = await h.run(['operator', 'rekey', '-status']);
    expect(idle.out).toBe(['Key        Value', '---        -----', 'Nonce      n/a', 'Started    false', ''].join('\n'));
    const json = await h.run(['operator', 'rekey', '-status', '-verify', '-format=json']);
    expect(JSON.parse(json.out)).toEqual(VERIFY_STATUS);

    route(`GET ${RK}`, { status: 503, body: { errors: ['Vault is sealed'] } });
    const failed = await h.run(['operator', 'rekey', '-status']);
    expect(failed.code).toBe(2);
    expect(failed.err).toContain('Error reading rekey status: ');
  });

  it('-cancel DELETEs sys/rekey/init with the -nonce in the body; -cancel -verify restarts verification', async () => {
    route(`DELETE ${RK}`, { status: 204 });
    route(`DELETE ${RK_VERIFY}`, { body: VERIFY_STATUS });
    const r = await h.run(['operator', 'rekey', '-cancel', `-nonce=${NONCE}`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Success! Canceled rekeying (if it was started)\n');
    await h.run(['operator', 'rekey', '-cancel']);
    const v = await h.run(['operator', 'rekey', '-cancel', '-verify']);
    expect(v.code).toBe(0);
    expect(calls()).toEqual([`DELETE ${RK}`, `DELETE ${RK}`, `DELETE ${RK_VERIFY}`]);
    expect(bodies()).toEqual([{ nonce: NONCE }, {}, null]);

    route(`DELETE ${RK}`, badRequest('invalid request'));
    const refused = await h.run(['operator', 'rekey', '-cancel']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('Error canceling rekey: ');
  });

  it('-target: only barrier', async () => {
    const recovery = await h.run(['operator', 'rekey', '-target=recovery', '-status']);
    expect(recovery.code).toBe(1);
    expect(recovery.err).toContain('recovery keys is not supported');
    const unknown = await h.run(['operator', 'rekey', '-target=foo', '-status']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('Unknown target: foo\n');
    expect(h.vault.requests).toHaveLength(0);
  });
});

describe('operator rekey (providing key shares)', () => {
  const NEW_KEYS = ['0a0b', '0c0d', '0e0f'];
  const NEW_KEYS_B64 = ['CgsK', 'DA0M', 'Dg8O'];
  const done = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
    nonce: NONCE,
    complete: true,
    keys: NEW_KEYS,
    keys_base64: NEW_KEYS_B64,
    pgp_fingerprints: null,
    backup: false,
    verification_required: false,
    ...fields,
  });

  it('a share below the threshold: GET, PUT {key, nonce}, then the status again', async () => {
    route(`GET ${RK}`, { body: rkStatus() });
    route(`PUT ${RK_UPDATE}`, { body: rkStatus({ progress: 1 }) });
    const r = await h.run(['operator', 'rekey', `-nonce=${NONCE}`, KEY]);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`GET ${RK}`, `PUT ${RK_UPDATE}`, `GET ${RK}`]);
    expect(h.vault.requests[1]?.json).toEqual({ key: KEY, nonce: NONCE });
    expect(r.out).toContain('Rekey Progress           0/3');
    expect(r.out).not.toContain(KEY);
  });

  it('the last share prints the new keys like operator init, with Vault’s explanation', async () => {
    route(`GET ${RK}`, { body: rkStatus({ progress: 2 }) });
    route(`PUT ${RK_UPDATE}`, { body: done() });
    const r = await h.run(['operator', 'rekey', `-nonce=${NONCE}`, KEY]);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`GET ${RK}`, `PUT ${RK_UPDATE}`]);
    expect(r.out).toBe(
      [
        '',
        'Key 1: CgsK',
        'Key 2: DA0M',
        'Key 3: Dg8O',
        '',
        `Operation nonce: ${NONCE}`,
        '',
        'Coffer rekeyed with 3 key shares and a key threshold of 2. Please securely',
        'distribute the key shares printed above. When the server is re-sealed,',
        'restarted, or stopped, you must supply at least 2 of these keys to unseal it',
        'before it can start servicing requests.',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('');

    const json = await h.run(['operator', 'rekey', `-nonce=${NONCE}`, '-format=json', KEY]);
    const parsed = JSON.parse(json.out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['nonce', 'complete', 'keys', 'keys_base64', 'pgp_fingerprints', 'backup', 'verification_required']);
    expect(parsed['keys_base64']).toEqual(NEW_KEYS_B64);
  });

  it('with verification required: the new keys, the warnings and the verification status', async () => {
    route(`GET ${RK}`, { body: rkStatus({ progress: 2, verification_required: true }) });
    route(`PUT ${RK_UPDATE}`, { body: done({ verification_required: true, verification_nonce: VERIFY_NONCE }) });
    route(`GET ${RK_VERIFY}`, { body: VERIFY_STATUS });
    const r = await h.run(['operator', 'rekey', `-nonce=${NONCE}`, KEY]);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([`GET ${RK}`, `PUT ${RK_UPDATE}`, `GET ${RK_VERIFY}`]);
    expect(r.out).toContain('Key 3: Dg8O');
    expect(r.out).toContain('Coffer has created a new key, split into 3 key shares and a key threshold of\n2. These will not be active until after verification is complete.');
    expect(r.out).toContain(`Verification Nonce       ${VERIFY_NONCE}`);
    expect(r.err).toContain('Again, these key shares are _not_ valid until verification is performed.');
    expect(r.err).toContain('The current verification status, including initial nonce, is shown below.');
  });

  it('-verify submits a NEW share to sys/rekey/verify; the last one completes the rekey', async () => {
    route(`GET ${RK_VERIFY}`, { body: VERIFY_STATUS });
    route(`PUT ${RK_VERIFY}`, { body: { ...VERIFY_STATUS, progress: 1 } });
    const partial = await h.run(['operator', 'rekey', '-verify', `-nonce=${VERIFY_NONCE}`, 'CgsK']);
    expect(partial.code).toBe(0);
    expect(calls()).toEqual([`GET ${RK_VERIFY}`, `PUT ${RK_VERIFY}`, `GET ${RK_VERIFY}`]);
    expect(h.vault.requests[1]?.json).toEqual({ key: 'CgsK', nonce: VERIFY_NONCE });
    expect(partial.out).toContain('Verification Progress');

    route(`PUT ${RK_VERIFY}`, { body: { nonce: VERIFY_NONCE, complete: true } });
    const complete = await h.run(['operator', 'rekey', '-verify', `-nonce=${VERIFY_NONCE}`, 'DA0M']);
    expect(complete.code).toBe(0);
    expect(complete.out).toBe('Rekey verification successful. The rekey operation is complete and the new\nkeys are now active.\n');
  });

  it('on a terminal it prompts with the rekey nonce (or the verification nonce with -verify)', async () => {
    route(`GET ${RK}`, { body: rkStatus() });
    route(`PUT ${RK_UPDATE}`, { body: rkStatus({ progress: 1 }) });
    const r = await h.run(['operator', 'rekey'], { stdinTty: true, stdin: `${KEY}\n` });
    expect(r.code).toBe(0);
    expect(r.out.startsWith(`Rekey operation nonce: ${NONCE}\nUnseal Key (will be hidden): \n`)).toBe(true);
    expect(r.out).not.toContain(KEY);
    expect(h.vault.requests[1]?.json).toEqual({ key: KEY, nonce: NONCE });

    route(`GET ${RK_VERIFY}`, { body: VERIFY_STATUS });
    route(`PUT ${RK_VERIFY}`, { body: { nonce: VERIFY_NONCE, complete: true } });
    const v = await h.run(['operator', 'rekey', '-verify'], { stdinTty: true, stdin: 'CgsK\n' });
    expect(v.code).toBe(0);
    expect(v.out.startsWith(`Rekey operation nonce: ${VERIFY_NONCE}\n`)).toBe(true);
    expect(h.vault.requests.at(-1)?.json).toEqual({ key: 'CgsK', nonce: VERIFY_NONCE });
  });

  it('no rekey in progress, a missing nonce or no terminal are local errors (exit 1)', async () => {
    route(`GET ${RK}`, { body: RK_IDLE });
    const idle = await h.run(['operator', 'rekey', `-nonce=${NONCE}`, KEY]);
    expect(idle.code).toBe(1);
    expect(idle.err).toBe('No rekey is in progress. Start a rekey process by running "coffer operator\nrekey -init".\n');

    route(`GET ${RK}`, { body: rkStatus() });
    const noNonce = await h.run(['operator', 'rekey', '-'], { stdin: KEY });
    expect(noNonce.code).toBe(1);
    expect(noNonce.err).toBe('Missing nonce value: specify it via the -nonce flag\n');
    const noTty = await h.run(['operator', 'rekey'], { stdin: KEY });
    expect(noTty.code).toBe(1);
    expect(noTty.err).toContain('An error occurred attempting to ask for the unseal key.');
    for (const r of [idle, noNonce, noTty]) expectNoSecret(r, KEY);
    expect(calls().filter((c) => c.startsWith('PUT'))).toEqual([]);
  });

  it('a rejected share exits 2 without echoing the key', async () => {
    route(`GET ${RK}`, { body: rkStatus() });
    route(`PUT ${RK_UPDATE}`, badRequest('root key verification failed: invalid key'));
    const r = await h.run(['operator', 'rekey', `-nonce=${NONCE}`, '-'], { stdin: `${KEY}\n` });
    expect(r.code).toBe(2);
    expect(r.err).toContain('Error posting unseal key: ');
    expectNoSecret(r, KEY);

    route(`GET ${RK}`, { status: 500, body: { errors: ['boom'] } });
    const statusFailed = await h.run(['operator', 'rekey', `-nonce=${NONCE}`, KEY]);
    expect(statusFailed.code).toBe(2);
    expect(statusFailed.err).toContain('Error getting rekey status: ');
  });
});
