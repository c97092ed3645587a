/**
 * The controller's sealing keys (upstream `pkg/controller/keys.go`, `keyregistry.go`): key
 * Secrets labelled `sealedsecrets.bitnami.com/sealed-secrets-key` in the controller's namespace
 * (plus the legacy Secret named like the key prefix). At start every active key is loaded and,
 * when there is none, the newest is older than `--key-cutoff-time`, or it is older than the
 * renew period, a new one is generated and stored. Renewal then runs on a timer. Keys are
 * never deleted: the newest seals, all of them unseal, so old SealedSecrets keep working.
 *
 * The registry is live: key Secrets created by someone else (a restored backup, keys copied
 * from the Bitnami controller) are picked up through an informer, and `onKeysAdded` lets the
 * controller retry the SealedSecrets that could not be opened before.
 */
import {
  DEFAULT_KEY_PREFIX,
  DEFAULT_KEY_RENEW_PERIOD_MS,
  KeyRegistry,
  SEALED_SECRETS_KEY_LABEL,
  generateSealingKey,
  keyFromSecret,
  keyRenewal,
  keyToSecret,
  loadKeyRegistry,
  type SealingKey,
  type Secret,
} from '../../../gitops/sealed/index.js';
import type { Logger } from '../../../shared/logger.js';
import type { Informer, KubeClient, KubeObject } from '../../runtime/types.js';
import { SECRETS_RESOURCE } from './reconcile.js';

/** setTimeout's ceiling (about 24.8 days): longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A failed renewal (API server down) is retried after this long, not in a loop. */
const RETRY_AFTER_FAILURE_MS = 60_000;

export interface KeyManagerOptions {
  client: KubeClient;
  /** Where key Secrets live (the operator's namespace). */
  namespace: string;
  /** `--key-prefix`. */
  prefix?: string;
  /** `--key-renew-period` in ms (default 30 days; 0 disables periodic renewal). */
  renewPeriodMs?: number;
  /** `--key-cutoff-time`. */
  cutoffTime?: Date;
  /** `--key-size` (default 4096). */
  keySize?: number;
  /** `--my-cn`. */
  commonName?: string;
  now?: () => number;
  logger: Logger;
  /** Called after keys were added (not at the initial load). */
  onKeysAdded?: (keys: SealingKey[]) => void;
}

export class KeyManager {
  readonly registry = new KeyRegistry();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private renewing: Promise<SealingKey | undefined> | undefined;
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(private readonly options: KeyManagerOptions) {
    this.prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
    this.now = options.now ?? Date.now;
  }

  /** Loads the key Secrets, generates one if due, follows key Secret changes and schedules renewal. */
  async start(informer?: Informer<KubeObject>): Promise<void> {
    this.stopped = false;
    const { client, namespace, logger } = this.options;
    const { items } = await client.list<KubeObject>(SECRETS_RESOURCE, { namespace, labelSelector: SEALED_SECRETS_KEY_LABEL });
    const legacy = await client.get<KubeObject>(SECRETS_RESOURCE, namespace, this.prefix);
    const secrets = [...items, ...(legacy !== null ? [legacy] : [])] as unknown as Secret[];
    const { registry, skipped } = loadKeyRegistry(secrets, { prefix: this.prefix });
    for (const s of skipped) logger.warn({ keySecret: s.name, reason: s.reason }, 'sealing key not loaded');
    for (const k of registry.keys()) this.registry.add(k);
    logger.info({ keys: this.registry.size, namespace }, 'sealing keys loaded');
    if (informer !== undefined) {
      const onSecret = (obj: KubeObject): void => this.observe(obj as unknown as Secret);
      informer.on('add', onSecret);
      informer.on('update', onSecret);
    }
    await this.renewIfDue();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A key Secret appeared or changed: add the key if it is new. */
  observe(secret: Secret): void {
    if (secret.metadata.namespace !== this.options.namespace) return;
    const label = secret.metadata.labels?.[SEALED_SECRETS_KEY_LABEL];
    if (label !== undefined && label !== 'active') return;
    let key: SealingKey;
    try {
      key = keyFromSecret(secret);
    } catch (err) {
      this.options.logger.warn({ keySecret: secret.metadata.name, reason: (err as Error).message }, 'sealing key not loaded');
      return;
    }
    if (this.registry.keys().some((k) => k.fingerprint === key.fingerprint)) return;
    this.registry.add(key);
    this.options.logger.info({ keySecret: key.name, fingerprint: key.fingerprint }, 'sealing key added');
    this.options.onKeysAdded?.([key]);
  }

  /** Generates and stores a new key when `keyRenewal` says so; returns it (undefined when not due). */
  renewIfDue(): Promise<SealingKey | undefined> {
    // One renewal at a time: the timer and a test (or SIGUSR1-like trigger) must not both make a key.
    this.renewing ??= this.doRenew().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async doRenew(): Promise<SealingKey | undefined> {
    const plan = keyRenewal({
      latest: this.registry.latest()?.orderingTime,
      now: new Date(this.now()),
      renewPeriodMs: this.options.renewPeriodMs ?? DEFAULT_KEY_RENEW_PERIOD_MS,
      ...(this.options.cutoffTime !== undefined ? { cutoffTime: this.options.cutoffTime } : {}),
    });
    if (!plan.dueNow) return undefined;
    return this.createKey(plan.reason ?? 'period');
  }

  /** A new key, stored as a key Secret (`generateName`) and added to the registry at once. */
  async createKey(why = 'requested'): Promise<SealingKey> {
    const generated = await generateSealingKey({
      now: new Date(this.now()),
      ...(this.options.keySize !== undefined ? { keySize: this.options.keySize } : {}),
      ...(this.options.commonName !== undefined ? { commonName: this.options.commonName } : {}),
    });
    const stored = await this.options.client.create<KubeObject>(SECRETS_RESOURCE, keyToSecret(generated, { namespace: this.options.namespace, prefix: this.prefix }) as unknown as KubeObject);
    const key: SealingKey = { ...generated, name: stored.metadata.name };
    const isNew = !this.registry.keys().some((k) => k.fingerprint === key.fingerprint);
    this.registry.add(key);
    this.options.logger.info({ keySecret: key.name, fingerprint: key.fingerprint, reason: why }, 'new sealing key generated');
    if (isNew) this.options.onKeysAdded?.([key]);
    return key;
  }

  /** Arms the timer for the next renewal (the newest key's time + the period). */
  private schedule(minWaitMs = 0): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const period = this.options.renewPeriodMs ?? DEFAULT_KEY_RENEW_PERIOD_MS;
    const latest = this.registry.latest();
    if (period <= 0 || latest === undefined) return;
    const wait = Math.max(minWaitMs, latest.orderingTime.getTime() + period - this.now());
    this.timer = setTimeout(
      () => {
        this.renewIfDue()
          .then(() => this.schedule())
          .catch((err: unknown) => {
            this.options.logger.error({ err: (err as Error).message }, 'sealing key renewal failed');
            this.schedule(RETRY_AFTER_FAILURE_MS);
          });
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    this.timer.unref();
  }
}
