import { describe, expect, it } from 'vitest';
import { parseHcl } from '../shared/hcl/index.js';
import { HclFormatError, formatHcl } from './hcl-format.js';
import { PolicyError, checkPolicy } from './policy-check.js';

const MESSY = `# Allow reading secrets
path "secret/*" {
    capabilities = ["create", "read","update"]
    min_wrapping_ttl = "1s" # minimum
}
path "sys/mounts" { capabilities = ["read"] }


# Standalone, two lines
// (second line)

path "a" {
  # inside comment

  capabilities = [
    "read", # r
    "list",
  ]
  allowed_parameters = {
    "foo" = []
    "barbaz" = ["x"]
  }
  comment = <<EOT
  raw text, kept as is
EOT
}
`;

const MESSY_FORMATTED = `# Allow reading secrets
path "secret/*" {
  capabilities     = ["create", "read", "update"]
  min_wrapping_ttl = "1s"                         # minimum
}

path "sys/mounts" {
  capabilities = ["read"]
}

# Standalone, two lines
// (second line)

path "a" {
  # inside comment

  capabilities = [
    "read", # r
    "list",
  ]

  allowed_parameters = {
    "foo"    = []
    "barbaz" = ["x"]
  }

  comment = <<EOT
  raw text, kept as is
EOT
}
`;

/** Policies in the styles Vault's docs use. */
const DOCUMENTS = [
  MESSY,
  `path "secret/data/{{identity.entity.id}}/*" {
  capabilities = ["create", "update", "patch", "read", "delete"]
}

path "secret/metadata/{{identity.entity.id}}/*" {
  capabilities = ["list"]
}`,
  `path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "auth/token/revoke-self" { capabilities = ["update"] }`,
  `/* Admin policy */
path "sys/*" {
  capabilities = ["create","read","update","delete","list","sudo"]
  denied_parameters = { "ttl" = [] }
  required_parameters = ["owner", "team"]
}
path "secret/legacy" { policy = "write" }`,
  `path "kv/*" {
  capabilities = ["read"]
  allowed_parameters = {
    "*" = []
  }
  max_wrapping_ttl = 300
}`,
  `path "a" {}
path "b" {}
path "c" {
  capabilities = ["deny"]
}`,
];

describe('formatHcl (HCL1 printer layout)', () => {
  it('formats a messy policy like vault policy fmt: indentation, alignment, blank lines, comments kept', () => {
    expect(formatHcl(MESSY)).toBe(MESSY_FORMATTED);
  });

  it('is idempotent and keeps the meaning of every document', () => {
    for (const doc of DOCUMENTS) {
      const once = formatHcl(doc);
      expect(formatHcl(once)).toBe(once);
      expect(parseHcl(once)).toEqual(parseHcl(doc));
      expect(once.endsWith('\n')).toBe(true);
      expect(once.endsWith('\n\n')).toBe(false);
    }
  });

  it('keeps adjacent empty blocks together, separates others with one blank line', () => {
    expect(formatHcl('path "a" {}\npath "b" {}\n\n\n\npath "c" {}\n')).toBe('path "a" {}\npath "b" {}\n\npath "c" {}\n');
    expect(formatHcl('a = 1\nb = 2\npath "x" {}\n')).toBe('a = 1\n\nb = 2\n\npath "x" {}\n');
  });

  it('keeps lead comments on their item and CRLF input becomes LF', () => {
    const out = formatHcl('# about a\r\npath "a" {\r\n  # about caps\r\n  capabilities = ["read"]\r\n}\r\n');
    expect(out).toBe('# about a\npath "a" {\n  # about caps\n  capabilities = ["read"]\n}\n');
  });

  it('keeps a comment written before a comma (HCL1 would drop it inside an aligned group)', () => {
    const out = formatHcl('path "a" {\n  capabilities = ["read"] /* why */,\n  max_wrapping_ttl = "1s"\n}\n');
    expect(out).toBe('path "a" {\n  capabilities     = ["read"] /* why */\n  max_wrapping_ttl = "1s"\n}\n');
  });

  it('refuses JSON and reports syntax it cannot read', () => {
    expect(() => formatHcl('{"path": {"a": {"capabilities": ["read"]}}}')).toThrow(HclFormatError);
    expect(() => formatHcl('path "a" {')).toThrow(HclFormatError);
  });
});

describe('checkPolicy', () => {
  it('accepts valid policies (HCL and JSON)', () => {
    for (const doc of DOCUMENTS) expect(() => checkPolicy(doc)).not.toThrow();
    expect(() => checkPolicy('{"path": {"secret/*": {"capabilities": ["read"]}}}')).not.toThrow();
  });

  it('rejects what the server would, with the parse error and position', () => {
    const cases: [string, string][] = [
      ['path "a" { capabilities = ["reed"] }', 'failed to parse policy: path "a": invalid capability "reed" at 1:12'],
      ['path "a" { capabilities = "read" }', '"capabilities" must be a list of strings'],
      ['path "a" { policy = "admin" }', 'invalid policy "admin"'],
      ['path "a" { bogus = 1 }', 'path "a": invalid key "bogus"'],
      ['paths "a" {}', 'invalid key "paths"'],
      ['path "a+*" { capabilities = ["read"] }', "invalid use of wildcards ('+*' is forbidden)"],
      ['path "a/{{identity.entity.id}/*" { capabilities = ["read"] }', 'unbalanced templating characters'],
      ['path "a" { min_wrapping_ttl = "soon" }', 'error parsing min_wrapping_ttl: invalid duration "soon"'],
      ['path "a" { min_wrapping_ttl = "2m"\n max_wrapping_ttl = "1m" }', 'max_wrapping_ttl cannot be less than min_wrapping_ttl'],
      ['path "a" { allowed_parameters = { "x" = "y" } }', '"x" must be a list of values'],
      ['path "a" { control_group = {} }', 'Vault Enterprise feature'],
      ['path "a" { capabilities = ["read"]', 'failed to parse policy: '],
    ];
    for (const [doc, message] of cases) {
      let caught: unknown;
      try {
        checkPolicy(doc);
      } catch (err) {
        caught = err;
      }
      expect(caught, doc).toBeInstanceOf(PolicyError);
      expect((caught as Error).message, doc).toContain(message);
    }
  });

  it('deny wins: the rest of the stanza is not checked (as Vault)', () => {
    expect(() => checkPolicy('path "a" { capabilities = ["deny", "bogus"] }')).not.toThrow();
  });
});
