import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { creationRuleFor, findConfigFile } from './config.js';
import { parseTransitUri } from './keys/hc-vault.js';
import { loadAgeIdentities, parseIdentities } from './keys/age.js';
import { splitCommand } from './command-line.js';

const root = mkdtempSync(join(tmpdir(), 'coffer-sops-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const R1 = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const R2 = 'age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlw';

describe('.sops.yaml', () => {
  writeFileSync(
    join(root, '.sops.yaml'),
    `creation_rules:
  - path_regex: k8s/.*\\.yaml$
    encrypted_regex: ^(data|stringData)$
    age: ${R1}, ${R2}
  - path_regex: \\.json$
    hc_vault_transit_uri: https://vault.example.com:8200/v1/sops/keys/app
  - path_regex: groups/
    shamir_threshold: 2
    key_groups:
      - age: [${R1}]
      - age: [${R2}]
  - path_regex: kms/
    kms: arn:aws:kms:us-east-1:1:key/x
`,
  );
  mkdirSync(join(root, 'k8s', 'prod'), { recursive: true });

  it('is found by walking up from the file', () => {
    expect(findConfigFile(join(root, 'k8s', 'prod'))).toBe(join(root, '.sops.yaml'));
  });

  it('picks the first rule whose path_regex matches the path relative to the config', () => {
    const k8s = creationRuleFor(join(root, '.sops.yaml'), join(root, 'k8s', 'prod', 'secret.yaml'));
    expect(k8s?.rules).toEqual({ encryptedRegex: '^(data|stringData)$' });
    expect(k8s?.keyGroups).toEqual([
      [
        { type: 'age', recipient: R1 },
        { type: 'age', recipient: R2 },
      ],
    ]);
    const json = creationRuleFor(join(root, '.sops.yaml'), join(root, 'app.json'));
    expect(json?.keyGroups).toEqual([[{ type: 'hc_vault', vaultAddress: 'https://vault.example.com:8200', enginePath: 'sops', keyName: 'app' }]]);
    const groups = creationRuleFor(join(root, '.sops.yaml'), join(root, 'groups', 'x.yaml'));
    expect(groups?.keyGroups).toHaveLength(2);
    expect(groups?.shamirThreshold).toBe(2);
  });

  it('says when no rule matches and when a rule needs an unsupported key type', () => {
    expect(() => creationRuleFor(join(root, '.sops.yaml'), join(root, 'other.txt'))).toThrow(/no matching creation rules found/);
    expect(() => creationRuleFor(join(root, '.sops.yaml'), join(root, 'kms', 'a.yaml'))).toThrow(/kms keys, which Coffer does not support/);
  });
});

describe('transit URIs', () => {
  it('splits address, engine path and key name like sops', () => {
    expect(parseTransitUri('https://vault:8200/v1/transit/keys/sops')).toEqual({ vaultAddress: 'https://vault:8200', enginePath: 'transit', keyName: 'sops' });
    expect(parseTransitUri('http://v/v1/team/a/keys/k')).toEqual({ vaultAddress: 'http://v', enginePath: 'team/a', keyName: 'k' });
    expect(parseTransitUri('transit/keys/k', { VAULT_ADDR: 'http://127.0.0.1:8200' })).toEqual({ vaultAddress: 'http://127.0.0.1:8200', enginePath: 'transit', keyName: 'k' });
    expect(() => parseTransitUri('transit/keys/k')).toThrow(/missing scheme/);
    expect(() => parseTransitUri('https://vault:8200/transit')).toThrow(/formatted correctly/);
  });
});

describe('age identities', () => {
  it('reads SOPS_AGE_KEY_FILE and reports bad lines without echoing them', () => {
    const file = join(root, 'keys.txt');
    writeFileSync(file, '# created: now\nAGE-SECRET-KEY-1QQQQ\n');
    const loaded = loadAgeIdentities({ SOPS_AGE_KEY_FILE: file, HOME: root });
    expect(loaded.identities).toEqual([]);
    expect(loaded.errors.join()).toMatch(/SOPS_AGE_KEY_FILE: invalid identity on line 2/);
    expect(loaded.errors.join()).not.toContain('QQQQ');
    expect(() => parseIdentities('ssh-ed25519 AAAA', 'x')).toThrow(/line 1 is not an age identity/);
  });

  it('lists the locations it looked at', () => {
    const loaded = loadAgeIdentities({ HOME: join(root, 'nohome') });
    expect(loaded.unused).toEqual(['SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE', 'SOPS_AGE_KEY_CMD', join(root, 'nohome', '.config', 'sops', 'age', 'keys.txt')]);
  });

  it('splits SOPS_AGE_KEY_CMD like shlex', () => {
    expect(splitCommand(`cat '/tmp/my keys.txt' "a b" c\\ d`)).toEqual(['cat', '/tmp/my keys.txt', 'a b', 'c d']);
    expect(() => splitCommand('cat "x')).toThrow(/unclosed quote/);
  });
});
