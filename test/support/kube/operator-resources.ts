/**
 * What the operator runtime needs from the test server beyond the core set: `coordination.k8s.io/v1`
 * Leases (leader election) and core `v1` Events (the event recorder), with the validation of
 * their registry strategies that a client can trip over.
 *
 * ```ts
 * const kube = await start();
 * registerOperatorResources(kube);
 * ```
 */
import type { KubeTestServer } from './server.js';
import { statusErrors, type StatusCause } from './status.js';
import type { KubeObject, ResourceType } from './types.js';

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const MICRO_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export const leasesType: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  kind: 'Lease',
  namespaced: true,
  prepare(obj: KubeObject) {
    const spec = asRecord(obj['spec']);
    const causes: StatusCause[] = [];
    const duration = spec['leaseDurationSeconds'];
    if (duration !== undefined && (typeof duration !== 'number' || !Number.isInteger(duration) || duration <= 0)) {
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.leaseDurationSeconds', message: 'Invalid value: must be greater than 0' });
    }
    const transitions = spec['leaseTransitions'];
    if (transitions !== undefined && (typeof transitions !== 'number' || transitions < 0)) {
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.leaseTransitions', message: 'Invalid value: must be greater than or equal to 0' });
    }
    for (const f of ['acquireTime', 'renewTime']) {
      const v = spec[f];
      if (v !== undefined && (typeof v !== 'string' || !MICRO_TIME_RE.test(v))) causes.push({ reason: 'FieldValueInvalid', field: `spec.${f}`, message: 'Invalid value: must be an RFC 3339 time' });
    }
    if (causes.length > 0) throw statusErrors.invalid('Lease', 'coordination.k8s.io', obj.metadata.name ?? '', causes);
  },
};

export const eventsType: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'events',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  selectableFields: (obj) => {
    const involved = asRecord(obj['involvedObject']);
    return {
      'involvedObject.kind': String(involved['kind'] ?? ''),
      'involvedObject.name': String(involved['name'] ?? ''),
      'involvedObject.namespace': String(involved['namespace'] ?? ''),
      'involvedObject.uid': String(involved['uid'] ?? ''),
      reason: String(obj['reason'] ?? ''),
      type: String(obj['type'] ?? ''),
    };
  },
  prepare(obj: KubeObject) {
    const causes: StatusCause[] = [];
    const involved = asRecord(obj['involvedObject']);
    if (typeof involved['kind'] !== 'string' || involved['kind'] === '') causes.push({ reason: 'FieldValueRequired', field: 'involvedObject.kind', message: 'Required value' });
    if (typeof involved['name'] !== 'string' || involved['name'] === '') causes.push({ reason: 'FieldValueRequired', field: 'involvedObject.name', message: 'Required value' });
    // The apiserver requires an Event to sit in its object's namespace.
    if (typeof involved['namespace'] === 'string' && involved['namespace'] !== '' && involved['namespace'] !== obj.metadata.namespace) {
      causes.push({ reason: 'FieldValueInvalid', field: 'involvedObject.namespace', message: 'Invalid value: does not match event.namespace' });
    }
    const type = obj['type'];
    if (type !== undefined && type !== 'Normal' && type !== 'Warning') causes.push({ reason: 'FieldValueNotSupported', field: 'type', message: 'Unsupported value: supported values: "Normal", "Warning"' });
    if (causes.length > 0) throw statusErrors.invalid('Event', '', obj.metadata.name ?? '', causes);
  },
};

/** Serves Leases and Events on the test server (idempotent). */
export function registerOperatorResources(kube: KubeTestServer): void {
  if (kube.store.resolve('coordination.k8s.io', 'v1', 'leases') === undefined) kube.store.register(leasesType);
  if (kube.store.resolve('', 'v1', 'events') === undefined) kube.store.register(eventsType);
}
