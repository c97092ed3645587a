/**
 * ECDSA over a caller-supplied digest (`prehashed=true`), which node:crypto cannot do: its
 * `sign`/`verify` always hash the input. The secret-dependent step of signing (k·G) runs in
 * OpenSSL through `ECDH`; the rest is modular arithmetic on BigInts. Verification only
 * touches public values, so it uses plain Jacobian-coordinate arithmetic.
 */
import { createECDH, randomBytes } from 'node:crypto';
import type { EcdsaType } from './key-types.js';
import { bigIntToBytes, bytesToBigInt } from './policy.js';

interface CurveParams {
  p: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
  bits: number;
  bytes: number;
  ecdhName: string;
}

// Domain parameters of the NIST curves (FIPS 186-4 D.1.2); a = -3 for all three.
const PARAMS: Record<EcdsaType, CurveParams> = {
  'ecdsa-p256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bits: 256,
    bytes: 32,
    ecdhName: 'prime256v1',
  },
  'ecdsa-p384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bits: 384,
    bytes: 48,
    ecdhName: 'secp384r1',
  },
  'ecdsa-p521': {
    p: 0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
    n: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
    bits: 521,
    bytes: 66,
    ecdhName: 'secp521r1',
  },
};

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

/** Go's `hashToInt`: the leftmost `bits(n)` bits of the digest. */
function hashToInt(digest: Uint8Array, c: CurveParams): bigint {
  const orderBytes = Math.ceil(c.bits / 8);
  const used = digest.length > orderBytes ? digest.subarray(0, orderBytes) : digest;
  let e = bytesToBigInt(used);
  const excess = used.length * 8 - c.bits;
  if (excess > 0) e >>= BigInt(excess);
  return e;
}

export interface EcdsaSignature {
  r: bigint;
  s: bigint;
}

/** Signs `digest` (already hashed by the caller) with private scalar `d`. */
export function signDigest(type: EcdsaType, d: bigint, digest: Uint8Array): EcdsaSignature {
  const c = PARAMS[type];
  const e = hashToInt(digest, c);
  for (;;) {
    // 64 extra random bits make the reduction mod n - 1 negligibly biased.
    const k = mod(bytesToBigInt(randomBytes(c.bytes + 8)), c.n - 1n) + 1n;
    const ecdh = createECDH(c.ecdhName);
    ecdh.setPrivateKey(bigIntToBytes(k, c.bytes));
    const point = ecdh.getPublicKey(null, 'uncompressed');
    const r = mod(bytesToBigInt(point.subarray(1, 1 + c.bytes)), c.n);
    if (r === 0n) continue;
    const s = mod(modInverse(k, c.n) * (e + r * d), c.n);
    if (s === 0n) continue;
    return { r, s };
  }
}

type Jacobian = [bigint, bigint, bigint];

function double(P: Jacobian, p: bigint): Jacobian {
  const [X, Y, Z] = P;
  if (Y === 0n || Z === 0n) return [1n, 1n, 0n];
  const delta = mod(Z * Z, p);
  const gamma = mod(Y * Y, p);
  const beta = mod(X * gamma, p);
  const alpha = mod(3n * (X - delta) * (X + delta), p);
  const X3 = mod(alpha * alpha - 8n * beta, p);
  const Z3 = mod((Y + Z) * (Y + Z) - gamma - delta, p);
  const Y3 = mod(alpha * (4n * beta - X3) - 8n * gamma * gamma, p);
  return [X3, Y3, Z3];
}

function add(P: Jacobian, Q: Jacobian, p: bigint): Jacobian {
  if (P[2] === 0n) return Q;
  if (Q[2] === 0n) return P;
  const [X1, Y1, Z1] = P;
  const [X2, Y2, Z2] = Q;
  const Z1Z1 = mod(Z1 * Z1, p);
  const Z2Z2 = mod(Z2 * Z2, p);
  const U1 = mod(X1 * Z2Z2, p);
  const U2 = mod(X2 * Z1Z1, p);
  const S1 = mod(Y1 * Z2 * Z2Z2, p);
  const S2 = mod(Y2 * Z1 * Z1Z1, p);
  const H = mod(U2 - U1, p);
  const r = mod(2n * (S2 - S1), p);
  if (H === 0n) return r === 0n ? double(P, p) : [1n, 1n, 0n];
  const I = mod(4n * H * H, p);
  const J = mod(H * I, p);
  const V = mod(U1 * I, p);
  const X3 = mod(r * r - J - 2n * V, p);
  const Y3 = mod(r * (V - X3) - 2n * S1 * J, p);
  const Z3 = mod(((Z1 + Z2) * (Z1 + Z2) - Z1Z1 - Z2Z2) * H, p);
  return [X3, Y3, Z3];
}

function multiply(k: bigint, P: Jacobian, p: bigint): Jacobian {
  let result: Jacobian = [1n, 1n, 0n];
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    result = double(result, p);
    if ((k >> BigInt(i)) & 1n) result = add(result, P, p);
  }
  return result;
}

/** Verifies (r, s) over `digest` with public point (x, y). Public values only. */
export function verifyDigest(type: EcdsaType, x: bigint, y: bigint, digest: Uint8Array, sig: EcdsaSignature): boolean {
  const c = PARAMS[type];
  const { r, s } = sig;
  if (r <= 0n || r >= c.n || s <= 0n || s >= c.n) return false;
  const e = hashToInt(digest, c);
  const w = modInverse(s, c.n);
  const u1 = mod(e * w, c.n);
  const u2 = mod(r * w, c.n);
  const point = add(multiply(u1, [c.gx, c.gy, 1n], c.p), multiply(u2, [x, y, 1n], c.p), c.p);
  if (point[2] === 0n) return false;
  const zInv = modInverse(point[2], c.p);
  const affineX = mod(point[0] * zInv * zInv, c.p);
  return mod(affineX, c.n) === r;
}

// ---------------------------------------------------------------------------------------
// Signature encodings

/** DER `SEQUENCE { INTEGER r, INTEGER s }` (what Go's asn1.Marshal and OpenSSL produce). */
export function encodeDer(sig: EcdsaSignature): Buffer {
  const int = (v: bigint): Buffer => {
    let bytes = bigIntToBytes(v);
    if (bytes.length === 0) bytes = Buffer.of(0);
    if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
    return Buffer.concat([Buffer.of(0x02), derLength(bytes.length), bytes]);
  };
  const body = Buffer.concat([int(sig.r), int(sig.s)]);
  return Buffer.concat([Buffer.of(0x30), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  if (n < 0x100) return Buffer.of(0x81, n);
  return Buffer.of(0x82, n >> 8, n & 0xff);
}

/** Parses a DER ECDSA signature; null when malformed or followed by extra bytes. */
export function decodeDer(der: Uint8Array): { sig: EcdsaSignature; rest: number } | null {
  let pos = 0;
  const readLength = (): number | null => {
    const first = der[pos++];
    if (first === undefined) return null;
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count === 0 || count > 2) return null;
    let len = 0;
    for (let i = 0; i < count; i++) {
      const b = der[pos++];
      if (b === undefined) return null;
      len = (len << 8) | b;
    }
    return len;
  };
  const readInt = (): bigint | null => {
    if (der[pos++] !== 0x02) return null;
    const len = readLength();
    if (len === null || len === 0 || pos + len > der.length) return null;
    const bytes = der.subarray(pos, pos + len);
    pos += len;
    if ((bytes[0] ?? 0) & 0x80) return null; // negative
    return bytesToBigInt(bytes);
  };
  if (der[pos++] !== 0x30) return null;
  const seqLen = readLength();
  if (seqLen === null || pos + seqLen > der.length) return null;
  const end = pos + seqLen;
  const r = readInt();
  const s = readInt();
  if (r === null || s === null || pos !== end) return null;
  return { sig: { r, s }, rest: der.length - end };
}

/** JWS form: r ‖ s, each left-padded to the curve's byte size. */
export function encodeRaw(type: EcdsaType, sig: EcdsaSignature): Buffer {
  const size = PARAMS[type].bytes;
  return Buffer.concat([bigIntToBytes(sig.r, size), bigIntToBytes(sig.s, size)]);
}

/** Vault splits a JWS signature in two halves whatever its length. */
export function decodeRaw(bytes: Uint8Array): EcdsaSignature {
  const half = Math.floor(bytes.length / 2);
  return { r: bytesToBigInt(bytes.subarray(0, half)), s: bytesToBigInt(bytes.subarray(half)) };
}

export function curveByteSize(type: EcdsaType): number {
  return PARAMS[type].bytes;
}
