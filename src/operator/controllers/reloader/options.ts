/**
 * The reload controller's options, named after Stakater Reloader's flags
 * (`internal/pkg/options/flags.go`, `internal/pkg/util/util.go` `ConfigureReloaderFlags`)
 * with Reloader's defaults and validation messages, and the flag list the CLI maps.
 */
import { UserError } from '../../../shared/errors.js';
import { HASH_ALGORITHMS, type ReloaderHashAlgorithm } from './hash.js';

export type ReloadStrategy = 'env-vars' | 'annotations';

export interface ReloaderOptions {
  /** `--reload-strategy` (default `env-vars`). */
  reloadStrategy?: ReloadStrategy;
  /** `--auto-reload-all`: workloads without any `auto` annotation behave as `reloader.stakater.com/auto: "true"`. */
  autoReloadAll?: boolean;
  /** `--resources-to-ignore`: `configmaps` or `secrets` (case-insensitive, not both). */
  resourcesToIgnore?: readonly string[];
  /** The Helm chart's `reloader.ignoreSecrets` (= `--resources-to-ignore=secrets`). */
  ignoreSecrets?: boolean;
  /** The Helm chart's `reloader.ignoreConfigMaps` (= `--resources-to-ignore=configMaps`). */
  ignoreConfigMaps?: boolean;
  /** `--namespaces-to-ignore`: Secrets/ConfigMaps in these namespaces never trigger a reload. */
  namespacesToIgnore?: readonly string[];
  /** `--namespace-selector`: only namespaces whose labels match (`k=v`, `k:v`, `k:*`, `k`, set-based). */
  namespaceSelector?: readonly string[];
  /** `--resource-label-selector`: only Secrets/ConfigMaps whose labels match (same syntax). */
  resourceLabelSelector?: readonly string[];
  /** `--reload-on-create`: a new Secret/ConfigMap triggers a reload too. */
  reloadOnCreate?: boolean;
  /** `--reload-on-delete`: a deleted Secret/ConfigMap triggers a reload (env var removed / annotation with the empty hash). */
  reloadOnDelete?: boolean;
  /** `--sync-after-restart`: with `reloadOnCreate`, the objects listed at start count as created. */
  syncAfterRestart?: boolean;
  /** Coffer only: the hash Reloader writes — `sha1` (Reloader ≤ 1.4) or `sha512-256` (Reloader since #1073). */
  hashAlgorithm?: ReloaderHashAlgorithm;
  /** `--auto-annotation` (default `reloader.stakater.com/auto`). */
  autoAnnotation?: string;
  /** `--secret-auto-annotation` (default `secret.reloader.stakater.com/auto`). */
  secretAutoAnnotation?: string;
  /** `--configmap-auto-annotation` (default `configmap.reloader.stakater.com/auto`). */
  configmapAutoAnnotation?: string;
  /** `--secret-annotation` (default `secret.reloader.stakater.com/reload`). */
  secretAnnotation?: string;
  /** `--configmap-annotation` (default `configmap.reloader.stakater.com/reload`). */
  configmapAnnotation?: string;
  /** `--auto-search-annotation` (default `reloader.stakater.com/search`). */
  autoSearchAnnotation?: string;
  /** `--search-match-annotation` (default `reloader.stakater.com/match`). */
  searchMatchAnnotation?: string;
  /** `--ignore-annotation` (default `reloader.stakater.com/ignore`). */
  ignoreAnnotation?: string;
  /** Reloader's `SecretExcludeReloaderAnnotation` (no flag upstream). */
  secretExcludeAnnotation?: string;
  /** Reloader's `ConfigmapExcludeReloaderAnnotation` (no flag upstream). */
  configmapExcludeAnnotation?: string;
}

/** The annotation keys in effect. */
export interface ReloaderAnnotations {
  auto: string;
  secretAuto: string;
  configmapAuto: string;
  secretReload: string;
  configmapReload: string;
  search: string;
  match: string;
  ignore: string;
  secretExclude: string;
  configmapExclude: string;
}

export const DEFAULT_ANNOTATIONS: Readonly<ReloaderAnnotations> = {
  auto: 'reloader.stakater.com/auto',
  secretAuto: 'secret.reloader.stakater.com/auto',
  configmapAuto: 'configmap.reloader.stakater.com/auto',
  secretReload: 'secret.reloader.stakater.com/reload',
  configmapReload: 'configmap.reloader.stakater.com/reload',
  search: 'reloader.stakater.com/search',
  match: 'reloader.stakater.com/match',
  ignore: 'reloader.stakater.com/ignore',
  secretExclude: 'secrets.exclude.reloader.stakater.com/reload',
  configmapExclude: 'configmaps.exclude.reloader.stakater.com/reload',
};

/** The pod-template annotation of the `annotations` strategy (`constants.ReloaderAnnotationPrefix` + `LastReloadedFromAnnotation`). */
export const LAST_RELOADED_FROM_ANNOTATION = 'reloader.stakater.com/last-reloaded-from';

/** Options with defaults applied and lists validated. */
export interface ResolvedReloaderOptions {
  reloadStrategy: ReloadStrategy;
  autoReloadAll: boolean;
  watchSecrets: boolean;
  watchConfigMaps: boolean;
  namespacesToIgnore: ReadonlySet<string>;
  /** A Kubernetes label selector string, or undefined for all namespaces. */
  namespaceSelector: string | undefined;
  resourceLabelSelector: string | undefined;
  reloadOnCreate: boolean;
  reloadOnDelete: boolean;
  syncAfterRestart: boolean;
  hashAlgorithm: ReloaderHashAlgorithm;
  annotations: ReloaderAnnotations;
}

// Label keys and values as apimachinery validates them (qualified name, optional DNS prefix).
const LABEL_NAME = '[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const LABEL_KEY = `(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?${LABEL_NAME}`;
const LABEL_VALUE = `(?:${LABEL_NAME})?`;
const REQUIREMENT_RES = [
  new RegExp(`^!?${LABEL_KEY}$`),
  new RegExp(`^${LABEL_KEY}\\s*(?:=|==|!=)\\s*${LABEL_VALUE}$`),
  new RegExp(`^${LABEL_KEY}\\s+(?:in|notin)\\s*\\(\\s*${LABEL_VALUE}(?:\\s*,\\s*${LABEL_VALUE})*\\s*\\)$`),
];

/** Splits a selector at top-level commas (not inside `in (a,b)`). */
function splitRequirements(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  out.push(current.trim());
  return out;
}

/**
 * `GetNamespaceLabelSelector` / `GetResourceLabelSelector`: Reloader's legacy `key:value` and
 * `key:*` (any value) forms become `key=value` and `key` (exists), then the items are joined
 * with `,` and must parse as a Kubernetes label selector (Reloader exits otherwise).
 */
export function toLabelSelector(flag: string, items: readonly string[] | undefined): string | undefined {
  if (items === undefined || items.length === 0) return undefined;
  const converted = items.map((raw) => {
    let kv = raw.trim();
    if (kv.includes(':')) {
      const [k = '', v = ''] = kv.split(':');
      kv = v === '*' ? k : `${k}=${v}`;
    }
    if (kv.includes('=') && !kv.includes('!=') && !kv.includes('==')) {
      const [k = '', v = ''] = kv.split('=');
      if (v === '*') kv = k;
    }
    return kv;
  });
  const selector = converted.join(',');
  for (const req of splitRequirements(selector)) {
    if (!REQUIREMENT_RES.some((re) => re.test(req))) {
      throw new UserError(`invalid ${flag} ${JSON.stringify(items.join(','))}: ${JSON.stringify(req)} is not a valid label selector requirement`);
    }
  }
  return selector;
}

/** `GetIgnoredResourcesList`: case-insensitive `configmaps` or `secrets`, not both (Reloader's messages). */
function ignoredResources(options: ReloaderOptions): Set<'secrets' | 'configmaps'> {
  const out = new Set<'secrets' | 'configmaps'>();
  for (const raw of options.resourcesToIgnore ?? []) {
    const v = raw.trim().toLowerCase();
    if (v === '') continue;
    if (v !== 'secrets' && v !== 'configmaps') throw new UserError(`'resources-to-ignore' only accepts 'configmaps' or 'secrets', not '${raw}'`);
    out.add(v);
  }
  if (options.ignoreSecrets === true) out.add('secrets');
  if (options.ignoreConfigMaps === true) out.add('configmaps');
  if (out.size > 1) throw new UserError("'resources-to-ignore' only accepts 'configmaps' or 'secrets', not both");
  return out;
}

function annotationKey(flag: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  const v = value.trim();
  if (!new RegExp(`^${LABEL_KEY}$`).test(v)) throw new UserError(`invalid ${flag} ${JSON.stringify(value)}: not a valid annotation key`);
  return v;
}

/** Applies defaults and validates; throws `UserError` with a message naming the flag. */
export function resolveReloaderOptions(options: ReloaderOptions = {}): ResolvedReloaderOptions {
  const strategy = options.reloadStrategy ?? 'env-vars';
  if (strategy !== 'env-vars' && strategy !== 'annotations') {
    throw new UserError(`invalid reload-strategy ${JSON.stringify(strategy)}: must be "env-vars" or "annotations"`);
  }
  const algorithm = options.hashAlgorithm ?? 'sha1';
  if (!HASH_ALGORITHMS.includes(algorithm)) {
    throw new UserError(`invalid reload-hash-algorithm ${JSON.stringify(algorithm)}: must be one of ${HASH_ALGORITHMS.join(', ')}`);
  }
  const ignored = ignoredResources(options);
  const a = DEFAULT_ANNOTATIONS;
  return {
    reloadStrategy: strategy,
    autoReloadAll: options.autoReloadAll ?? false,
    watchSecrets: !ignored.has('secrets'),
    watchConfigMaps: !ignored.has('configmaps'),
    namespacesToIgnore: new Set((options.namespacesToIgnore ?? []).map((n) => n.trim()).filter((n) => n !== '')),
    namespaceSelector: toLabelSelector('namespace-selector', options.namespaceSelector),
    resourceLabelSelector: toLabelSelector('resource-label-selector', options.resourceLabelSelector),
    reloadOnCreate: options.reloadOnCreate ?? false,
    reloadOnDelete: options.reloadOnDelete ?? false,
    syncAfterRestart: options.syncAfterRestart ?? false,
    hashAlgorithm: algorithm,
    annotations: {
      auto: annotationKey('auto-annotation', options.autoAnnotation, a.auto),
      secretAuto: annotationKey('secret-auto-annotation', options.secretAutoAnnotation, a.secretAuto),
      configmapAuto: annotationKey('configmap-auto-annotation', options.configmapAutoAnnotation, a.configmapAuto),
      secretReload: annotationKey('secret-annotation', options.secretAnnotation, a.secretReload),
      configmapReload: annotationKey('configmap-annotation', options.configmapAnnotation, a.configmapReload),
      search: annotationKey('auto-search-annotation', options.autoSearchAnnotation, a.search),
      match: annotationKey('search-match-annotation', options.searchMatchAnnotation, a.match),
      ignore: annotationKey('ignore-annotation', options.ignoreAnnotation, a.ignore),
      secretExclude: annotationKey('secret-exclude-annotation', options.secretExcludeAnnotation, a.secretExclude),
      configmapExclude: annotationKey('configmap-exclude-annotation', options.configmapExcludeAnnotation, a.configmapExclude),
    },
  };
}

/** One CLI flag: Reloader's name, the option it sets, its kind and default. */
export interface ReloaderFlag {
  /** Reloader's flag name (without dashes); the CLI may prefix it. */
  flag: string;
  option: keyof ReloaderOptions;
  /** `list` = comma-separated (Reloader's `StringSlice`). */
  type: 'boolean' | 'string' | 'list';
  description: string;
  default?: string | boolean;
  choices?: readonly string[];
}

export const RELOADER_FLAGS: readonly ReloaderFlag[] = [
  { flag: 'reload-strategy', option: 'reloadStrategy', type: 'string', description: 'how a workload is rolled: env-vars (STAKATER_<NAME>_SECRET env var) or annotations (pod-template annotation)', default: 'env-vars', choices: ['env-vars', 'annotations'] },
  { flag: 'auto-reload-all', option: 'autoReloadAll', type: 'boolean', description: 'reload every workload that references a changed Secret/ConfigMap, annotated or not', default: false },
  { flag: 'resources-to-ignore', option: 'resourcesToIgnore', type: 'list', description: "do not watch 'configMaps' or 'secrets'", choices: ['configmaps', 'secrets'] },
  { flag: 'ignore-secrets', option: 'ignoreSecrets', type: 'boolean', description: 'do not watch Secrets (Helm value reloader.ignoreSecrets)', default: false },
  { flag: 'ignore-configmaps', option: 'ignoreConfigMaps', type: 'boolean', description: 'do not watch ConfigMaps (Helm value reloader.ignoreConfigMaps)', default: false },
  { flag: 'namespaces-to-ignore', option: 'namespacesToIgnore', type: 'list', description: 'namespaces whose Secrets/ConfigMaps never trigger a reload' },
  { flag: 'namespace-selector', option: 'namespaceSelector', type: 'list', description: 'only namespaces whose labels match (key=value, key:value, key:*)' },
  { flag: 'resource-label-selector', option: 'resourceLabelSelector', type: 'list', description: 'only Secrets/ConfigMaps whose labels match (key=value, key:value, key:*)' },
  { flag: 'reload-on-create', option: 'reloadOnCreate', type: 'boolean', description: 'a newly created Secret/ConfigMap triggers a reload', default: false },
  { flag: 'reload-on-delete', option: 'reloadOnDelete', type: 'boolean', description: 'a deleted Secret/ConfigMap triggers a reload', default: false },
  { flag: 'sync-after-restart', option: 'syncAfterRestart', type: 'boolean', description: 'with reload-on-create, treat the objects found at start as created', default: false },
  { flag: 'reload-hash-algorithm', option: 'hashAlgorithm', type: 'string', description: 'hash written to workloads: sha1 (Reloader up to 1.4) or sha512-256 (later Reloader)', default: 'sha1', choices: HASH_ALGORITHMS },
  { flag: 'auto-annotation', option: 'autoAnnotation', type: 'string', description: 'annotation to reload on any referenced Secret/ConfigMap', default: DEFAULT_ANNOTATIONS.auto },
  { flag: 'secret-auto-annotation', option: 'secretAutoAnnotation', type: 'string', description: 'annotation to reload on referenced Secrets', default: DEFAULT_ANNOTATIONS.secretAuto },
  { flag: 'configmap-auto-annotation', option: 'configmapAutoAnnotation', type: 'string', description: 'annotation to reload on referenced ConfigMaps', default: DEFAULT_ANNOTATIONS.configmapAuto },
  { flag: 'secret-annotation', option: 'secretAnnotation', type: 'string', description: 'annotation listing Secrets (regexps) to reload on', default: DEFAULT_ANNOTATIONS.secretReload },
  { flag: 'configmap-annotation', option: 'configmapAnnotation', type: 'string', description: 'annotation listing ConfigMaps (regexps) to reload on', default: DEFAULT_ANNOTATIONS.configmapReload },
  { flag: 'auto-search-annotation', option: 'autoSearchAnnotation', type: 'string', description: 'annotation to reload on Secrets/ConfigMaps carrying the match annotation', default: DEFAULT_ANNOTATIONS.search },
  { flag: 'search-match-annotation', option: 'searchMatchAnnotation', type: 'string', description: 'annotation marking Secrets/ConfigMaps for search', default: DEFAULT_ANNOTATIONS.match },
  { flag: 'ignore-annotation', option: 'ignoreAnnotation', type: 'string', description: 'annotation on a Secret/ConfigMap that stops it triggering reloads', default: DEFAULT_ANNOTATIONS.ignore },
];
