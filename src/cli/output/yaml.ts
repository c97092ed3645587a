/**
 * YAML as Vault writes it (`ghodss/yaml`: through JSON into go-yaml, so every key is sorted,
 * sequences are not indented under their key, and the result is trimmed).
 */
import { stringify } from 'yaml';
import { goOrder } from './json.js';

export function renderYaml(value: unknown): string {
  return stringify(goOrder(value, true), { indentSeq: false, lineWidth: 0 }).trim();
}
