/** One-call helpers on file contents, for callers that hold a SOPS file as text. */
import { decryptDocument, emitEncrypted, emitPlain, encryptBranches, parseEncrypted, parsePlain, type EncryptOptions, type SopsFormat } from './document.js';
import type { KeyServices } from './data-key.js';

export interface DecryptTextOptions {
  format: SopsFormat;
  /** Output format (default: the input's). */
  outputFormat?: SopsFormat;
  services: KeyServices;
  ignoreMac?: boolean;
}

/** Decrypts a SOPS file's contents; throws `MacMismatchError` or `DataKeyError` without output. */
export async function decryptText(text: string, options: DecryptTextOptions): Promise<string> {
  const doc = parseEncrypted(text, options.format);
  const plain = await decryptDocument(doc, { services: options.services, ...(options.ignoreMac === true ? { ignoreMac: true } : {}) });
  return emitPlain(plain.branches, options.outputFormat ?? options.format);
}

export interface EncryptTextOptions extends EncryptOptions {
  format: SopsFormat;
  outputFormat?: SopsFormat;
}

/** Encrypts a plaintext YAML/JSON file's contents into a SOPS file. */
export async function encryptText(text: string, options: EncryptTextOptions): Promise<string> {
  const doc = await encryptBranches(parsePlain(text, options.format), options);
  return emitEncrypted(doc, options.outputFormat ?? options.format);
}
