import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelSelectorProblems, matchesLabelSelector, validateClusterExternalSecret, type ClusterExternalSecret } from './cluster-external-secret.js';
import { pushStatusRef, validatePushSecret, type PushSecret } from './push-secret.js';

const ps = (spec: Record<string, unknown>): PushSecret => ({ apiVersion: 'external-secrets.io/v1alpha1', kind: 'PushSecret', metadata: { name: 'p', namespace: 'n' }, spec: spec as unknown as PushSecret['spec'] });
const good = { secretStoreRefs: [{ name: 's' }], selector: { secret: { name: 'src' } }, data: [{ match: { secretKey: 'k', remoteRef: { remoteKey: 'r' } } }] };

describe('validatePushSecret', () => {
  it('accepts a valid PushSecret', () => {
    expect(validatePushSecret(ps(good))).toEqual([]);
    expect(validatePushSecret(ps({ ...good, secretStoreRefs: [{ labelSelector: { matchLabels: { a: 'b' } }, kind: 'ClusterSecretStore' }], selector: { secret: { selector: {} } } }))).toEqual([]);
  });

  it('says what is wrong', () => {
    expect(validatePushSecret(ps({ ...good, secretStoreRefs: [] }))).toEqual(['spec.secretStoreRefs: Required value: at least one store must be referenced']);
    expect(validatePushSecret(ps({ ...good, secretStoreRefs: [{}] }))).toEqual(['spec.secretStoreRefs[0]: either name or labelSelector must be set']);
    expect(validatePushSecret(ps({ ...good, selector: {} }))).toEqual(['spec.selector: exactly one of secret or generatorRef must be set']);
    expect(validatePushSecret(ps({ ...good, selector: { generatorRef: { kind: 'Password', name: 'p' } } }))).toEqual(['spec.selector.generatorRef: not supported by Coffer; push a Secret (selector.secret) instead']);
    expect(validatePushSecret(ps({ ...good, refreshInterval: 'soon' }))).toEqual(['spec.refreshInterval: Invalid value: "soon": not a duration (e.g. "1h", "30s", "0")']);
    expect(validatePushSecret(ps({ ...good, data: [good.data[0], good.data[0]] }))).toEqual(['spec.data[1].match.remoteRef: duplicate remote ref "r"']);
    expect(validatePushSecret(ps({ ...good, dataTo: [{ storeRef: { name: 's' } }] }))).toEqual(['spec.dataTo: not supported by Coffer; list the keys in spec.data']);
    expect(validatePushSecret(ps({ ...good, selector: { secret: { selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } } }))).toEqual([
      "spec.selector.secret.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
  });

  it('names a pushed ref by remote key and property', () => {
    expect(pushStatusRef({ match: { remoteRef: { remoteKey: 'a' } } })).toBe('a');
    expect(pushStatusRef({ match: { remoteRef: { remoteKey: 'a', property: 'p' } } })).toBe('a/p');
  });
});

describe('validateClusterExternalSecret', () => {
  const ces = (spec: Record<string, unknown>): ClusterExternalSecret => ({ apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', metadata: { name: 'c' }, spec: spec as unknown as ClusterExternalSecret['spec'] });
  const esSpec = { secretStoreRef: { name: 's' }, data: [{ secretKey: 'k', remoteRef: { key: 'r' } }] };
  it('checks names, selectors and the embedded ExternalSecret spec', () => {
    expect(validateClusterExternalSecret(ces({ externalSecretSpec: esSpec, namespaceSelectors: [{ matchLabels: { a: 'b' } }] }))).toEqual([]);
    expect(validateClusterExternalSecret(ces({ externalSecretSpec: { secretStoreRef: { name: 's' } }, externalSecretName: 'Bad_Name', namespaces: ['ok', 'NO'], namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }))).toEqual([
      'spec.externalSecretName: Invalid value: "Bad_Name": must be a lowercase RFC 1123 subdomain',
      'spec.namespaces[1]: Invalid value: "NO": must be a lowercase RFC 1123 label',
      'spec.namespaceSelector.matchExpressions[0].operator: Unsupported value: "Near": supported values: "In", "NotIn", "Exists", "DoesNotExist"',
      'externalSecretSpec: either data or dataFrom should be specified',
    ]);
    expect(validateClusterExternalSecret(ces({}))).toEqual(['spec.externalSecretSpec: Required value']);
  });
});

describe('matchesLabelSelector', () => {
  it('implements matchLabels and the four operators; the empty selector matches everything', () => {
    const labels = { env: 'prod', tier: 'web' };
    expect(matchesLabelSelector({}, labels)).toBe(true);
    expect(matchesLabelSelector({}, undefined)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { env: 'prod' } }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { env: 'dev' } }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'db'] }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    // Invalid selectors match nothing (and are reported by labelSelectorProblems).
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] }, labels)).toBe(false);
    expect(labelSelectorProblems({ matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] }, 's')).toHaveLength(1);
  });

  it('In and NotIn are complements for a present key; matchLabels equals a single-value In', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y', 'z')), fc.constantFrom('a', 'b', 'c'), fc.subarray(['x', 'y', 'z'], { minLength: 1 }), (labels, key, values) => {
        const inSel = matchesLabelSelector({ matchExpressions: [{ key, operator: 'In', values }] }, labels);
        const notIn = matchesLabelSelector({ matchExpressions: [{ key, operator: 'NotIn', values }] }, labels);
        if (Object.hasOwn(labels, key)) expect(inSel).toBe(!notIn);
        else expect([inSel, notIn]).toEqual([false, true]);
        const v = values[0] as string;
        expect(matchesLabelSelector({ matchLabels: { [key]: v } }, labels)).toBe(matchesLabelSelector({ matchExpressions: [{ key, operator: 'In', values: [v] }] }, labels));
      }),
    );
  });
});
