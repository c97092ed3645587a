/**
 * KV events, as Vault's kv plugin sends them (`kvEvent`): type `kv-v<N>/<operation>`,
 * metadata `modified`, `operation`, `path` and — when there is data to fetch afterwards —
 * `data_path`, plus `current_version`/`oldest_version` on v2 key events. Paths are relative
 * to the mount (the server prefixes it). Never the secret's values.
 */
import type { SystemView } from '../../sdk/index.js';

export type KvEmit = (operation: string, metadata: KvEventMetadata) => void;

export interface KvEventMetadata {
  path: string;
  /** Omitted for removals: there is nothing left to read. */
  dataPath?: string;
  extra?: Readonly<Record<string, string>>;
}

/** No events (tests, or a system view without an event bus). */
export const noKvEvents: KvEmit = () => undefined;

export function kvEmitter(system: SystemView | undefined, kvVersion: 1 | 2): KvEmit {
  const send = system?.sendEvent;
  if (!send) return noKvEvents;
  return (operation, { path, dataPath, extra }) => {
    send.call(system, `kv-v${kvVersion}/${operation}`, {
      ...extra,
      modified: 'true',
      operation,
      path,
      ...(dataPath !== undefined ? { data_path: dataPath } : {}),
    });
  };
}

/** `current_version` and `oldest_version` of a v2 key, as strings. */
export function versionInfo(meta: { current_version: number; oldest_version: number }): Record<string, string> {
  return { current_version: String(meta.current_version), oldest_version: String(meta.oldest_version) };
}
