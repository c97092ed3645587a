/**
 * PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and strategic merge
 * patch approximated as a merge patch (lists are replaced rather than merged by key).
 */
import { isDeepStrictEqual } from 'node:util';
import { statusErrors } from './status.js';

export type PatchType = 'merge' | 'json' | 'strategic';

export const PATCH_CONTENT_TYPES: Readonly<Record<string, PatchType>> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw statusErrors.badRequest(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: unknown, path: string[]): unknown {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: unknown, path: string[], op: string): { parent: unknown; key: string } {
  if (path.length === 0) throw statusErrors.badRequest(`the ${op} operation cannot target the document root`);
  const parent = getAt(doc, path.slice(0, -1));
  if (!Array.isArray(parent) && !isObject(parent)) {
    throw statusErrors.unprocessable(`doc is missing path: "/${path.join('/')}": missing value`);
  }
  return { parent, key: path[path.length - 1] ?? '' };
}

function add(doc: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, path, 'add');
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw statusErrors.unprocessable(`add operation index out of bounds: ${key}`);
    parent.splice(index, 0, structuredClone(value));
  } else {
    (parent as Record<string, unknown>)[key] = structuredClone(value);
  }
  return doc;
}

function remove(doc: unknown, path: string[]): unknown {
  const { parent, key } = parentOf(doc, path, 'remove');
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) throw statusErrors.unprocessable(`remove operation index out of bounds: ${key}`);
    parent.splice(index, 1);
  } else {
    if (!(key in (parent as Record<string, unknown>))) throw statusErrors.unprocessable(`doc is missing key: /${path.join('/')}: missing value`);
    delete (parent as Record<string, unknown>)[key];
  }
  return doc;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw statusErrors.badRequest('json patch must be a list of operations');
  let doc = structuredClone(target);
  for (const raw of patch) {
    if (!isObject(raw)) throw statusErrors.badRequest('json patch operations must be objects');
    const op = raw['op'];
    const path = parsePointer(String(raw['path'] ?? ''));
    switch (op) {
      case 'add':
        doc = add(doc, path, raw['value']);
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace':
        doc = add(remove(doc, path), path, raw['value']);
        break;
      case 'move': {
        const from = parsePointer(String(raw['from'] ?? ''));
        const value = getAt(doc, from);
        doc = add(remove(doc, from), path, value);
        break;
      }
      case 'copy':
        doc = add(doc, path, getAt(doc, parsePointer(String(raw['from'] ?? ''))));
        break;
      case 'test':
        if (!isDeepStrictEqual(getAt(doc, path), raw['value'])) throw statusErrors.unprocessable(`testing value /${path.join('/')} failed`);
        break;
      default:
        throw statusErrors.badRequest(`unexpected json patch operation "${String(op)}"`);
    }
  }
  return doc;
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  return type === 'json' ? applyJsonPatch(target, patch) : applyMergePatch(target, patch);
}
