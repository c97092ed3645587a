/**
 * `Provider.subscribe` for the vault provider: one event stream per store identity, logged in
 * like the store's reads (same token cache), reporting changed KV paths as the client's
 * `canonicalPath` names them. Resolves once the stream is open, `undefined` when the server has
 * no event stream for this token, and rejects when it cannot be reached (the caller backs off).
 */
import type { ChangeFeedHandlers, ChangeSubscription } from '../types.js';
import { openVaultEventStream, type VaultEventStreamOptions } from './events.js';

/** Where and as whom to subscribe (what the provider resolves from the store spec). */
export type VaultStreamTarget = Omit<VaultEventStreamOptions, 'eventType' | 'token'>;

export function subscribeToVaultEvents(target: VaultStreamTarget & { token: string }, handlers: ChangeFeedHandlers): Promise<ChangeSubscription | undefined> {
  return new Promise((resolve, reject) => {
    let opened = false;
    const stream = openVaultEventStream(
      { ...target, eventType: 'kv*' },
      {
        onOpen() {
          opened = true;
          resolve({ close: () => stream.close() });
          handlers.onReady();
        },
        onEvent(path) {
          handlers.onChange(path);
        },
        onClose(info) {
          if (!opened) {
            if (info.unsupported) resolve(undefined);
            else reject(new Error(info.reason));
            return;
          }
          handlers.onLost(new Error(info.reason));
        },
      },
    );
  });
}
