/**
 * Which leaves get encrypted (sops `Tree.shouldBeEncrypted`), evaluated per path element with
 * later rules overriding earlier ones, and the two tree walks (`Tree.Encrypt`/`Tree.Decrypt`)
 * that also compute the MAC: SHA-512 over the plaintext bytes of every non-comment leaf in
 * document order (only encrypted leaves, seeded with a constant, when `macOnlyEncrypted`).
 */
import { createHash, type Hash } from 'node:crypto';
import { Branch, Comment, type TreeBranches, type TreeItem, type TreeValue } from './tree.js';
import { valueBytes, type CipherValue, type ValueCipher } from './cipher.js';
import { SopsError } from './errors.js';

export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

/** `echo -n sops | sha256sum`: seeds the MAC when only encrypted values are covered. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

export interface EncryptionRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  unencryptedCommentRegex?: string;
  encryptedCommentRegex?: string;
  macOnlyEncrypted?: boolean;
}

/**
 * Go RE2 patterns as JS regexps: a leading inline flag group such as `(?i)` becomes a flag
 * (JS has no inline flags); the rest of the common syntax is shared.
 */
export function compileGoRegex(pattern: string, what = 'regex'): RegExp {
  let flags = '';
  let body = pattern;
  const m = /^\(\?([imsU]+)\)/.exec(body);
  if (m !== null) {
    for (const f of m[1] ?? '') if (f !== 'U' && !flags.includes(f)) flags += f;
    body = body.slice(m[0].length);
  }
  try {
    return new RegExp(body, flags);
  } catch (err) {
    throw new SopsError(`invalid ${what} ${JSON.stringify(pattern)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** At most one of the four key rules may be set (sops refuses files with more). */
export function checkRules(rules: EncryptionRules): void {
  const set = [rules.unencryptedSuffix, rules.encryptedSuffix, rules.unencryptedRegex, rules.encryptedRegex].filter((r) => r !== undefined && r !== '');
  if (set.length > 1) throw new SopsError('Cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex or unencrypted_regex in the same file');
  const comments = [rules.unencryptedCommentRegex, rules.encryptedCommentRegex].filter((r) => r !== undefined && r !== '');
  if (comments.length > 1) throw new SopsError('Cannot use both encrypted_comment_regex and unencrypted_comment_regex in the same file');
}

class Matcher {
  private readonly unencryptedRegex: RegExp | undefined;
  private readonly encryptedRegex: RegExp | undefined;
  private readonly unencryptedCommentRegex: RegExp | undefined;
  private readonly encryptedCommentRegex: RegExp | undefined;

  constructor(private readonly rules: EncryptionRules) {
    const re = (p: string | undefined, what: string): RegExp | undefined => (p === undefined || p === '' ? undefined : compileGoRegex(p, what));
    this.unencryptedRegex = re(rules.unencryptedRegex, 'unencrypted_regex');
    this.encryptedRegex = re(rules.encryptedRegex, 'encrypted_regex');
    this.unencryptedCommentRegex = re(rules.unencryptedCommentRegex, 'unencrypted_comment_regex');
    this.encryptedCommentRegex = re(rules.encryptedCommentRegex, 'encrypted_comment_regex');
  }

  shouldBeEncrypted(path: readonly string[], commentsStack: readonly (readonly string[])[], isComment: boolean): boolean {
    const r = this.rules;
    let encrypted = true;
    if (r.unencryptedSuffix !== undefined && r.unencryptedSuffix !== '') {
      const suffix = r.unencryptedSuffix;
      if (path.some((p) => p.endsWith(suffix))) encrypted = false;
    }
    if (r.encryptedSuffix !== undefined && r.encryptedSuffix !== '') {
      const suffix = r.encryptedSuffix;
      encrypted = path.some((p) => p.endsWith(suffix));
    }
    if (this.unencryptedRegex !== undefined) {
      const re = this.unencryptedRegex;
      if (path.some((p) => re.test(p))) encrypted = false;
    }
    if (this.encryptedRegex !== undefined) {
      const re = this.encryptedRegex;
      encrypted = path.some((p) => re.test(p));
    }
    if (this.unencryptedCommentRegex !== undefined) {
      const re = this.unencryptedCommentRegex;
      if (commentsStack.some((cs) => cs.some((c) => re.test(c)))) encrypted = false;
    }
    if (this.encryptedCommentRegex !== undefined) {
      const re = this.encryptedCommentRegex;
      const last = commentsStack.length - 1;
      const lastLen = commentsStack[last]?.length ?? 0;
      encrypted = commentsStack.some((cs, i) =>
        // The comment line that matches is itself left plain: skip it when walking that comment.
        cs.some((c, j) => !(isComment && i === last && j === lastLen - 1) && re.test(c)),
      );
    }
    return encrypted;
  }
}

type LeafFn = (leaf: CipherValue, path: readonly string[], commentsStack: readonly (readonly string[])[]) => CipherValue | string;

function walkValue(v: TreeValue, path: readonly string[], stack: string[][], onLeaf: LeafFn): TreeValue {
  if (v === null) return null;
  if (v instanceof Branch) return walkBranch(v, path, stack, onLeaf);
  if (Array.isArray(v)) return walkSlice(v as readonly TreeValue[], path, stack, onLeaf);
  return onLeaf(v as CipherValue, path, stack);
}

function walkSlice(list: readonly TreeValue[], path: readonly string[], parentStack: string[][], onLeaf: LeafFn): TreeValue[] {
  const stack = [...parentStack, [] as string[]];
  const top = stack.length - 1;
  const out: TreeValue[] = [];
  for (const item of list) {
    const isComment = item instanceof Comment;
    if (isComment) stack[top] = [...(stack[top] ?? []), item.value];
    let next = walkValue(item, path, stack, onLeaf);
    if (isComment && typeof next === 'string') next = new Comment(next);
    out.push(next);
    if (!isComment) stack[top] = [];
  }
  return out;
}

function walkBranch(branch: Branch, path: readonly string[], parentStack: string[][], onLeaf: LeafFn): Branch {
  const stack = [...parentStack, [] as string[]];
  const top = stack.length - 1;
  const items: TreeItem[] = [];
  for (const item of branch.items) {
    if (item.key instanceof Comment) {
      stack[top] = [...(stack[top] ?? []), item.key.value];
      const next = onLeaf(item.key, path, stack);
      items.push({ key: next instanceof Comment ? next : new Comment(String(next)), value: item.value });
      continue;
    }
    const valueIsComment = item.value instanceof Comment;
    if (item.value instanceof Comment) stack[top] = [...(stack[top] ?? []), item.value.value];
    items.push({ key: item.key, value: walkValue(item.value, [...path, item.key], stack, onLeaf) });
    if (!valueIsComment) stack[top] = [];
  }
  return new Branch(items);
}

function newMac(rules: EncryptionRules): Hash {
  const hash = createHash('sha512');
  if (rules.macOnlyEncrypted === true) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  return hash;
}

function aadOf(path: readonly string[]): string {
  return `${path.join(':')}:`;
}

export interface WalkResult {
  branches: Branch[];
  /** The MAC of the plaintext values: SHA-512, uppercase hex. */
  mac: string;
}

/** Encrypts the leaves the rules select; returns the new tree and the plaintext MAC. */
export function encryptTree(branches: TreeBranches, key: Buffer, cipher: ValueCipher, rules: EncryptionRules): WalkResult {
  checkRules(rules);
  const matcher = new Matcher(rules);
  const hash = newMac(rules);
  cipher.rewind();
  const out = branches.map((b) =>
    walkBranch(b, [], [], (leaf, path, stack) => {
      const isComment = leaf instanceof Comment;
      const encrypted = matcher.shouldBeEncrypted(path, stack, isComment);
      if ((rules.macOnlyEncrypted !== true || encrypted) && !isComment) hash.update(valueBytes(leaf));
      return encrypted ? cipher.encrypt(leaf, key, aadOf(path)) : leaf;
    }),
  );
  return { branches: out, mac: hash.digest('hex').toUpperCase() };
}

/** Decrypts the leaves the rules select; returns the plaintext tree and its MAC. */
export function decryptTree(branches: TreeBranches, key: Buffer, cipher: ValueCipher, rules: EncryptionRules): WalkResult {
  checkRules(rules);
  const matcher = new Matcher(rules);
  const hash = newMac(rules);
  const out = branches.map((b) =>
    walkBranch(b, [], [], (leaf, path, stack) => {
      const isComment = leaf instanceof Comment;
      const encrypted = matcher.shouldBeEncrypted(path, stack, isComment);
      let v: CipherValue = leaf;
      if (encrypted) {
        if (isComment) {
          // A comment that does not decrypt was never encrypted (older sops versions): keep it.
          try {
            v = cipher.decrypt(leaf.value, key, aadOf(path));
          } catch {
            v = leaf;
          }
        } else {
          if (typeof leaf !== 'string') throw new SopsError(`Could not decrypt value at ${aadOf(path)} : expected an encrypted string`);
          try {
            v = cipher.decrypt(leaf, key, aadOf(path));
          } catch (err) {
            throw new SopsError(`Could not decrypt value at ${aadOf(path)} : ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
      if ((rules.macOnlyEncrypted !== true || encrypted) && !(v instanceof Comment)) hash.update(valueBytes(v));
      return v;
    }),
  );
  return { branches: out, mac: hash.digest('hex').toUpperCase() };
}
