import { subscribeEvents } from '../../api/index.js';
import { clientOptionsFromFlags } from '../common-flags.js';
import { defineCommand, expectArgs, fail } from '../command.js';
import { UsageError } from '../exit.js';

export const command = defineCommand({
  path: ['events', 'subscribe'],
  synopsis: 'Subscribe to events',
  sets: { format: true },
  flags: [
    { name: 'timeout', kind: 'duration', default: 0, example: 'duration', usage: 'Close the WebSocket automatically after the specified duration.' },
    {
      name: 'filter',
      kind: 'string',
      default: '',
      example: 'string',
      usage: 'Filter expression (go-bexpr) used to select events: fields data_path, operation, event_type, source_plugin_mount, namespace.',
    },
    {
      name: 'namespaces',
      kind: 'list',
      example: 'string',
      usage: 'Additional child namespaces for the subscription (accepted for compatibility; Coffer has only the root namespace).',
    },
  ],
  help: `
Usage: coffer events subscribe [-format=json] [-timeout=XYZs] [-filter=filterExpression] eventType

  Subscribe to events of the given event type (topic), which may be a glob
  pattern (with "*" treated as a wildcard). The events are sent to standard
  out, one JSON document (CloudEvents) per line. The command runs until it is
  interrupted (Ctrl-C), the -timeout passes, or the server closes the stream.

      $ coffer events subscribe 'kv-v2/*'

      $ coffer events subscribe -filter='data_path == secret/data/foo and operation != "data-write"' 'kv*'

  The token needs "read" on sys/events/subscribe/<eventType>, and receives only
  events whose data_path it may read or list (or subscribe to).`,

  async run(ctx) {
    const { ui, format, flags, args, io } = ctx;
    expectArgs(ctx, 1);
    if (format !== 'json' && format !== 'table') throw new UsageError(`events are printed as JSON: -format=${format} is not supported`);
    const eventType = (args[0] as string).trim();
    if (eventType === '') throw new UsageError('Not enough arguments (expected 1, got 0)');
    const timeoutSeconds = flags.duration('timeout');
    if (timeoutSeconds < 0) throw new UsageError('invalid value for flag -timeout: must not be negative');

    const abort = new AbortController();
    const stop = (): void => abort.abort();
    io.signals.on('SIGINT', stop);
    io.signals.on('SIGTERM', stop);
    const timer = timeoutSeconds > 0 ? setTimeout(stop, timeoutSeconds * 1000) : undefined;
    try {
      const end = await subscribeEvents(clientOptionsFromFlags(flags, io.env), eventType, {
        filter: flags.string('filter'),
        namespaces: flags.has('namespaces') ? flags.list('namespaces') : [],
        signal: abort.signal,
        onEvent: (json) => ui.out(json.trimEnd()),
      });
      if (abort.signal.aborted || end.code === 1000) return 0;
      ui.err(`Subscription closed by the server (code ${end.code})${end.reason ? `: ${end.reason}` : ''}`);
      return 2;
    } catch (err) {
      return fail(ctx, 'Error subscribing to events', err);
    } finally {
      if (timer) clearTimeout(timer);
      io.signals.off('SIGINT', stop);
      io.signals.off('SIGTERM', stop);
    }
  },
});

