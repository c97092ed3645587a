import { describe, expect, it } from 'vitest';
import { containerUsingSource, convertToEnvVarName, envVarName, lastReloadedFrom, parseGoBool, recordedHash, shouldReload, type PodTemplate, type ReloadSource } from './match.js';
import { DEFAULT_ANNOTATIONS } from './options.js';

const secret = (name: string, annotations: Record<string, string> = {}): ReloadSource => ({ kind: 'Secret', namespace: 'team-a', name, annotations });
const decide = (src: ReloadSource, own?: Record<string, string>, pod?: Record<string, string>, all = false) => shouldReload(src, own, pod, DEFAULT_ANNOTATIONS, all);

describe('shouldReload (Reloader’s ShouldReload)', () => {
  it('reloads on auto and typed auto, parsed as Go booleans', () => {
    expect(decide(secret('db'), { 'reloader.stakater.com/auto': 'true' })).toEqual({ shouldReload: true, autoReload: true });
    expect(decide(secret('db'), { 'reloader.stakater.com/auto': 'True' }).shouldReload).toBe(true);
    expect(decide(secret('db'), { 'secret.reloader.stakater.com/auto': '1' }).shouldReload).toBe(true);
    expect(decide(secret('db'), { 'configmap.reloader.stakater.com/auto': 'true' }).shouldReload).toBe(false);
    expect(decide(secret('db'), { 'reloader.stakater.com/auto': 'yes' }).shouldReload).toBe(false);
  });

  it('matches reload lists as anchored regular expressions, trimmed', () => {
    expect(decide(secret('db'), { 'secret.reloader.stakater.com/reload': 'other, db' })).toEqual({ shouldReload: true, autoReload: false });
    expect(decide(secret('db-creds'), { 'secret.reloader.stakater.com/reload': 'db-.*' }).shouldReload).toBe(true);
    expect(decide(secret('xdb'), { 'secret.reloader.stakater.com/reload': 'db' }).shouldReload).toBe(false);
    expect(decide(secret('db'), { 'configmap.reloader.stakater.com/reload': 'db' }).shouldReload).toBe(false);
    // A pattern that does not compile matches nothing instead of failing the reconcile.
    expect(decide(secret('db'), { 'secret.reloader.stakater.com/reload': '(, db' }).shouldReload).toBe(true);
  });

  it('falls back to pod-template annotations only when the workload has none of its own', () => {
    expect(decide(secret('db'), {}, { 'reloader.stakater.com/auto': 'true' }).shouldReload).toBe(true);
    expect(decide(secret('db'), { 'secret.reloader.stakater.com/reload': 'other' }, { 'reloader.stakater.com/auto': 'true' }).shouldReload).toBe(false);
  });

  it('honours ignore, exclusions, search/match and auto-reload-all', () => {
    expect(decide(secret('db', { 'reloader.stakater.com/ignore': 'true' }), { 'reloader.stakater.com/auto': 'true' }).shouldReload).toBe(false);
    expect(decide(secret('db'), { 'reloader.stakater.com/auto': 'true', 'secrets.exclude.reloader.stakater.com/reload': 'a, db' }).shouldReload).toBe(false);
    expect(decide(secret('db'), { 'reloader.stakater.com/auto': 'true', 'configmaps.exclude.reloader.stakater.com/reload': 'db' }).shouldReload).toBe(true);
    expect(decide(secret('db', { 'reloader.stakater.com/match': 'true' }), { 'reloader.stakater.com/search': 'true' })).toEqual({ shouldReload: true, autoReload: true });
    expect(decide(secret('db'), { 'reloader.stakater.com/search': 'true' }).shouldReload).toBe(false);
    expect(decide(secret('db'), {}, {}, true).shouldReload).toBe(true);
    expect(decide(secret('db'), { 'reloader.stakater.com/auto': 'false' }, {}, true).shouldReload).toBe(false);
    expect(decide(secret('db'), {}).shouldReload).toBe(false);
  });
});

describe('containerUsingSource (getContainerUsingResource)', () => {
  const template: PodTemplate = {
    spec: {
      initContainers: [{ name: 'init', envFrom: [{ secretRef: { name: 'init-only' } }], volumeMounts: [{ name: 'init-vol' }] }],
      containers: [
        { name: 'app', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'env-ref' } } }] },
        { name: 'sidecar', volumeMounts: [{ name: 'certs' }, { name: 'proj' }] },
      ],
      volumes: [
        { name: 'certs', secret: { secretName: 'tls' } },
        { name: 'proj', projected: { sources: [{ configMap: { name: 'settings' } }, { secret: { name: 'projected' } }] } },
        { name: 'init-vol', secret: { secretName: 'init-vol-secret' } },
      ],
    },
  };
  it('picks the container that mounts or references the source', () => {
    expect(containerUsingSource(template, secret('tls'), true)).toBe(1);
    expect(containerUsingSource(template, secret('projected'), true)).toBe(1);
    expect(containerUsingSource(template, { ...secret('settings'), kind: 'ConfigMap' }, true)).toBe(1);
    expect(containerUsingSource(template, secret('env-ref'), true)).toBe(0);
  });
  it('uses the first container for init-container references and explicit reload lists, none for unreferenced auto', () => {
    expect(containerUsingSource(template, secret('init-only'), true)).toBe(0);
    expect(containerUsingSource(template, secret('init-vol-secret'), true)).toBe(0);
    expect(containerUsingSource(template, secret('unused'), true)).toBeUndefined();
    expect(containerUsingSource(template, secret('unused'), false)).toBe(0);
    expect(containerUsingSource(template, { ...secret('tls'), kind: 'ConfigMap' }, true)).toBeUndefined();
  });
});

describe('env var and annotation formats', () => {
  it('converts names as ConvertToEnvVarName does', () => {
    expect(convertToEnvVarName('db-creds')).toBe('DB_CREDS');
    expect(convertToEnvVarName('my.app..config-v2')).toBe('MY_APP_CONFIG_V2');
    expect(convertToEnvVarName('-lead')).toBe('LEAD');
    expect(convertToEnvVarName('trail-')).toBe('TRAIL_');
    expect(envVarName({ kind: 'Secret', name: 'db-creds' })).toBe('STAKATER_DB_CREDS_SECRET');
    expect(envVarName({ kind: 'ConfigMap', name: 'app.settings' })).toBe('STAKATER_APP_SETTINGS_CONFIGMAP');
  });

  it('writes last-reloaded-from as Go marshals ReloadSource and reads back only its own source', () => {
    const value = lastReloadedFrom(secret('db'), 'abc', ['app'], 1700000000);
    expect(value).toBe('{"type":"SECRET","name":"db","namespace":"team-a","hash":"abc","containerRefs":["app"],"observedAt":1700000000}');
    expect(recordedHash(value, secret('db'))).toBe('abc');
    expect(recordedHash(value, secret('other'))).toBeUndefined();
    expect(recordedHash(value, { ...secret('db'), kind: 'ConfigMap' })).toBeUndefined();
    expect(recordedHash('not json', secret('db'))).toBeUndefined();
  });

  it('parses booleans as strconv.ParseBool', () => {
    expect(['1', 't', 'T', 'TRUE', 'true', 'True'].every(parseGoBool)).toBe(true);
    expect(['', 'yes', 'on', 'tRUE', undefined].some((v) => parseGoBool(v))).toBe(false);
  });
});
