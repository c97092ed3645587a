/**
 * Renders a pipeline result as Vault's HTTP response: raw JSON, 204, 404, or the standard
 * envelope (every key present, nulls written out).
 */
import { envelopeBody, type PipelineResult } from '../core/index.js';

export interface HttpReply {
  status: number;
  /** Serialised JSON (or text/bytes, with `contentType`), or null for an empty body. */
  body: string | Uint8Array | null;
  /** Set only for raw responses that are not JSON (Prometheus metrics, PEM/DER certificates). */
  contentType?: string;
}

/** Routes whose `data` keys Vault also copies to the top level (`injectDataIntoTopRoutes`). */
const INJECTED_EXACT = new Set([
  'sys/audit',
  'sys/auth',
  'sys/capabilities',
  'sys/capabilities-self',
  'sys/capabilities-accessor',
  'sys/config/cors',
  'sys/config/auditing/request-headers',
  'sys/ha-status',
  'sys/key-status',
  'sys/mounts',
  'sys/policy',
  'sys/rekey/backup',
  'sys/rekey/recovery-key-backup',
  'sys/remount',
  'sys/rotate',
  'sys/wrapping/wrap',
]);
const INJECTED_PREFIXES = ['sys/audit/', 'sys/audit-hash/', 'sys/auth/', 'sys/config/auditing/request-headers/', 'sys/mounts/', 'sys/policy/'];

export function injectsData(path: string): boolean {
  const p = path.replace(/\/+$/, '');
  return INJECTED_EXACT.has(p) || INJECTED_PREFIXES.some((prefix) => p.startsWith(prefix));
}

const EMPTY_ERRORS = JSON.stringify({ errors: [] });

export function renderResult(result: PipelineResult, path: string): HttpReply {
  const resp = result.response;
  if (resp?.raw) {
    const { status, body, contentType } = resp.raw;
    if (contentType && (typeof body === 'string' || body instanceof Uint8Array)) return { status, body, contentType };
    return { status, body: JSON.stringify(body) };
  }

  const op = result.operation;
  if (resp === null) {
    return op === 'read' || op === 'list' ? { status: 404, body: EMPTY_ERRORS } : { status: 204, body: null };
  }
  const hasWarnings = (resp.warnings?.length ?? 0) > 0;
  if (op === 'list' && !hasWarnings) {
    const data = resp.data ?? {};
    const keys = data['keys'];
    const otherKeys = Object.keys(data).filter((k) => k !== 'keys');
    if ((!Array.isArray(keys) || keys.length === 0) && otherKeys.length === 0) return { status: 404, body: EMPTY_ERRORS };
  }
  const hasData = resp.data !== undefined && resp.data !== null;
  if (!hasData && !hasWarnings && !resp.auth && resp.leaseDuration === undefined && resp.leaseId === undefined && resp.httpStatus === undefined) {
    return op === 'read' ? { status: 404, body: EMPTY_ERRORS } : { status: 204, body: null };
  }
  const envelope = envelopeBody(result.requestId, resp, result.mountType);
  if (hasData && injectsData(path)) {
    for (const [k, v] of Object.entries(resp.data as Record<string, unknown>)) {
      if (!(k in envelope)) envelope[k] = v;
    }
  }
  return { status: resp.httpStatus ?? 200, body: JSON.stringify(envelope) };
}
