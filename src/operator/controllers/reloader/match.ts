/**
 * Reloader's decisions, as pure functions over JSON objects: which workloads a changed
 * Secret/ConfigMap reloads (`pkg/common/common.go` `ShouldReload`), which container gets the
 * env var (`internal/pkg/handler/upgrade.go` `getContainerUsingResource`), the env var's name
 * (`util.ConvertToEnvVarName`) and the `last-reloaded-from` annotation (`ReloadSource`).
 */
import type { ReloaderAnnotations } from './options.js';

export type SourceKind = 'Secret' | 'ConfigMap';

/** Reloader's `config.Type`: the env var suffix and the annotation's `type`. */
export type SourceType = 'SECRET' | 'CONFIGMAP';

export function sourceType(kind: SourceKind): SourceType {
  return kind === 'Secret' ? 'SECRET' : 'CONFIGMAP';
}

/** The Secret/ConfigMap that changed. */
export interface ReloadSource {
  kind: SourceKind;
  namespace: string;
  name: string;
  annotations: Readonly<Record<string, string>>;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name?: string };
    configMapKeyRef?: { name?: string };
  };
}

export interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: { secretRef?: { name?: string }; configMapRef?: { name?: string } }[];
  volumeMounts?: { name: string }[];
}

export interface Volume {
  name: string;
  secret?: { secretName?: string };
  configMap?: { name?: string };
  projected?: { sources?: { secret?: { name?: string }; configMap?: { name?: string } }[] };
}

export interface PodTemplate {
  metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: { containers?: Container[]; initContainers?: Container[]; volumes?: Volume[] };
}

export interface ReloadDecision {
  shouldReload: boolean;
  /** Matched through an `auto`/`search` annotation: the workload must reference the source. */
  autoReload: boolean;
}

/** Go's `strconv.ParseBool`. */
export function parseGoBool(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

/** `checkIfResourceIsExcluded`: exact names, comma-separated, trimmed. */
function excluded(name: string, list: string | undefined): boolean {
  if (list === undefined || list === '') return false;
  return list.split(',').some((item) => item.trim() === name);
}

/**
 * `^item$` for each comma item of a `reload` annotation. Go's RE2 and JavaScript agree on the
 * patterns people write here (names, `.*`, classes); an item that does not compile matches
 * nothing (Reloader would panic on it).
 */
function matchesReloadList(name: string, list: string): boolean {
  for (const raw of list.split(',')) {
    const item = raw.trim();
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${item})$`);
    } catch {
      continue;
    }
    if (re.test(name)) return true;
  }
  return false;
}

/**
 * `ShouldReload`. The workload's own annotations are read; when none of the reload, auto,
 * typed-auto or search annotations is there, the pod template's are used instead. Exclusion
 * lists are read from the workload's annotations only, as upstream.
 */
export function shouldReload(
  source: ReloadSource,
  workloadAnnotations: Readonly<Record<string, string>> | undefined,
  podAnnotations: Readonly<Record<string, string>> | undefined,
  annotations: ReloaderAnnotations,
  autoReloadAll: boolean,
): ReloadDecision {
  const no = { shouldReload: false, autoReload: false };
  if (source.annotations[annotations.ignore] === 'true') return no;
  const reloadKey = source.kind === 'Secret' ? annotations.secretReload : annotations.configmapReload;
  const typedAutoKey = source.kind === 'Secret' ? annotations.secretAuto : annotations.configmapAuto;
  const excludeKey = source.kind === 'Secret' ? annotations.secretExclude : annotations.configmapExclude;
  const own = workloadAnnotations ?? {};
  const found = [reloadKey, annotations.auto, typedAutoKey, annotations.search].some((k) => k in own);
  const chosen = found ? own : (podAnnotations ?? {});

  if (excluded(source.name, own[excludeKey])) return no;

  const autoValue = chosen[annotations.auto] ?? '';
  const typedAutoValue = chosen[typedAutoKey] ?? '';
  if (parseGoBool(autoValue) || parseGoBool(typedAutoValue) || (autoValue === '' && typedAutoValue === '' && autoReloadAll)) {
    return { shouldReload: true, autoReload: true };
  }
  if (matchesReloadList(source.name, chosen[reloadKey] ?? '')) return { shouldReload: true, autoReload: false };
  if (chosen[annotations.search] === 'true' && source.annotations[annotations.match] === 'true') return { shouldReload: true, autoReload: true };
  return no;
}

function volumeName(volumes: readonly Volume[], source: ReloadSource): string | undefined {
  for (const v of volumes) {
    if (source.kind === 'ConfigMap') {
      if (v.configMap?.name === source.name) return v.name;
      if (v.projected?.sources?.some((s) => s.configMap?.name === source.name)) return v.name;
    } else {
      if (v.secret?.secretName === source.name) return v.name;
      if (v.projected?.sources?.some((s) => s.secret?.name === source.name)) return v.name;
    }
  }
  return undefined;
}

function withVolumeMount(containers: readonly Container[], volume: string): number {
  return containers.findIndex((c) => (c.volumeMounts ?? []).some((m) => m.name === volume));
}

function withEnvReference(containers: readonly Container[], source: ReloadSource): number {
  return containers.findIndex(
    (c) =>
      (c.env ?? []).some((e) => (source.kind === 'Secret' ? e.valueFrom?.secretKeyRef?.name : e.valueFrom?.configMapKeyRef?.name) === source.name) ||
      (c.envFrom ?? []).some((e) => (source.kind === 'Secret' ? e.secretRef?.name : e.configMapRef?.name) === source.name),
  );
}

/**
 * `getContainerUsingResource`: the index (in `containers`) of the container to record the
 * reload on. A container mounting the source as a volume comes first, then one referencing it
 * in `env`/`envFrom`; a reference from an init container only selects the first container.
 * Without a reference, an explicit `reload` annotation still selects the first container,
 * `auto` selects none (the workload does not use the source).
 */
export function containerUsingSource(template: PodTemplate, source: ReloadSource, autoReload: boolean): number | undefined {
  const containers = template.spec?.containers ?? [];
  const inits = template.spec?.initContainers ?? [];
  if (containers.length === 0) return undefined;
  const volume = volumeName(template.spec?.volumes ?? [], source);
  if (volume !== undefined) {
    const i = withVolumeMount(containers, volume);
    if (i >= 0) return i;
    if (withVolumeMount(inits, volume) >= 0) return 0;
  }
  const i = withEnvReference(containers, source);
  if (i >= 0) return i;
  if (withEnvReference(inits, source) >= 0) return 0;
  return autoReload ? undefined : 0;
}

/** `ConvertToEnvVarName`: upper case, runs of other characters become one `_` after a valid one. */
export function convertToEnvVarName(text: string): string {
  let out = '';
  let lastValid = false;
  for (const ch of text.toUpperCase()) {
    if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
      out += ch;
      lastValid = true;
    } else {
      if (lastValid) out += '_';
      lastValid = false;
    }
  }
  return out;
}

/** `STAKATER_<NAME>_SECRET` / `STAKATER_<NAME>_CONFIGMAP`. */
export function envVarName(source: Pick<ReloadSource, 'kind' | 'name'>): string {
  return `STAKATER_${convertToEnvVarName(source.name)}_${sourceType(source.kind)}`;
}

/** The `last-reloaded-from` value: Go's `json.Marshal(ReloadSource)` (field order as declared, no spaces). */
export function lastReloadedFrom(source: Pick<ReloadSource, 'kind' | 'name' | 'namespace'>, hash: string, containerRefs: readonly string[], observedAtSeconds: number): string {
  return JSON.stringify({ type: sourceType(source.kind), name: source.name, namespace: source.namespace, hash, containerRefs, observedAt: observedAtSeconds });
}

/** The hash a `last-reloaded-from` value records for `source`, if it is about `source`. */
export function recordedHash(annotationValue: string | undefined, source: Pick<ReloadSource, 'kind' | 'name' | 'namespace'>): string | undefined {
  if (annotationValue === undefined) return undefined;
  try {
    const parsed = JSON.parse(annotationValue) as { type?: unknown; name?: unknown; namespace?: unknown; hash?: unknown };
    if (parsed.type === sourceType(source.kind) && parsed.name === source.name && parsed.namespace === source.namespace && typeof parsed.hash === 'string') return parsed.hash;
  } catch {
    // Not ours or hand-edited: treat as no record.
  }
  return undefined;
}
