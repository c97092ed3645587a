/**
 * The `socket` audit device (Vault's `audit/backend_socket.go` + `event/sink_socket.go`).
 *
 * Options: `address` (required: `host:port`, `[v6]:port`, or a socket path for `unix`),
 * `socket_type` (`tcp` default, `tcp4`, `tcp6`, `udp`, `udp4`, `udp6`, `unix`),
 * `write_timeout` (default `"2s"`; bounds connecting and each write). The connection is
 * made on first use; a failed write reconnects and retries once, as in Vault. Each entry
 * is one line on a stream socket, one datagram over UDP. UDP cannot tell whether anything
 * was received (Vault documents the same): pair it with another device.
 */
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { createConnection, isIPv6, type Socket } from 'node:net';
import { UserError } from '../../../shared/errors.js';
import { SinkMutex, type AuditSink } from './sink.js';

export const SOCKET_TYPES = ['tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6', 'unix'] as const;
export type SocketType = (typeof SOCKET_TYPES)[number];

export const DEFAULT_WRITE_TIMEOUT_MS = 2000;

export interface SocketDeviceConfig {
  address: string;
  socketType: SocketType;
  writeTimeoutMs: number;
}

export function parseSocketOptions(options: Readonly<Record<string, string>>): SocketDeviceConfig {
  const rawAddress = options['address'];
  if (rawAddress === undefined) throw new UserError('"address" is required');
  const address = rawAddress.trim();
  if (address === '') throw new UserError('"address" cannot be empty');
  const rawType = (options['socket_type'] ?? '').trim() || 'tcp';
  if (!(SOCKET_TYPES as readonly string[]).includes(rawType)) {
    throw new UserError(`unsupported "socket_type" ${JSON.stringify(rawType)}: use one of ${SOCKET_TYPES.join(', ')}`);
  }
  const socketType = rawType as SocketType;
  if (socketType !== 'unix') parseHostPort(address);
  const rawTimeout = (options['write_timeout'] ?? '').trim();
  const writeTimeoutMs = rawTimeout === '' ? DEFAULT_WRITE_TIMEOUT_MS : parseDurationMs(rawTimeout);
  if (writeTimeoutMs <= 0) throw new UserError('unable to parse max duration: "write_timeout" must be positive');
  return { address, socketType, writeTimeoutMs };
}

export function createSocketSink(config: SocketDeviceConfig): AuditSink {
  return config.socketType.startsWith('udp') ? new DatagramSink(config) : new StreamSink(config);
}

/** `host:port` or `[v6]:port`; an empty host means localhost (as Go's net.Dial). */
export function parseHostPort(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]*):(\d+)$/.exec(address);
  const port = m?.[2] === undefined ? Number.NaN : Number.parseInt(m[2], 10);
  if (!m || m[1] === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`invalid "address" ${JSON.stringify(address)}: expected host:port`);
  }
  return { host: m[1] === '' ? 'localhost' : m[1], port };
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Vault's `parseutil.ParseDurationSecond`, in milliseconds: `"2"` is 2 s, `"500ms"`, `"1m30s"`. */
export function parseDurationMs(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number.parseFloat(text) * 1000);
  const part = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m || m[1] === undefined || m[2] === undefined) {
      throw new UserError(`unable to parse max duration: invalid duration ${JSON.stringify(text)}`);
    }
    total += Number.parseFloat(m[1]) * (UNIT_MS[m[2]] ?? 0);
    at = part.lastIndex;
  }
  return Math.round(total);
}

function describe(config: SocketDeviceConfig): string {
  return `socket ${config.socketType} ${JSON.stringify(config.address)}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** TCP and unix stream sockets. */
class StreamSink implements AuditSink {
  readonly description: string;
  private socket: Socket | null = null;
  private readonly mutex = new SinkMutex();

  constructor(private readonly config: SocketDeviceConfig) {
    this.description = describe(config);
  }

  async open(): Promise<void> {
    // Connected on first use, as in Vault.
  }

  write(lines: readonly Buffer[]): Promise<void> {
    return this.mutex.run(async () => {
      const data = lines.length === 1 && lines[0] ? lines[0] : Buffer.concat(lines);
      try {
        await this.writeOnce(data);
        return;
      } catch (first) {
        this.disconnect();
        try {
          await this.writeOnce(data);
        } catch (second) {
          throw new Error(`error writing to socket: ${message(first)}; after reconnecting: ${message(second)}`, { cause: second });
        }
      }
    });
  }

  reopen(): Promise<void> {
    return this.mutex.run(async () => {
      this.disconnect();
      await this.connect();
    });
  }

  close(): Promise<void> {
    return this.mutex.run(async () => {
      const socket = this.socket;
      this.socket = null;
      if (!socket || socket.destroyed) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.destroy();
          resolve();
        }, this.config.writeTimeoutMs);
        socket.end(() => {
          clearTimeout(timer);
          socket.destroy();
          resolve();
        });
      });
    });
  }

  private disconnect(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): Promise<Socket> {
    const existing = this.socket;
    if (existing && !existing.destroyed) return Promise.resolve(existing);
    const { socketType, address, writeTimeoutMs } = this.config;
    return new Promise<Socket>((resolve, reject) => {
      let socket: Socket;
      if (socketType === 'unix') {
        socket = createConnection({ path: address });
      } else {
        const { host, port } = parseHostPort(address);
        const family = socketType === 'tcp4' ? 4 : socketType === 'tcp6' ? 6 : 0;
        socket = createConnection({ host, port, ...(family ? { family } : {}) });
      }
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`error connecting to ${JSON.stringify(socketType)} address ${JSON.stringify(address)}: timed out after ${writeTimeoutMs}ms`));
      }, writeTimeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`error connecting to ${JSON.stringify(socketType)} address ${JSON.stringify(address)}: ${err.message}`, { cause: err }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        // Later errors (peer reset…) only drop the connection; the next write reconnects.
        socket.on('error', () => {
          if (this.socket === socket) this.socket = null;
          socket.destroy();
        });
        socket.on('close', () => {
          if (this.socket === socket) this.socket = null;
        });
        // The audit server is not expected to talk back; do not buffer what it sends.
        socket.resume();
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private async writeOnce(data: Buffer): Promise<void> {
    const socket = await this.connect();
    const timeoutMs = this.config.writeTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.socket === socket) this.socket = null;
        socket.destroy();
        reject(new Error(`unable to write to socket: timed out after ${timeoutMs}ms`));
      }, timeoutMs);
      socket.write(data, (err) => {
        clearTimeout(timer);
        if (err) reject(new Error(`unable to write to socket: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }
}

/** UDP: one datagram per entry. */
class DatagramSink implements AuditSink {
  readonly description: string;
  private socket: DgramSocket | null = null;
  private readonly mutex = new SinkMutex();

  constructor(private readonly config: SocketDeviceConfig) {
    this.description = describe(config);
  }

  async open(): Promise<void> {
    // Connected on first use, as in Vault.
  }

  write(lines: readonly Buffer[]): Promise<void> {
    return this.mutex.run(async () => {
      const progress = { sent: 0 };
      try {
        await this.sendAll(lines, progress);
      } catch (first) {
        this.disconnect();
        try {
          await this.sendAll(lines, progress);
        } catch (second) {
          throw new Error(`error writing to socket: ${message(first)}; after reconnecting: ${message(second)}`, { cause: second });
        }
      }
    });
  }

  reopen(): Promise<void> {
    return this.mutex.run(async () => {
      this.disconnect();
      await this.connect();
    });
  }

  close(): Promise<void> {
    return this.mutex.run(async () => this.disconnect());
  }

  private disconnect(): void {
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
  }

  private connect(): Promise<DgramSocket> {
    if (this.socket) return Promise.resolve(this.socket);
    const { host, port } = parseHostPort(this.config.address);
    const type = this.config.socketType === 'udp6' || (this.config.socketType === 'udp' && isIPv6(host)) ? 'udp6' : 'udp4';
    return new Promise<DgramSocket>((resolve, reject) => {
      const socket = createSocket(type);
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`error connecting to ${JSON.stringify(this.config.socketType)} address ${JSON.stringify(this.config.address)}: timed out`));
      }, this.config.writeTimeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.close();
        reject(new Error(`error connecting to ${JSON.stringify(this.config.socketType)} address ${JSON.stringify(this.config.address)}: ${err.message}`, { cause: err }));
      };
      socket.once('error', onError);
      socket.connect(port, host, () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.on('error', () => {
          if (this.socket === socket) this.disconnect();
        });
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private async sendAll(lines: readonly Buffer[], progress: { sent: number }): Promise<void> {
    const socket = await this.connect();
    for (; progress.sent < lines.length; progress.sent++) {
      const line = lines[progress.sent];
      if (line === undefined) break;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`unable to write to socket: timed out after ${this.config.writeTimeoutMs}ms`)), this.config.writeTimeoutMs);
        socket.send(line, (err) => {
          clearTimeout(timer);
          if (err) reject(new Error(`unable to write to socket: ${err.message}`, { cause: err }));
          else resolve();
        });
      });
    }
  }
}
