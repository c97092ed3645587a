/**
 * The audit broker (Vault's `audit.Broker` + `vault/audit.go`): the device table, each
 * device's salt, and fan-out of request and response entries to every device.
 *
 * Fail closed: while at least one device is enabled, `logRequest` / `logResponse` resolve
 * only once at least one device has written the entry (Vault: success if any device
 * succeeds) and otherwise throw `AuditError` ("internal error", HTTP 500). With no device
 * enabled nothing is logged and every call resolves at once.
 *
 * Writes never serialise the server: each device has its own ordered, bounded write queue
 * (see queue.ts), so a request waits only for the first device that records its entry, and
 * a stalled device fails entries within its timeout instead of holding requests.
 *
 * Storage (behind the barrier), laid out as Vault lays it out:
 * - `core/audit`: the device table, `{"type":"audit","entries":[…]}`;
 * - `audit/<uuid>/salt`: each device's salt (a UUID string), deleted with the device.
 */
import { randomUUID } from 'node:crypto';
import { InternalError, UserError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { randomHex } from '../../shared/random.js';
import type { Storage } from '../sdk/index.js';
import { createDeviceSink, distinctOption, type DeviceDeps } from './devices/index.js';
import { createFailingSink, type AuditSink } from './devices/sink.js';
import { DEFAULT_AUDITED_HEADERS, formatAuditEntry, type AuditedHeaders, type AuditEntryType, type EntryFormatConfig } from './entry.js';
import { createHasher, generateSalt, type HashFn } from './hash.js';
import { parseDeviceSettings, type DeviceSettings } from './options.js';
import { DEFAULT_QUEUE_LIMITS, WriteQueue, type WriteQueueLimits } from './queue.js';
import type { AuditDeviceInfo, AuditDeviceStatus, AuditRequestInput, AuditResponseInput } from './types.js';

/** Thrown when no enabled device recorded an entry: the request must fail with a 500. */
export class AuditError extends InternalError {
  /** The devices that failed, by path (for the operator; never entry data). */
  readonly devices: readonly string[];

  constructor(devices: readonly string[]) {
    super('internal error');
    this.devices = devices;
  }
}

export interface AuditBrokerOptions {
  /** Storage behind the barrier, for the device table and the salts. */
  storage: Storage;
  logger: Logger;
  /** Per-device queue bounds (defaults: 10,000 entries, 32 MiB, 10 s timeout). */
  queue?: Partial<WriteQueueLimits> | undefined;
  /**
   * The request headers to audit (`sys/config/auditing/request-headers`), lowercase name →
   * `{hmac}`. Called for every entry; Vault's defaults (`correlation-id`,
   * `x-correlation-id`, raw) apply unless overridden.
   */
  auditedHeaders?: (() => AuditedHeaders) | undefined;
  /** Test seams for the file device: a custom opener, the stream behind `file_path=stdout`. */
  devices?: DeviceDeps | undefined;
  /** Storage keys (defaults: Vault's `core/audit` and `audit/`). */
  tableKey?: string | undefined;
  saltPrefix?: string | undefined;
  /** The clock for entry times. */
  now?: (() => Date) | undefined;
}

export interface EnableAuditOptions {
  type: string;
  description?: string | undefined;
  local?: boolean | undefined;
  /** Device options; values are strings (as Vault stores and lists them). */
  options?: Readonly<Record<string, string>> | undefined;
}

export interface AuditBroker {
  /** Enables a device: validates, opens, writes a probe entry, persists it with a new salt. */
  enable(path: string, options: EnableAuditOptions): Promise<void>;
  /** Disables a device and forgets its salt; false when nothing was enabled there. */
  disable(path: string): Promise<boolean>;
  /** The enabled devices, in the order they were enabled. */
  list(): AuditDeviceInfo[];
  /** On unseal: reads the table and reopens every device (a device that cannot open stays enabled and fails). */
  load(): Promise<void>;
  /** `sys/audit-hash`: `hmac-sha256:<hex>` of `input` with the device's salt. */
  hash(path: string, input: string): Promise<string>;
  /** Before the handler runs. Throws `AuditError` when devices exist and none recorded it. */
  logRequest(input: AuditRequestInput): Promise<void>;
  /** After the handler (and lease, token, wrapping). Throws `AuditError` like `logRequest`. */
  logResponse(input: AuditResponseInput): Promise<void>;
  /** SIGHUP: closes and reopens every file device (log rotation). Failures are logged. */
  reopen(): Promise<void>;
  /** On seal or shutdown: flushes what is queued (bounded) and closes every device. */
  close(): Promise<void>;
  /** Number of enabled devices (0 means requests are not audited). */
  readonly size: number;
  status(): AuditDeviceStatus[];
}

/** One row of the persisted device table. */
interface DeviceTableEntry {
  path: string;
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  uuid: string;
  accessor: string;
}

interface DeviceTable {
  type: 'audit';
  entries: DeviceTableEntry[];
}

interface Device {
  entry: DeviceTableEntry;
  hash: HashFn;
  settings: DeviceSettings;
  sink: AuditSink;
  queue: WriteQueue;
  healthy: boolean;
  lastError?: string;
}

const DEFAULT_SETTINGS: DeviceSettings = { logRaw: false, hmacAccessor: true, elideListResponses: false, prefix: '', skipTest: false };

/** How long disable/close wait for queued entries before closing a device. */
const CLOSE_DRAIN_MS = 2000;

export function createAuditBroker(options: AuditBrokerOptions): AuditBroker {
  return new Broker(options);
}

class Broker implements AuditBroker {
  private devices: readonly Device[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private readonly limits: WriteQueueLimits;
  private readonly tableKey: string;
  private readonly saltPrefix: string;
  private readonly now: () => Date;
  private lastFailureLog = 0;
  private suppressedFailures = 0;

  constructor(private readonly options: AuditBrokerOptions) {
    this.limits = { ...DEFAULT_QUEUE_LIMITS, ...definedOnly(options.queue ?? {}) };
    this.tableKey = options.tableKey ?? 'core/audit';
    this.saltPrefix = options.saltPrefix ?? 'audit/';
    this.now = options.now ?? (() => new Date());
  }

  get size(): number {
    return this.devices.length;
  }

  enable(rawPath: string, config: EnableAuditOptions): Promise<void> {
    return this.exclusive(async () => {
      const path = normalizePath(rawPath);
      for (const d of this.devices) {
        if (d.entry.path.startsWith(path) || path.startsWith(d.entry.path)) throw new UserError('path already in use');
      }
      const type = config.type.trim();
      const deviceOptions: Record<string, string> = { ...(config.options ?? {}) };
      const settings = parseDeviceSettings(deviceOptions);
      const sink = createDeviceSink(type, deviceOptions, this.options.devices);
      const distinct = distinctOption(type);
      if (distinct !== undefined) {
        const value = optionValue(deviceOptions, distinct);
        for (const d of this.devices) {
          if (d.entry.type !== type) continue;
          if (value.toLowerCase() === optionValue(d.entry.options, distinct).toLowerCase()) {
            throw new UserError(`${JSON.stringify(distinct)} ${JSON.stringify(value)} already in use on device: ${JSON.stringify(d.entry.path)}`);
          }
        }
      }

      try {
        await sink.open();
      } catch (err) {
        await sink.close().catch(() => undefined);
        const target = type === 'file' ? `path ${JSON.stringify(optionValue(deviceOptions, 'file_path'))}` : sink.description;
        throw new UserError(`${type} sink creation failed for ${target}: ${errorText(err)}`, { cause: err });
      }
      const queue = new WriteQueue(sink, this.limits);
      const entry: DeviceTableEntry = {
        path,
        type,
        description: config.description ?? '',
        options: deviceOptions,
        local: config.local ?? false,
        uuid: randomUUID(),
        accessor: `audit_${type}_${randomHex(4)}`,
      };

      // Vault writes a probe entry (with a throwaway salt) so a device that cannot record
      // is refused now, not discovered on the next request.
      if (!settings.skipTest) {
        try {
          const probe = formatAuditEntry(
            'request',
            { request: { id: randomUUID(), operation: 'update', path: 'sys/audit/test' } },
            this.formatConfig(settings, createHasher(generateSalt())),
            this.now(),
          );
          await queue.push(Buffer.from(probe, 'utf8'));
        } catch (err) {
          queue.close();
          await sink.close().catch(() => undefined);
          this.options.logger.error({ path, type, err: errorText(err) }, 'new audit device failed test');
          throw new UserError(`audit backend failed test message: ${errorText(err)}`, { cause: err });
        }
      }

      const salt = generateSalt();
      const table = this.table([...this.devices.map((d) => d.entry), entry]);
      try {
        await this.options.storage.transaction([
          { op: 'put', key: this.tableKey, value: encode(table) },
          { op: 'put', key: this.saltKey(entry.uuid), value: Buffer.from(salt, 'utf8') },
        ]);
      } catch (err) {
        queue.close();
        await sink.close().catch(() => undefined);
        throw new InternalError('failed to update audit table', { cause: err });
      }
      this.devices = [...this.devices, { entry, hash: createHasher(salt), settings, sink, queue, healthy: true }];
      this.options.logger.info({ path, type }, 'enabled audit device');
    });
  }

  disable(rawPath: string): Promise<boolean> {
    return this.exclusive(async () => {
      const path = normalizePath(rawPath);
      const device = this.devices.find((d) => d.entry.path === path);
      if (!device) return false;
      const remaining = this.devices.filter((d) => d !== device);
      try {
        await this.options.storage.transaction([
          { op: 'put', key: this.tableKey, value: encode(this.table(remaining.map((d) => d.entry))) },
          { op: 'delete', key: this.saltKey(device.entry.uuid) },
        ]);
      } catch (err) {
        throw new InternalError('failed to update audit table', { cause: err });
      }
      this.devices = remaining;
      await this.shutDown(device);
      this.options.logger.info({ path }, 'disabled audit device');
      return true;
    });
  }

  list(): AuditDeviceInfo[] {
    return this.devices.map(({ entry }) => ({
      path: entry.path,
      type: entry.type,
      description: entry.description,
      options: { ...entry.options },
      local: entry.local,
    }));
  }

  load(): Promise<void> {
    return this.exclusive(async () => {
      const previous = this.devices;
      this.devices = [];
      await Promise.all(previous.map((d) => this.shutDown(d)));

      let table: DeviceTable | null;
      try {
        const raw = await this.options.storage.get(this.tableKey);
        table = raw === null ? null : (JSON.parse(Buffer.from(raw).toString('utf8')) as DeviceTable);
      } catch (err) {
        this.options.logger.error({ err: errorText(err) }, 'failed to read audit table');
        throw new InternalError('failed to setup audit table', { cause: err });
      }
      const loaded: Device[] = [];
      for (const entry of table?.entries ?? []) {
        const saltKey = this.saltKey(entry.uuid);
        const stored = await this.options.storage.get(saltKey);
        let salt = stored === null ? '' : Buffer.from(stored).toString('utf8');
        if (salt === '') {
          salt = generateSalt();
          await this.options.storage.put(saltKey, Buffer.from(salt, 'utf8'));
        }
        let settings = DEFAULT_SETTINGS;
        let sink: AuditSink;
        try {
          settings = parseDeviceSettings(entry.options);
          sink = createDeviceSink(entry.type, entry.options, this.options.devices);
        } catch (err) {
          // Never drop a configured device silently: it stays enabled and fails, so the
          // server fails closed until an operator fixes or disables it.
          this.options.logger.error({ path: entry.path, type: entry.type, err: errorText(err) }, 'failed to create audit device');
          sink = createFailingSink(`${entry.type} device`, `invalid audit device configuration: ${errorText(err)}`);
        }
        const device: Device = { entry, hash: createHasher(salt), settings, sink, queue: new WriteQueue(sink, this.limits), healthy: true };
        try {
          await sink.open();
        } catch (err) {
          this.markFailed(device, err);
        }
        loaded.push(device);
      }
      this.devices = loaded;
      if (loaded.length > 0) this.options.logger.info({ devices: loaded.map((d) => d.entry.path) }, 'loaded audit devices');
    });
  }

  async hash(rawPath: string, input: string): Promise<string> {
    const path = normalizePath(rawPath);
    const device = this.devices.find((d) => d.entry.path === path);
    if (!device) throw new UserError(`unknown audit backend ${JSON.stringify(path)}`);
    return device.hash(input);
  }

  logRequest(input: AuditRequestInput): Promise<void> {
    return this.log('request', input);
  }

  logResponse(input: AuditResponseInput): Promise<void> {
    return this.log('response', input);
  }

  async reopen(): Promise<void> {
    await Promise.all(
      this.devices
        .filter((d) => d.entry.type === 'file')
        .map(async (d) => {
          try {
            await d.sink.reopen();
            this.options.logger.info({ path: d.entry.path }, 'reopened audit device');
          } catch (err) {
            this.markFailed(d, err);
          }
        }),
    );
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      const devices = this.devices;
      this.devices = [];
      await Promise.all(devices.map((d) => this.shutDown(d)));
    });
  }

  status(): AuditDeviceStatus[] {
    return this.devices.map((d) => ({
      path: d.entry.path,
      type: d.entry.type,
      healthy: d.healthy,
      ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
      queuedEntries: d.queue.queuedEntries,
      queuedBytes: d.queue.queuedBytes,
    }));
  }

  private async log(type: AuditEntryType, input: AuditResponseInput): Promise<void> {
    const devices = this.devices;
    if (devices.length === 0) return;
    const time = this.now();
    // Formatting and queueing are synchronous, so entries reach every device in call order.
    const attempts = devices.map((d) => this.write(d, type, input, time));
    try {
      await Promise.any(attempts);
    } catch {
      this.logAllFailed(type, devices);
      throw new AuditError(devices.map((d) => d.entry.path));
    }
  }

  private write(device: Device, type: AuditEntryType, input: AuditResponseInput, time: Date): Promise<void> {
    let line: Buffer;
    try {
      line = Buffer.from(formatAuditEntry(type, input, this.formatConfig(device.settings, device.hash), time), 'utf8');
    } catch (err) {
      this.markFailed(device, err);
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return device.queue.push(line).then(
      () => this.markHealthy(device),
      (err: unknown) => {
        this.markFailed(device, err);
        throw err;
      },
    );
  }

  private formatConfig(settings: DeviceSettings, hash: HashFn): EntryFormatConfig {
    const custom = this.options.auditedHeaders?.() ?? {};
    return {
      hash,
      logRaw: settings.logRaw,
      hmacAccessor: settings.hmacAccessor,
      elideListResponses: settings.elideListResponses,
      prefix: settings.prefix,
      auditedHeaders: { ...DEFAULT_AUDITED_HEADERS, ...custom },
    };
  }

  private markFailed(device: Device, err: unknown): void {
    const reason = errorText(err);
    if (device.healthy) {
      this.options.logger.error(
        { device: device.entry.path, type: device.entry.type, err: reason },
        'audit device failed to record an entry; requests fail unless another device records them',
      );
    }
    device.healthy = false;
    device.lastError = reason;
  }

  private markHealthy(device: Device): void {
    if (device.healthy) return;
    device.healthy = true;
    delete device.lastError;
    this.options.logger.info({ device: device.entry.path, type: device.entry.type }, 'audit device recovered');
  }

  /** One log line per second at most while every device is failing (the rest are counted). */
  private logAllFailed(type: AuditEntryType, devices: readonly Device[]): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 1000) {
      this.suppressedFailures++;
      return;
    }
    this.options.logger.error(
      {
        devices: devices.map((d) => d.entry.path),
        entry: type,
        ...(this.suppressedFailures > 0 ? { suppressed: this.suppressedFailures } : {}),
      },
      'no audit device recorded the entry; failing the request',
    );
    this.lastFailureLog = now;
    this.suppressedFailures = 0;
  }

  private async shutDown(device: Device): Promise<void> {
    await device.queue.drain(Math.min(CLOSE_DRAIN_MS, this.limits.timeoutMs));
    device.queue.close();
    // A write stuck in the kernel (a hung NFS mount, a peer that stopped reading) must not
    // hang seal or shutdown: give the close a bounded wait.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      device.sink.close().catch((err: unknown) => {
        this.options.logger.warn({ path: device.entry.path, err: errorText(err) }, 'closing audit device failed');
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_DRAIN_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  private table(entries: DeviceTableEntry[]): DeviceTable {
    return { type: 'audit', entries };
  }

  private saltKey(uuid: string): string {
    return `${this.saltPrefix}${uuid}/salt`;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.lock.then(fn, fn);
    this.lock = result.catch(() => undefined);
    return result;
  }
}

/** `sys/audit/foo` and `foo/` name the same device: no leading slash, one trailing slash. */
export function normalizePath(path: string): string {
  let p = path.trim().replace(/^\/+/, '');
  if (!p.endsWith('/')) p += '/';
  if (p === '/') throw new UserError('backend path must be specified');
  return p;
}

function optionValue(options: Readonly<Record<string, string>>, name: string): string {
  return (options[name] ?? (name === 'file_path' ? options['path'] : undefined) ?? '').trim();
}

function encode(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
