/**
 * Test fixtures for Sealed Secrets (not part of the build): a fixed RSA-2048 key and golden
 * blobs made independently of this code — the RSA-OAEP part by `openssl pkeyutl -encrypt
 * -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256
 * -pkeyopt rsa_oaep_label:<hex>`, the AES-256-GCM part (zero nonce) by node:crypto — with the
 * session key `0123456789abcdef0123456789abcdef` (ASCII).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { keyFromSecret, keyToSecret, selfSignedCertificate, type SealingKey } from './keys.js';

export const GOLDEN_KEY_PEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEAksyereMKxfFblXK9j2MwbnlMCypqRzQtOds5yhDK1IZLN58D
DKuvjiepiHLqj234oXRJPU+XROFl6v3U4kkLXdESqECH2oUah/ofTJsd+/ggftb1
VXzYH4jYlycvEItK82ONjwTGTlBEJy3XKgv+0M5E7kuEBT273MEU1upq0TfqFS28
z5F/7DrUguhpf88BsvUhc81J0dxhvkZJxdT6U/NlOeHwmo26jOaYJGcdD4lBxcx6
3L+m4Of78rVcRL2ryJ4ktqMhta0n2Nbf+/u+OVz1Q1RzLgljO1LtYidy9mmHK2Xv
/PkZ2QMwJ7ISyo29ILSpDgpN/dWDPuCSNHZeHwIDAQABAoIBAAtHMy2y0sIQX/Pk
Y9HfUfo60W/OK2obBRp70D3I+nxHcQHt8oMHsa4fN/QmuASa804cLABM3BdLpdPe
+nsEF552kJNimc1dCoPF4J+3Dx+rmXuFMkYGGGibz+AU/5WqzfBTBq4lNMMRgZrs
96ngUAxkvID+Rj9M1eEI6Hv2eIxoPH17px9lD7c9DT87KiZAGFeKlwbvwris3aeb
J3Ir6XCHK2hQvDHpVGatNzG497olk8gF+ZMtkq/+dWgvgv+OKDDRZOFnz9md8WnF
6Bo8B+y7sp/QUobi/9gupdnUUzD0WRMK7j7IPkc8voi33vTYMwyL2MJ61Yw2qeiS
KR88/cECgYEAy9y1lDqleBxlVJm1VGxElu2vofaJTt+t+q6ZFum0oDsLgTRzEV5d
KBfVz5SrErKuzyGMa5g2G1d4NkmbXxHEnsJ0bEyvb+wZx6aMJmnLILuLvTUAVh2X
QrDNSiduEE2/d6a1qCb+MEfN7mSkcjm7+8qKZ33Ls/Ois8eC2nEa62ECgYEAuFfi
PUXZnoyhQhH0oF433fNw/dxn171gD3vU578ghjUk6CpwujAP6g+zsclVKPcMR1e+
BVho6PWgGr2li/dGJLf8Yf02SYkDo1M4/JOOUBFi0Xo48godSDC00bo7cYq9lVHy
KO/vxkHJ1b7dCWux+6rtblcq0mxrI7P3/pGTOX8CgYBmbioqJWF4vUPIw0aR+aho
8VpbFcWeBNOk7k9rbNfd3m0EaXcblf9WostCdp+SUId2+ZNViHA/Qq7bEBbqKMJT
Rr86nzlTEh1N7Ifk0SlH9BPdaKEXo9yZnL45cSBjPr1igDgsGhOD7MAy9QyPfCTQ
+c6a+2D7tQHeNPOxkD0HYQKBgG0GTR+/9/z1X0ocJHnUP2ZdXC5H9IJ71hxSOJD3
UN0PAUzuDM2RL1hXAQfc8yjPM8vd8NxodWOSIaavEwG8tRdyWSn6/+htyGEID2QS
QNDJ94+8oYFEyhyv8cE4S3/Tdlyhon7jqQOwVRa9Uy0HLLSTWukvVHwu8w6imcFN
h60xAoGAI9I6hnpAF0tj4Q1M/l1uBKiZ9e3otoJ/T1jhqMsPjlF4dIgW2LLp5MiM
qAFQ2QDgwMMsxVEsqlHToO0n5qsHqbfbSks/nzY6xBj2Zji8fIEM+MJ9czmlt7qB
f5HGCVHKBAi79IgvDLykPYJY/RpsYE0GV3w3ujhgbRgceKWdspE=
-----END RSA PRIVATE KEY-----
`;

/** `ssh-keygen -lf` of the public key. */
export const GOLDEN_FINGERPRINT = 'SHA256:liag1uOtWE71uYHVDQ1s8+9LfNzRXPBn2k9wtP6pE+k';

export const GOLDEN_PLAINTEXT = 's3cr3t-p@ss';
export const GOLDEN_SESSION_KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'ascii');

/** Sealed for `team-a/db` (strict scope). */
export const GOLDEN_STRICT_BLOB = 'AQBfmxa6megznyZsFDctIs7/6u78gqwvqCrbKIXzTx4TX7Wh83LYu43XKdqHp0oWSXOFLYDUIn4ReG8hjE/16Bxqvb5inHtmojzI5b8XE94dTlU6+3gf6854fvzcDYydJV/o7bbaaBnoiKOO9LTfwtRHibToX9Zk14f5dxXAjahystetpZQ8GIpQ2CrEgphozfbABcm8JvJXu6roOuAGHm1mkgCjKw4eJsBp1IfS5Uu9YgkDNjKmRbijpj+v3dYjBy1olSqS8260ywDTI2gLfiGTNHyRPuUB24EzY3tSUS/ydLV8PRiIyIhMpIU6RkuCnvDJ8HsHm4/DN2eO0sjH4wEovUDCcyF3ciivXvLX1FKPz48uCgcWrkGJYlIo';

/** Sealed with the empty label (cluster-wide scope). */
export const GOLDEN_CLUSTER_WIDE_BLOB = 'AQBt/ZDOCMLTgLiu8Wnv0BCRyduQuS51O2/5W3M4uRAmX1fYf6UWxYWYol08PucspUrT9FVxg97WSmvwzkVKkmQNQgNdM9P7u2j52DhcBNGbcFd95DC8aUnrbJLdL+JENfFP5qoWy8dR14l8K/moqYKzN22IuljI11rRjHJYcJI+UspuCN3Jd4sBa8V+aRl7/cwnV1wCm6nAaiP4LdE6mJ4E8G84Y/k14oscxh+EUiLOdB6tBYIHLRXWM81gMWX2ENaL/9v/1pqRBjwQhY2x6Y1gsl1/6djW00Hiz8bbj1c3h9C+s3FIOn0VdvdlwICUjK976uUdB76JwGwBIvvAzj3CvUDCcyF3ciivXvLX1FKPz48uCgcWrkGJYlIo';

export function goldenPrivateKey(): KeyObject {
  return createPrivateKey(GOLDEN_KEY_PEM);
}

let golden: Promise<SealingKey> | undefined;

/** The golden key with a self-signed certificate, as the controller would hold it. */
export function goldenSealingKey(): Promise<SealingKey> {
  golden ??= (async () => {
    const privateKey = goldenPrivateKey();
    const pem = await selfSignedCertificate(privateKey, { now: new Date(Date.now() - 60_000) });
    const secret = keyToSecret(
      { name: 'sealed-secrets-keygold', privateKey, certificatePem: pem, status: 'active' } as unknown as SealingKey,
      { namespace: 'kube-system' },
    );
    return keyFromSecret(secret);
  })();
  return golden;
}
