/**
 * Which generator serves which kind, and `resolveGenerator`: reading the generator object an
 * ExternalSecret's `generatorRef` names (in the ExternalSecret's namespace) and returning the
 * Generator with the object's spec.
 */
import { NotFoundError, UserError } from '../../shared/errors.js';
import { KubeRequestError, type KubeClient, type KubeObject, type ResourceRef } from '../runtime/types.js';
import type { Generator, GeneratorRef } from './types.js';

export const GENERATORS_GROUP = 'generators.external-secrets.io';
export const GENERATORS_VERSION = 'v1alpha1';
export const GENERATORS_API_VERSION = `${GENERATORS_GROUP}/${GENERATORS_VERSION}`;

export interface RegisteredGenerator {
  generator: Generator;
  resource: ResourceRef;
}

export class GeneratorRegistry {
  private readonly byKind = new Map<string, RegisteredGenerator>();

  /** Serves `generator.kind` from the namespaced resource `plural` of generators.external-secrets.io/v1alpha1. */
  register(generator: Generator, plural: string): this {
    this.byKind.set(generator.kind, {
      generator,
      resource: { group: GENERATORS_GROUP, version: GENERATORS_VERSION, plural, kind: generator.kind, namespaced: true },
    });
    return this;
  }

  get(kind: string): RegisteredGenerator | undefined {
    return this.byKind.get(kind);
  }

  kinds(): string[] {
    return [...this.byKind.keys()];
  }
}

export interface ResolvedGenerator {
  generator: Generator;
  /** The object's `spec`. */
  spec: unknown;
  object: KubeObject;
}

/** Reads the generator object `ref` in `namespace`; UserError/NotFoundError with a message naming it. */
export async function resolveGenerator(ref: GeneratorRef, namespace: string, kube: KubeClient, registry: GeneratorRegistry): Promise<ResolvedGenerator> {
  if (ref.apiVersion !== GENERATORS_API_VERSION) throw new UserError(`unsupported generator apiVersion ${JSON.stringify(ref.apiVersion)}: expected ${JSON.stringify(GENERATORS_API_VERSION)}`);
  const registered = registry.get(ref.kind);
  if (registered === undefined) throw new UserError(`unsupported generator kind ${JSON.stringify(ref.kind)} (supported: ${registry.kinds().join(', ')})`);
  if (ref.name === '') throw new UserError('generatorRef.name must not be empty');
  let object: KubeObject | null;
  try {
    object = await kube.get<KubeObject>(registered.resource, namespace, ref.name);
  } catch (err) {
    const why = err instanceof KubeRequestError ? err.message : 'request failed';
    throw new UserError(`unable to get generator ${ref.kind} "${namespace}/${ref.name}": ${why}`, { cause: err });
  }
  if (object === null) throw new NotFoundError(`generator ${ref.kind} "${namespace}/${ref.name}" not found`);
  return { generator: registered.generator, spec: object['spec'], object };
}
