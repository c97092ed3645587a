import { describe, expect, it } from 'vitest';
import { RELOADER_FLAGS, resolveReloaderOptions, toLabelSelector, type ReloaderOptions } from './options.js';

describe('reloader options', () => {
  it('defaults as Reloader does', () => {
    const o = resolveReloaderOptions();
    expect(o.reloadStrategy).toBe('env-vars');
    expect(o.hashAlgorithm).toBe('sha1');
    expect([o.autoReloadAll, o.reloadOnCreate, o.reloadOnDelete, o.syncAfterRestart]).toEqual([false, false, false, false]);
    expect([o.watchSecrets, o.watchConfigMaps]).toEqual([true, true]);
    expect(o.namespaceSelector).toBeUndefined();
    expect(o.annotations.auto).toBe('reloader.stakater.com/auto');
  });

  it('validates resources-to-ignore with Reloader’s messages', () => {
    expect(resolveReloaderOptions({ resourcesToIgnore: ['configMaps'] }).watchConfigMaps).toBe(false);
    expect(resolveReloaderOptions({ ignoreSecrets: true }).watchSecrets).toBe(false);
    expect(() => resolveReloaderOptions({ resourcesToIgnore: ['pods'] })).toThrow("'resources-to-ignore' only accepts 'configmaps' or 'secrets', not 'pods'");
    expect(() => resolveReloaderOptions({ resourcesToIgnore: ['secrets', 'configmaps'] })).toThrow('not both');
    expect(() => resolveReloaderOptions({ ignoreSecrets: true, ignoreConfigMaps: true })).toThrow('not both');
  });

  it('rejects unknown strategies, algorithms and annotation keys', () => {
    expect(() => resolveReloaderOptions({ reloadStrategy: 'restart' } as unknown as ReloaderOptions)).toThrow('invalid reload-strategy "restart"');
    expect(() => resolveReloaderOptions({ hashAlgorithm: 'md5' } as unknown as ReloaderOptions)).toThrow('invalid reload-hash-algorithm "md5"');
    expect(() => resolveReloaderOptions({ autoAnnotation: 'bad key!' })).toThrow('invalid auto-annotation');
    expect(resolveReloaderOptions({ autoAnnotation: 'example.com/auto' }).annotations.auto).toBe('example.com/auto');
  });

  it('converts Reloader’s legacy selector forms and refuses invalid selectors', () => {
    expect(toLabelSelector('namespace-selector', ['env:prod', 'team:*'])).toBe('env=prod,team');
    expect(toLabelSelector('namespace-selector', ['tier=*', 'a!=b', 'c in (x,y)'])).toBe('tier,a!=b,c in (x,y)');
    expect(toLabelSelector('namespace-selector', [])).toBeUndefined();
    expect(() => toLabelSelector('resource-label-selector', ['=oops'])).toThrow('invalid resource-label-selector "=oops"');
    expect(() => resolveReloaderOptions({ namespaceSelector: ['a b'] })).toThrow('is not a valid label selector requirement');
  });

  it('lists each flag once, for a real option', () => {
    const flags = RELOADER_FLAGS.map((f) => f.flag);
    expect(new Set(flags).size).toBe(flags.length);
    const sample: Required<ReloaderOptions> = resolveSample();
    for (const f of RELOADER_FLAGS) expect(Object.keys(sample)).toContain(f.option);
  });
});

function resolveSample(): Required<ReloaderOptions> {
  return {
    reloadStrategy: 'env-vars',
    autoReloadAll: false,
    resourcesToIgnore: [],
    ignoreSecrets: false,
    ignoreConfigMaps: false,
    namespacesToIgnore: [],
    namespaceSelector: [],
    resourceLabelSelector: [],
    reloadOnCreate: false,
    reloadOnDelete: false,
    syncAfterRestart: false,
    hashAlgorithm: 'sha1',
    autoAnnotation: 'a',
    secretAutoAnnotation: 'a',
    configmapAutoAnnotation: 'a',
    secretAnnotation: 'a',
    configmapAnnotation: 'a',
    autoSearchAnnotation: 'a',
    searchMatchAnnotation: 'a',
    ignoreAnnotation: 'a',
    secretExcludeAnnotation: 'a',
    configmapExcludeAnnotation: 'a',
  };
}
