/**
 * `spec.template.data`: Go templates rendered over the decrypted values (key → string), with
 * Sprig's functions minus `env`, `expandenv` and `getHostByName`, which Sealed Secrets removes
 * so a template cannot learn about the controller's environment.
 */
import { parseTemplate, sprigFuncs, type FuncMap } from '../../shared/template/index.js';

const BLOCKED_FUNCS = new Set(['env', 'expandenv', 'getHostByName']);

let funcs: FuncMap | undefined;

function templateFuncs(): FuncMap {
  funcs ??= Object.freeze(Object.fromEntries(Object.entries(sprigFuncs).filter(([name]) => !BLOCKED_FUNCS.has(name))));
  return funcs;
}

export interface TemplateDataResult {
  /** Rendered keys (Buffer) and keys to remove (`null`). */
  data: Map<string, Buffer | null>;
  /** One entry per key whose template failed to parse or execute. */
  errors: { key: string; message: string }[];
}

/**
 * Renders every template; a failure is reported per key (its message redacts any decrypted
 * value it happens to quote, e.g. from a failed `atoi`).
 */
export function renderTemplateData(templates: Readonly<Record<string, string | null>>, values: Readonly<Record<string, string>>): TemplateDataResult {
  const data = new Map<string, Buffer | null>();
  const errors: { key: string; message: string }[] = [];
  for (const key of Object.keys(templates).sort()) {
    const source = templates[key];
    if (source === null || source === undefined) {
      data.set(key, null);
      continue;
    }
    try {
      const rendered = parseTemplate(source, { funcs: templateFuncs(), missingKey: 'error', name: key }).execute(values);
      data.set(key, Buffer.from(rendered, 'utf8'));
    } catch (err) {
      errors.push({ key, message: redact(err instanceof Error ? err.message : String(err), values) });
    }
  }
  return { data, errors };
}

/** Replaces any secret value (3+ characters) quoted in `message`. */
export function redact(message: string, values: Readonly<Record<string, string>>): string {
  let out = message;
  const secrets = Object.values(values)
    .filter((v) => v.length >= 3)
    .sort((a, b) => b.length - a.length);
  for (const v of secrets) out = out.split(v).join('[redacted]');
  return out;
}
