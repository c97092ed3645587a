/**
 * `spec.target.template` (ESO `applyTemplate` + template engine v2): what goes into the target
 * Secret. Order, as ESO: metadata, type, raw provider data when mergePolicy is Merge (lowest
 * priority), `templateFrom` in order, then `template.data` (wins), then templated labels, then
 * annotations. A template with neither data nor templateFrom keeps the provider data as is.
 * Templates see `.` = provider key → value as string, and fail on a missing key.
 */
import { parse as parseYaml } from 'yaml';
import { UserError } from '../../../shared/errors.js';
import { TemplateError, bytesToTemplateString, esoTemplateFuncs, parseTemplate, sprigFuncs, templateStringToBytes } from '../../../shared/template/index.js';
import type { DecodingStrategy, ExternalSecret, TemplateScope } from '../../apis/external-secrets/index.js';
import { decodeValue } from './data.js';

/** The part of the target Secret the template decides. */
export interface DesiredSecret {
  type?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Record<string, Uint8Array>;
}

/** Reads the items of a ConfigMap or Secret in the ExternalSecret's namespace (values as text). */
export type TemplateSourceReader = (kind: 'ConfigMap' | 'Secret', name: string) => Promise<Record<string, string>>;

const decoder = new TextDecoder();
/** ESO's function map: Sprig plus its PKCS#12/JWK/certificate helpers (byte-preserving b64 functions). */
const FUNCS = Object.freeze({ ...sprigFuncs, ...esoTemplateFuncs });

function render(name: string, source: string, values: Record<string, string>): string {
  try {
    return parseTemplate(source, { funcs: FUNCS, missingKey: 'error', name }).execute(values);
  } catch (err) {
    // Template errors name the template and the failing action, never a value.
    if (err instanceof TemplateError) throw new UserError(`unable to execute template at key ${name}: ${err.message}`);
    throw err;
  }
}

/** Applies rendered key/values to the target part (`Data` default, `Labels`, `Annotations`; case-insensitive as ESO). */
function put(desired: DesiredSecret, target: string | undefined, key: string, value: string): void {
  switch ((target ?? 'Data').toLowerCase()) {
    case 'data':
      // Binary results (a PKCS#12 from b64dec) keep their bytes.
      desired.data[key] = templateStringToBytes(value);
      return;
    case 'labels':
      desired.labels[key] = value;
      return;
    case 'annotations':
      desired.annotations[key] = value;
      return;
    default:
      throw new UserError(`unsupported template target ${JSON.stringify(target)}: Secret targets take Data, Labels or Annotations`);
  }
}

/** Go v2 `Execute`: Values stores each output under its key; KeysAndValues parses the output as a YAML map. */
function execute(desired: DesiredSecret, templates: Record<string, string>, values: Record<string, string>, scope: TemplateScope, target: string | undefined): void {
  for (const [key, source] of Object.entries(templates)) {
    const out = render(key, source, values);
    if (scope === 'Values') {
      put(desired, target, key, out);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(out);
    } catch {
      throw new UserError(`could not parse the output of template ${JSON.stringify(key)} as YAML`);
    }
    if (parsed === null || parsed === undefined) continue;
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new UserError(`the output of template ${JSON.stringify(key)} must be a YAML map of strings`);
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      put(desired, target, k, typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
}

function textOf(data: Record<string, Uint8Array>): Record<string, string> {
  const out: Record<string, string> = {};
  // Go's string([]byte) keeps every byte: binary values (a keystore) survive into the template.
  for (const [k, v] of Object.entries(data)) out[k] = bytesToTemplateString(v);
  return out;
}

/**
 * Builds the target's metadata, type and data from the provider data. `desired` holds what the
 * Secret already carries that the template does not replace (labels, annotations, type).
 */
export async function applyTemplate(es: ExternalSecret, desired: DesiredSecret, dataMap: Record<string, Uint8Array>, readSource: TemplateSourceReader): Promise<DesiredSecret> {
  const template = es.spec.target?.template;
  if (template === undefined) {
    // Without a template ESO copies the ExternalSecret's own labels and annotations.
    Object.assign(desired.labels, es.metadata.labels ?? {});
    Object.assign(desired.annotations, es.metadata.annotations ?? {});
    desired.data = { ...dataMap };
    return desired;
  }
  if (template.type !== undefined && template.type !== '') desired.type = template.type;
  const values = textOf(dataMap);
  desired.data = template.mergePolicy === 'Merge' ? { ...dataMap } : {};

  for (const [i, from] of (template.templateFrom ?? []).entries()) {
    if (from.literal !== undefined) {
      execute(desired, { [from.literal]: from.literal }, values, 'KeysAndValues', from.target);
      continue;
    }
    const ref = from.configMap ?? from.secret;
    if (ref === undefined) throw new UserError(`template.templateFrom[${i}]: one of configMap, secret or literal is required`);
    const kind = from.configMap !== undefined ? 'ConfigMap' : 'Secret';
    const source = await readSource(kind, ref.name);
    for (const item of ref.items) {
      const raw = source[item.key];
      if (raw === undefined) throw new UserError(`template.templateFrom[${i}]: key ${JSON.stringify(item.key)} not found in ${kind} ${JSON.stringify(ref.name)}`);
      const text = decodeTemplateSource(raw, from.valuesDecodingStrategy, item.key);
      execute(desired, { [item.key]: text }, values, item.templateAs ?? 'Values', from.target);
    }
  }
  execute(desired, template.data ?? {}, values, 'Values', 'Data');
  execute(desired, template.metadata?.labels ?? {}, values, 'Values', 'Labels');
  execute(desired, template.metadata?.annotations ?? {}, values, 'Values', 'Annotations');
  if (Object.keys(template.data ?? {}).length === 0 && (template.templateFrom ?? []).length === 0) {
    desired.data = { ...dataMap };
  }
  return desired;
}

function decodeTemplateSource(text: string, strategy: DecodingStrategy | undefined, key: string): string {
  if (strategy === undefined || strategy === 'None') return text;
  return decoder.decode(decodeValue(new TextEncoder().encode(text), strategy, key));
}
