/**
 * PostgreSQL's SCRAM-SHA-256 password verifier, computed locally so the plain password never
 * reaches the server (`password_authentication = scram-sha-256`). Same construction as
 * PostgreSQL's `scram_build_secret` and Vault's `scram.Hash`: 16-byte random salt, 4096
 * PBKDF2-SHA-256 iterations, `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`.
 * Like Vault, the password is not SASLprep-normalised.
 */
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** The verifier for `password` with the given salt (exposed for tests). */
export async function scramVerifier(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS): Promise<string> {
  const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, KEY_BYTES, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A fresh verifier with a random salt. */
export function scramHash(password: string): Promise<string> {
  return scramVerifier(password, randomBytes(SALT_BYTES));
}
