/**
 * The JSON form of an event (`?json=true`), byte-compatible with what Vault's eventlogger
 * CloudEvents formatter writes: field order, `type: "*"`, `source`, and Vault's misspelt
 * `datacontentype` (clients written against Vault read that key). `datacontenttype`, the
 * CloudEvents attribute name, is added after it for spec-following consumers.
 */
import type { EventRecord } from './bus.js';

export const EVENT_SOURCE = 'https://vaultproject.io/';
export const EVENT_CONTENT_TYPE = 'application/cloudevents';

export interface CloudEvent {
  id: string;
  source: string;
  specversion: '1.0';
  type: '*';
  data: {
    event: { id: string; metadata: Record<string, string> };
    event_type: string;
    plugin_info?: { mount_class: string; mount_accessor: string; mount_path: string; plugin: string; version?: string };
  };
  datacontentype: string;
  datacontenttype: string;
  time: string;
}

export function toCloudEvent(event: EventRecord): CloudEvent {
  // Sorted keys, as Vault renders the metadata struct.
  const metadata: Record<string, string> = {};
  for (const key of Object.keys(event.metadata).sort()) metadata[key] = event.metadata[key] as string;
  const info = event.pluginInfo;
  return {
    id: event.id,
    source: EVENT_SOURCE,
    specversion: '1.0',
    type: '*',
    data: {
      event: { id: event.id, metadata },
      event_type: event.eventType,
      ...(info
        ? {
            plugin_info: {
              mount_class: info.mountClass,
              mount_accessor: info.mountAccessor,
              mount_path: info.mountPath,
              plugin: info.plugin,
              ...(info.version ? { version: info.version } : {}),
            },
          }
        : {}),
    },
    datacontentype: EVENT_CONTENT_TYPE,
    datacontenttype: EVENT_CONTENT_TYPE,
    time: event.time,
  };
}

/** One WebSocket text message. */
export function formatCloudEvent(event: EventRecord): string {
  return JSON.stringify(toCloudEvent(event));
}
