/**
 * Durable ACL policies and the compiled-ACL cache (Vault's `PolicyStore`).
 *
 * Each policy is stored as `{ name, policy }` JSON under `<prefix><name>` (default prefix
 * `policy/`, like Vault's `sys/policy/`). `root` is never stored (it is built in and
 * unchangeable); `response-wrapping` is built in and reserved; `default` is seeded with
 * Vault's text the first time the store is used and may be edited but not deleted.
 *
 * `aclFor` compiles the ACL of a set of policy names once and keeps it in an LRU keyed by
 * the sorted names, plus the caller's identity when one of the policies is templated.
 * Every local write or delete clears the ACL cache and tells `onChange` listeners (so the
 * change can be broadcast to other nodes, which call `invalidate`).
 */
import { LRUCache } from 'lru-cache';
import { InternalError, UserError, errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { type Storage, getJson, listRecursive, putJson } from '../sdk/index.js';
import { type Acl, ROOT_POLICY_NAME, compileAcl } from './acl.js';
import {
  DEFAULT_POLICY,
  DEFAULT_POLICY_NAME,
  IMMUTABLE_POLICIES,
  NON_ASSIGNABLE_POLICIES,
  RESPONSE_WRAPPING_POLICY,
  RESPONSE_WRAPPING_POLICY_NAME,
} from './builtin.js';
import { type Policy, parsePolicy, sanitizePolicyName } from '../../shared/policy/index.js';
import { type TemplateContext, type TemplateOptions, templateContextKey } from '../../shared/policy/index.js';

/** A policy as stored and as the API returns it. */
export interface StoredPolicy {
  readonly name: string;
  readonly policy: string;
}

export interface PolicyStoreOptions {
  readonly logger?: Logger;
  /** Storage key prefix. Default `policy/`. */
  readonly prefix?: string;
  /** How many compiled ACLs to keep at most. Default 1024. */
  readonly aclCacheSize?: number;
  /**
   * Bound on the total number of rules across cached ACLs (each ACL of a templated policy
   * set is per caller, so big templated sets could otherwise fill memory). Default 250000
   * (roughly 100 MB at most).
   */
  readonly aclCacheMaxRules?: number;
  readonly templateOptions?: TemplateOptions;
}

export type PolicyChangeListener = (name: string) => void;

export interface PolicyStore {
  /** The stored text, or null. `root` reads as an empty policy, as in Vault. */
  get(name: string): Promise<StoredPolicy | null>;
  /** The parsed policy, or null when there is none. */
  getPolicy(name: string): Promise<Policy | null>;
  /**
   * Validates (parses) and stores `text` under the sanitized `name`. Throws `UserError`
   * (400) for `cannot update "root" policy` (and the other reserved names) and for parse
   * errors (`failed to parse policy: ...`).
   */
  put(name: string, text: string): Promise<Policy>;
  /**
   * Deletes a policy; deleting one that does not exist succeeds. `UserError` for
   * `cannot delete "root" policy` (and other reserved names) and `cannot delete default policy`.
   */
  delete(name: string): Promise<void>;
  /** Every assignable policy name, sorted, including `default` and `root`. */
  list(): Promise<string[]>;
  /**
   * The compiled ACL of these policies for this caller. Unknown names count as empty
   * policies; `root` anywhere makes a root ACL.
   */
  aclFor(policyNames: readonly string[], templateContext?: TemplateContext): Promise<Acl>;
  /** Called after every local put/delete with the sanitized name. Returns an unsubscribe function. */
  onChange(listener: PolicyChangeListener): () => void;
  /** Drops cached state for `name` (or everything): for changes made by another node. */
  invalidate(name?: string): void;
}

const ROOT_POLICY: Policy = Object.freeze({ name: ROOT_POLICY_NAME, raw: '', templated: false, paths: [] });

export function createPolicyStore(storage: Storage, options: PolicyStoreOptions = {}): PolicyStore {
  const prefix = options.prefix ?? 'policy/';
  const logger = options.logger;
  const listeners = new Set<PolicyChangeListener>();
  const builtins = new Map<string, Policy>([
    [ROOT_POLICY_NAME, ROOT_POLICY],
    [RESPONSE_WRAPPING_POLICY_NAME, parsePolicy(RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY)],
  ]);

  /** Parsed policies by name; `null` remembers that a policy does not exist. */
  const parsed = new LRUCache<string, Policy | { missing: true }>({ max: 4096 });
  const acls = new LRUCache<string, Acl>({
    max: options.aclCacheSize ?? 1024,
    maxSize: options.aclCacheMaxRules ?? 250_000,
    sizeCalculation: (acl) => acl.ruleCount + 1,
  });
  /** Bumped on every change, so an ACL compiled from data read before it is not cached. */
  let generation = 0;

  let seeded: Promise<void> | undefined;
  function ensureSeeded(): Promise<void> {
    seeded ??= (async () => {
      const existing = await storage.get(prefix + DEFAULT_POLICY_NAME);
      if (existing === null) {
        await putJson(storage, prefix + DEFAULT_POLICY_NAME, { name: DEFAULT_POLICY_NAME, policy: DEFAULT_POLICY } satisfies StoredPolicy);
        invalidate(DEFAULT_POLICY_NAME);
      }
    })().catch((err: unknown) => {
      seeded = undefined;
      throw err;
    });
    return seeded;
  }

  function invalidate(name?: string): void {
    generation++;
    if (name === undefined) parsed.clear();
    else parsed.delete(sanitizePolicyName(name));
    acls.clear();
  }

  function changed(name: string): void {
    invalidate(name);
    for (const listener of listeners) {
      try {
        listener(name);
      } catch (err) {
        logger?.error({ err: errorMessage(err), policy: name }, 'policy change listener failed');
      }
    }
  }

  async function readStored(name: string): Promise<StoredPolicy | null> {
    const entry = await getJson<StoredPolicy>(storage, prefix + name);
    if (entry === null || typeof entry.policy !== 'string') return null;
    return { name, policy: entry.policy };
  }

  async function getPolicy(rawName: string): Promise<Policy | null> {
    const name = sanitizePolicyName(rawName);
    const builtin = builtins.get(name);
    if (builtin !== undefined) return builtin;
    await ensureSeeded();
    const cached = parsed.get(name);
    if (cached !== undefined) return 'missing' in cached ? null : cached;
    const gen = generation;
    const stored = await readStored(name);
    let policy: Policy | null = null;
    if (stored !== null) {
      try {
        policy = parsePolicy(name, stored.policy);
      } catch (err) {
        logger?.error({ policy: name, err: errorMessage(err) }, 'stored policy does not parse');
        throw new InternalError(`failed to get policy: ${errorMessage(err)}`, { cause: err });
      }
    }
    if (gen === generation) parsed.set(name, policy ?? { missing: true });
    return policy;
  }

  return {
    async get(rawName) {
      const name = sanitizePolicyName(rawName);
      if (name === ROOT_POLICY_NAME) return { name, policy: '' };
      if (name === RESPONSE_WRAPPING_POLICY_NAME) return { name, policy: RESPONSE_WRAPPING_POLICY };
      await ensureSeeded();
      return readStored(name);
    },

    getPolicy,

    async put(rawName, text) {
      const name = sanitizePolicyName(rawName);
      if (name === '') throw new UserError('policy name must be provided in the URL');
      if (IMMUTABLE_POLICIES.includes(name)) throw new UserError(`cannot update ${JSON.stringify(name)} policy`);
      const policy = parsePolicy(name, text);
      await ensureSeeded();
      await putJson(storage, prefix + name, { name, policy: text } satisfies StoredPolicy);
      changed(name);
      return policy;
    },

    async delete(rawName) {
      const name = sanitizePolicyName(rawName);
      if (IMMUTABLE_POLICIES.includes(name)) throw new UserError(`cannot delete ${JSON.stringify(name)} policy`);
      if (name === DEFAULT_POLICY_NAME) throw new UserError('cannot delete default policy');
      await ensureSeeded();
      await storage.delete(prefix + name);
      changed(name);
    },

    async list() {
      await ensureSeeded();
      const keys = (await listRecursive(storage, prefix)).map((k) => k.slice(prefix.length));
      const names = new Set(keys.filter((k) => !NON_ASSIGNABLE_POLICIES.includes(k)));
      names.add(ROOT_POLICY_NAME);
      return [...names].sort();
    },

    async aclFor(policyNames, templateContext) {
      const names = [...new Set(policyNames.map(sanitizePolicyName).filter((n) => n !== ''))].sort();
      const namesKey = names.join('\n');
      if (names.includes(ROOT_POLICY_NAME)) {
        const hit = acls.get(namesKey);
        if (hit !== undefined) return hit;
        const acl = compileAcl([ROOT_POLICY]);
        acls.set(namesKey, acl);
        return acl;
      }
      // A cached ACL of untemplated policies does not depend on the caller.
      const plain = acls.get(namesKey);
      if (plain !== undefined) return plain;
      const contextKey = `${namesKey}\n\u0000${templateContextKey(templateContext)}`;
      const templated = acls.get(contextKey);
      if (templated !== undefined) return templated;

      const gen = generation;
      const policies: Policy[] = [];
      for (const name of names) {
        const policy = await getPolicy(name);
        if (policy !== null) policies.push(policy);
      }
      const isTemplated = policies.some((p) => p.templated);
      const acl = compileAcl(policies, {
        ...(templateContext !== undefined ? { templateContext } : {}),
        ...(options.templateOptions !== undefined ? { templateOptions: options.templateOptions } : {}),
      });
      if (gen === generation) acls.set(isTemplated ? contextKey : namesKey, acl);
      return acl;
    },

    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    invalidate,
  };
}
