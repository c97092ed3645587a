import { describe, expect, it } from 'vitest';
import type { ExternalSecret, ExternalSecretTemplate } from '../../apis/external-secrets/index.js';
import { applyTemplate, type DesiredSecret } from './template.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const texts = (d: Record<string, Uint8Array>): Record<string, string> => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, new TextDecoder().decode(v)]));
const es = (template: ExternalSecretTemplate | undefined): ExternalSecret => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'e', namespace: 'n', labels: { fromEs: 'yes' } },
  spec: { target: template !== undefined ? { template } : {} },
});
const fresh = (): DesiredSecret => ({ labels: {}, annotations: {}, data: {} });
const provider = { user: enc('app'), pass: enc('pw') };
const noSource = (): Promise<Record<string, string>> => Promise.reject(new Error('no source expected'));

describe('applyTemplate', () => {
  it('without a template copies the data and the ExternalSecret labels', async () => {
    const out = await applyTemplate(es(undefined), fresh(), provider, noSource);
    expect(texts(out.data)).toEqual({ user: 'app', pass: 'pw' });
    expect(out.labels).toEqual({ fromEs: 'yes' });
  });

  it('applies templateFrom first, template.data last (it wins), then labels and annotations', async () => {
    const template: ExternalSecretTemplate = {
      type: 'kubernetes.io/basic-auth',
      templateFrom: [
        { literal: 'username: "{{ .user }}"\nconf: from-literal' },
        { configMap: { name: 'cm', items: [{ key: 'conf', templateAs: 'Values' }] } },
        { literal: 'team: "{{ .user }}"', target: 'Labels' },
      ],
      data: { conf: 'inline {{ .pass }}' },
      metadata: { annotations: { who: '{{ .user }}' } },
    };
    const out = await applyTemplate(es(template), fresh(), provider, (kind, name) => {
      expect([kind, name]).toEqual(['ConfigMap', 'cm']);
      return Promise.resolve({ conf: 'from-configmap {{ .user }}' });
    });
    expect(out.type).toBe('kubernetes.io/basic-auth');
    expect(texts(out.data)).toEqual({ username: 'app', conf: 'inline pw' });
    expect(out.labels).toEqual({ team: 'app' });
    expect(out.annotations).toEqual({ who: 'app' });
  });

  it('mergePolicy Merge keeps raw provider keys under the templated ones; a metadata-only template keeps the data', async () => {
    const merged = await applyTemplate(es({ mergePolicy: 'Merge', data: { user: '{{ .user | upper }}' } }), fresh(), provider, noSource);
    expect(texts(merged.data)).toEqual({ user: 'APP', pass: 'pw' });
    const metaOnly = await applyTemplate(es({ metadata: { labels: { a: 'b' } } }), fresh(), provider, noSource);
    expect(texts(metaOnly.data)).toEqual({ user: 'app', pass: 'pw' });
    expect(metaOnly.labels).toEqual({ a: 'b' });
  });

  it('fails on a missing key without putting values in the message', async () => {
    await expect(applyTemplate(es({ data: { x: '{{ .nope }}' } }), fresh(), provider, noSource)).rejects.toThrow(/unable to execute template at key x/);
    await expect(applyTemplate(es({ data: { x: '{{ .nope }}' } }), fresh(), provider, noSource)).rejects.not.toThrow(/pw/);
  });
});
