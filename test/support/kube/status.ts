/**
 * `metav1.Status` failures, built the way the apiserver builds them
 * (k8s.io/apimachinery/pkg/api/errors), thrown as `KubeStatusError` inside the server and
 * rendered as the response body with `status.code` as the HTTP status.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class KubeStatusError extends Error {
  readonly status: StatusObject;

  constructor(status: StatusObject) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'KubeStatusError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

/** What a resource is called in messages: `configmaps`, `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): KubeStatusError {
  return new KubeStatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details !== undefined ? { details } : {}),
    code,
  });
}

function detailsFor(gr: GroupResource, name: string): StatusDetails {
  return { name, ...(gr.group !== '' ? { group: gr.group } : {}), kind: gr.resource };
}

export function successStatus(details?: StatusDetails): StatusObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}), code: 200 };
}

export const statusErrors = {
  notFound(gr: GroupResource, name: string): KubeStatusError {
    return failure(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, detailsFor(gr, name));
  },
  routeNotFound(): KubeStatusError {
    return failure(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  alreadyExists(gr: GroupResource, name: string): KubeStatusError {
    return failure(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, detailsFor(gr, name));
  },
  conflict(gr: GroupResource, name: string, why: string): KubeStatusError {
    return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, detailsFor(gr, name));
  },
  staleResourceVersion(gr: GroupResource, name: string): KubeStatusError {
    return statusErrors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
  },
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): KubeStatusError {
    const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
    // field.ErrorList.ToAggregate: duplicates dropped; several errors print as `[a, b]`.
    const messages = [...new Set(causes.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`))];
    const summary = messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
    const message = messages.length === 0 ? `${qualifiedKind} "${name}" is invalid` : `${qualifiedKind} "${name}" is invalid: ${summary}`;
    return failure(422, 'Invalid', message, {
      name,
      ...(group !== '' ? { group } : {}),
      kind,
      causes,
    });
  },
  badRequest(message: string): KubeStatusError {
    return failure(400, 'BadRequest', message);
  },
  /** 422 without a named object (a JSON patch that cannot apply). */
  unprocessable(message: string): KubeStatusError {
    return failure(422, 'Invalid', message);
  },
  unauthorized(): KubeStatusError {
    return failure(401, 'Unauthorized', 'Unauthorized');
  },
  forbidden(username: string, verb: string, gr: GroupResource, name: string | undefined, namespace: string | undefined): KubeStatusError {
    const what = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
    const where = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    return failure(
      403,
      'Forbidden',
      `${what} is forbidden: User "${username}" cannot ${verb} resource "${gr.resource}" in API group "${gr.group}"${where}`,
      { ...(name ? { name } : {}), ...(gr.group !== '' ? { group: gr.group } : {}), kind: gr.resource },
    );
  },
  forbiddenMessage(gr: GroupResource, name: string, why: string): KubeStatusError {
    return failure(403, 'Forbidden', `${qualifiedResource(gr)} "${name}" is forbidden: ${why}`, detailsFor(gr, name));
  },
  methodNotAllowed(): KubeStatusError {
    return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  },
  unsupportedMediaType(contentType: string): KubeStatusError {
    return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`);
  },
  gone(message: string): KubeStatusError {
    return failure(410, 'Expired', message);
  },
  internal(message: string): KubeStatusError {
    return failure(500, 'InternalError', `Internal error occurred: ${message}`);
  },
};
