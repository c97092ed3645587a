/**
 * The plain manifests in deploy/manifests/ and the CRDs in deploy/crds/: well-formed objects,
 * an operator Deployment that meets the `restricted` Pod Security Standard, RBAC without
 * wildcards, container args that `coffer operator run` / `coffer server` accept, and a server
 * config the server's own parser takes. The Helm templates are not rendered (no helm here);
 * the chart's crds/ copies are checked to match deploy/crds/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { command as operatorRun } from '../../src/cli/commands/operator-run.js';
import { command as serverCommand } from '../../src/cli/commands/server.js';
import { parseFlags, type FlagSpec } from '../../src/cli/flags.js';
import { parseServerConfig } from '../../src/server/config/server-config.js';

type Obj = Record<string, any>;

const deployDir = fileURLToPath(new URL('../../deploy/', import.meta.url));
const yamlFiles = (dir: string): string[] =>
  readdirSync(deployDir + dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `${dir}/${f}`);

function loadDocs(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(deployDir + file, 'utf8'));
  return docs.map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Obj;
  });
}

const manifestFiles = yamlFiles('manifests');
const crdFiles = yamlFiles('crds');
const objects = [...manifestFiles, ...crdFiles].flatMap((file) => loadDocs(file).map((obj) => ({ file, obj })));
const manifests = objects.filter((o) => o.file.startsWith('manifests/')).map((o) => o.obj);
const ofKind = (kind: string): Obj[] => manifests.filter((o) => o.kind === kind);
const one = (kind: string, name: string): Obj => {
  const found = manifests.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
};

const API_VERSION = /^(?:v1|[a-z0-9]+(?:[.-][a-z0-9]+)*\.[a-z]+\/v\d+(?:(?:alpha|beta)\d+)?|apps\/v1)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
const KNOWN_KINDS: Readonly<Record<string, string>> = {
  Namespace: 'v1',
  ServiceAccount: 'v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  CustomResourceDefinition: 'apiextensions.k8s.io/v1',
};

/** The flag names (and aliases) a command accepts. */
const flagNames = (flags: readonly FlagSpec[] | undefined): Set<string> => new Set((flags ?? []).flatMap((f) => [f.name, ...(f.aliases ?? [])]));
const flagName = (arg: string): string => arg.replace(/^--?/, '').split('=')[0] ?? '';

describe('deploy/ YAML', () => {
  it('finds the manifests and the CRDs', () => {
    expect(manifestFiles).toEqual(expect.arrayContaining(['manifests/operator.yaml', 'manifests/external-secrets.yaml', 'manifests/server.yaml']));
    expect(crdFiles).toHaveLength(7);
  });

  it('has well-formed kinds, apiVersions, names and namespaces', () => {
    for (const { file, obj } of objects) {
      const where = `${file}: ${String(obj.kind)}/${String(obj.metadata?.name)}`;
      expect(typeof obj.kind, where).toBe('string');
      expect(obj.apiVersion, where).toMatch(API_VERSION);
      expect(KNOWN_KINDS[obj.kind], where).toBe(obj.apiVersion);
      expect(obj.metadata.name, where).toMatch(DNS_SUBDOMAIN);
      expect(obj.metadata.name.length, where).toBeLessThanOrEqual(253);
      if (CLUSTER_SCOPED.has(obj.kind)) expect(obj.metadata.namespace, where).toBeUndefined();
      else expect(obj.metadata.namespace, where).toMatch(DNS_SUBDOMAIN);
    }
  });

  it('has no duplicate objects', () => {
    const keys = objects.map(({ obj }) => `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has CRDs whose name is <plural>.<group>', () => {
    for (const { obj } of objects.filter((o) => o.obj.kind === 'CustomResourceDefinition')) {
      expect(obj.metadata.name).toBe(`${obj.spec.names.plural}.${obj.spec.group}`);
    }
  });
});

describe('workloads meet the restricted Pod Security Standard', () => {
  const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet')];

  it('covers the operator Deployment and the server StatefulSet', () => {
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['coffer-operator', 'coffer-server']);
  });

  for (const w of workloads) {
    it(`${w.kind} ${w.metadata.name}`, () => {
      const pod = w.spec.template.spec as Obj;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.hostPID ?? false).toBe(false);
      expect(pod.hostIPC ?? false).toBe(false);
      for (const v of pod.volumes ?? []) expect(v.hostPath, v.name).toBeUndefined();
      for (const c of [...(pod.initContainers ?? []), ...pod.containers] as Obj[]) {
        const sc = c.securityContext as Obj;
        expect(sc.allowPrivilegeEscalation, c.name).toBe(false);
        expect(sc.readOnlyRootFilesystem, c.name).toBe(true);
        expect(sc.privileged ?? false, c.name).toBe(false);
        expect(sc.capabilities).toEqual({ drop: ['ALL'] });
        expect(sc.runAsNonRoot ?? pod.securityContext.runAsNonRoot).toBe(true);
        expect(sc.runAsUser ?? pod.securityContext.runAsUser).toBeGreaterThan(0);
        expect(sc.seccompProfile ?? pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
        expect(c.image).toBe('ghcr.io/coffer/coffer:0.1.0');
      }
      expect(w.spec.selector.matchLabels).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': w.metadata.name }));
      expect(w.spec.template.metadata.labels).toEqual(expect.objectContaining(w.spec.selector.matchLabels));
    });
  }
});

describe('RBAC', () => {
  const roles = [...ofKind('ClusterRole'), ...ofKind('Role')];

  it('grants no wildcard verbs, resources or API groups', () => {
    expect(roles.length).toBeGreaterThanOrEqual(5);
    for (const role of roles) {
      for (const rule of role.rules as Obj[]) {
        for (const field of ['verbs', 'resources', 'apiGroups', 'resourceNames']) {
          for (const value of (rule[field] ?? []) as string[]) expect(value, `${role.metadata.name}.${field}`).not.toContain('*');
        }
        expect(rule.nonResourceURLs, role.metadata.name).toBeUndefined();
      }
    }
  });

  it('never lets the operator escalate, impersonate or touch RBAC', () => {
    for (const role of roles) {
      for (const rule of role.rules as Obj[]) {
        expect(rule.verbs).not.toEqual(expect.arrayContaining(['escalate']));
        expect(rule.verbs).not.toEqual(expect.arrayContaining(['bind']));
        expect(rule.verbs).not.toEqual(expect.arrayContaining(['impersonate']));
        expect(rule.apiGroups).not.toContain('rbac.authorization.k8s.io');
      }
    }
  });

  it('binds every role to an existing role and the operator ServiceAccount (or kubeseal users)', () => {
    const sa = one('ServiceAccount', 'coffer-operator');
    for (const b of [...ofKind('ClusterRoleBinding'), ...ofKind('RoleBinding')]) {
      const target = roles.find((r) => r.kind === b.roleRef.kind && r.metadata.name === b.roleRef.name);
      expect(target, b.metadata.name).toBeDefined();
      if (b.kind === 'RoleBinding') expect(target?.metadata.namespace).toBe(b.metadata.namespace);
      for (const s of b.subjects as Obj[]) {
        if (s.kind === 'ServiceAccount') expect({ name: s.name, namespace: s.namespace }).toEqual({ name: sa.metadata.name, namespace: sa.metadata.namespace });
        else expect(s).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' });
      }
    }
  });

  it('keeps leader election to Leases in the operator namespace', () => {
    const role = one('Role', 'coffer-operator-leader-election');
    expect(role.metadata.namespace).toBe(one('Deployment', 'coffer-operator').metadata.namespace);
    expect(role.rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
  });
});

describe('operator Deployment', () => {
  const deployment = one('Deployment', 'coffer-operator');
  const container = deployment.spec.template.spec.containers[0] as Obj;
  const args = container.args as string[];

  it('runs `coffer operator run` with flags the command accepts', () => {
    expect(args.slice(0, 2)).toEqual(['operator', 'run']);
    const known = flagNames(operatorRun.flags);
    for (const arg of args.slice(2)) {
      expect(arg, arg).toMatch(/^--?[a-z]/);
      expect(known.has(flagName(arg)), `${arg} is not a flag of coffer operator run`).toBe(true);
    }
    // And the values parse (durations, booleans, ints).
    const parsed = parseFlags(operatorRun.flags ?? [], args.slice(2));
    expect(parsed.args).toEqual([]);
    expect(parsed.flags.bool('sealed-secrets')).toBe(true);
    expect(parsed.flags.bool('enable-leader-election')).toBe(true);
  });

  it('exposes the ports and probes the operator serves', () => {
    const ports = Object.fromEntries((container.ports as Obj[]).map((p) => [p.name, p.containerPort]));
    expect(ports).toEqual({ metrics: 8080, 'sealed-secrets': 8081, probes: 8082 });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'probes' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'probes' });
    expect(deployment.spec.template.spec.serviceAccountName).toBe('coffer-operator');
  });

  it('is reached by kubeseal through the sealed-secrets-controller Service (8080 → 8081)', () => {
    const svc = one('Service', 'sealed-secrets-controller');
    expect(svc.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8081, protocol: 'TCP' }]);
    expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining(svc.spec.selector));
  });
});

describe('server StatefulSet', () => {
  const sts = one('StatefulSet', 'coffer-server');
  const container = sts.spec.template.spec.containers[0] as Obj;

  it('runs `coffer server` with flags it accepts and a config its parser takes', () => {
    const args = container.args as string[];
    expect(args[0]).toBe('server');
    const parsed = parseFlags(serverCommand.flags ?? [], args.slice(1));
    expect(parsed.args).toEqual([]);
    const configs = parsed.flags.list('config');
    expect(configs).toHaveLength(1);
    const configPath = configs[0] ?? '';
    const mount = (container.volumeMounts as Obj[]).find((m) => configPath.startsWith(`${m.mountPath as string}/`));
    expect(mount?.name).toBe('config');
    const cm = one('ConfigMap', 'coffer-server-config');
    const config = parseServerConfig(cm.data[configPath.slice(configPath.lastIndexOf('/') + 1)] as string, 'coffer.hcl', { env: {} });
    expect(config.warnings).toEqual([]);
    expect(config.storage).toEqual({ type: 'sqlite', path: '/coffer/data/coffer.db' });
    expect(config.listeners[0]?.address).toBe('0.0.0.0:8200');
  });

  it('keeps SQLite on the claimed volume, one replica', () => {
    expect(sts.spec.replicas).toBe(1);
    const data = (container.volumeMounts as Obj[]).find((m) => m.name === 'data');
    expect(data?.mountPath).toBe('/coffer/data');
    expect(sts.spec.volumeClaimTemplates.map((t: Obj) => t.metadata.name)).toEqual(['data']);
  });
});

describe('Helm chart', () => {
  it('ships copies of deploy/crds/ unchanged', () => {
    const chartCrds = readdirSync(`${deployDir}helm/coffer/crds`).sort();
    expect(chartCrds).toEqual(crdFiles.map((f) => f.slice('crds/'.length)));
    for (const f of chartCrds) expect(readFileSync(`${deployDir}helm/coffer/crds/${f}`, 'utf8'), f).toBe(readFileSync(`${deployDir}crds/${f}`, 'utf8'));
  });

  it('has a Chart.yaml and values matching the plain manifests', () => {
    const chart = parse(readFileSync(`${deployDir}helm/coffer/Chart.yaml`, 'utf8')) as Obj;
    expect(chart).toEqual(expect.objectContaining({ apiVersion: 'v2', name: 'coffer', type: 'application' }));
    const values = parse(readFileSync(`${deployDir}helm/coffer/values.yaml`, 'utf8')) as Obj;
    expect(values.image).toEqual(expect.objectContaining({ repository: 'ghcr.io/coffer/coffer', tag: '0.1.0' }));
    expect(`${values.image.repository as string}:${values.image.tag as string}`).toBe(one('Deployment', 'coffer-operator').spec.template.spec.containers[0].image);
    expect(values.server.enabled).toBe(false);
    expect(values.operator.sealedSecrets.enabled).toBe(true);
  });
});
