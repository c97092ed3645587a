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

describe('applyTemplate with ESO functions and binary values', () => {
  it('takes templateFrom targets case-insensitively', async () => {
    const out = await applyTemplate(es({ templateFrom: [{ literal: 'team: "{{ .user }}"', target: 'labels' }, { literal: 'note: x', target: 'ANNOTATIONS' }] }), fresh(), provider, noSource);
    expect(out.labels).toEqual({ team: 'app' });
    expect(out.annotations).toEqual({ note: 'x' });
  });

  it('keeps binary provider values byte for byte through the template and b64enc/b64dec', async () => {
    const bin = Uint8Array.from([0x30, 0x82, 0xff, 0x00, 0xc3, 0x28, 0xfe]);
    const out = await applyTemplate(es({ data: { raw: '{{ .bin }}', b64: '{{ .bin | b64enc }}', back: '{{ .bin | b64enc | b64dec }}' } }), fresh(), { bin }, noSource);
    expect(Buffer.from(out.data['raw'] ?? new Uint8Array())).toEqual(Buffer.from(bin));
    expect(new TextDecoder().decode(out.data['b64'])).toBe(Buffer.from(bin).toString('base64'));
    expect(Buffer.from(out.data['back'] ?? new Uint8Array())).toEqual(Buffer.from(bin));
  });

  it('exposes ESO functions (filterCertChain, pemToPkcs12 …) to templates', async () => {
    await expect(applyTemplate(es({ data: { leaf: '{{ .pem | filterCertChain "leaf" }}' } }), fresh(), { pem: enc('not a pem') }, noSource)).rejects.toThrow(/no leaf certificate found|unable to execute template at key leaf/);
  });
});
