/** The device types Coffer offers: Vault's `file` and `socket` (not `syslog`). */
import { UserError } from '../../../shared/errors.js';
import { createFileSink, parseFileOptions, type FileSinkDeps } from './file.js';
import type { AuditSink } from './sink.js';
import { createSocketSink, parseSocketOptions } from './socket.js';

export const DEVICE_TYPES = ['file', 'socket'] as const;

export type DeviceDeps = FileSinkDeps;

/** Validates a device's type-specific options and builds its sink (not yet opened). */
export function createDeviceSink(type: string, options: Readonly<Record<string, string>>, deps: DeviceDeps = {}): AuditSink {
  switch (type) {
    case 'file':
      return createFileSink(parseFileOptions(options), deps);
    case 'socket':
      return createSocketSink(parseSocketOptions(options));
    case 'syslog':
      throw new UserError('audit device type "syslog" is not supported by Coffer; use "file" (file_path=stdout under a log collector) or "socket"');
    default:
      throw new UserError(`unknown backend type: ${JSON.stringify(type)}`);
  }
}

/**
 * The option that must differ between two devices of one type (Vault's `IsDistinct`):
 * two devices writing one file, or one socket, would interleave.
 */
export function distinctOption(type: string): string | undefined {
  if (type === 'file') return 'file_path';
  if (type === 'socket') return 'address';
  return undefined;
}
