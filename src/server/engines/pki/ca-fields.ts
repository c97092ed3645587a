/** Field declarations shared by the CA endpoints (root/generate, intermediate/generate, sign-intermediate). */
import { f } from '../../sdk/index.js';

export const formatFields = {
  format: f.string({ description: 'pem, der or pem_bundle.', default: 'pem', allowedValues: ['pem', 'der', 'pem_bundle'] }),
  private_key_format: f.string({ description: 'der (PKCS#1/SEC1) or pkcs8.', default: 'der', allowedValues: ['', 'der', 'pkcs8'] }),
};

export const subjectFields = {
  common_name: f.string({ description: 'The requested common name.', default: '' }),
  alt_names: f.commaStringSlice({ description: 'DNS names and email addresses for the SAN extension.', default: [] }),
  ip_sans: f.commaStringSlice({ description: 'IP addresses for the SAN extension.', default: [] }),
  uri_sans: f.commaStringSlice({ description: 'URIs for the SAN extension.', default: [] }),
  other_sans: f.commaStringSlice({ description: 'Not supported: must be empty.', default: [] }),
  exclude_cn_from_sans: f.bool({ description: 'Keep the common name out of the SANs.', default: false }),
  ou: f.commaStringSlice({ description: 'OU values of the subject.', default: [] }),
  organization: f.commaStringSlice({ description: 'O values of the subject.', default: [] }),
  country: f.commaStringSlice({ description: 'C values of the subject.', default: [] }),
  locality: f.commaStringSlice({ description: 'L values of the subject.', default: [] }),
  province: f.commaStringSlice({ description: 'ST values of the subject.', default: [] }),
  street_address: f.commaStringSlice({ description: 'Street address values of the subject.', default: [] }),
  postal_code: f.commaStringSlice({ description: 'Postal code values of the subject.', default: [] }),
  serial_number: f.string({ description: "The subject's serialNumber attribute (not the certificate serial).", default: '' }),
};

export const keyGenFields = {
  key_type: f.string({ description: 'rsa, ec or ed25519.', default: 'rsa' }),
  key_bits: f.int({ description: 'Key size; 0 = 2048 for RSA, 256 for EC.', default: 0 }),
  key_name: f.string({ description: 'A name for the new key.', default: '' }),
  key_ref: f.string({ description: 'The existing key to use (type "existing").', default: 'default' }),
  signature_bits: f.int({ description: 'Hash size of RSA signatures; 0 = 256.', default: 0 }),
  use_pss: f.bool({ description: 'Not supported; must be false.', default: false }),
};

export const validityFields = {
  ttl: f.durationSecond({ description: 'Requested lifetime.', default: 0 }),
  not_after: f.string({ description: 'A fixed NotAfter (RFC 3339) instead of a TTL.', default: '' }),
  not_before_duration: f.durationSecond({ description: 'How far NotBefore is back-dated.', default: 30 }),
  max_path_length: f.int({ description: 'The path length constraint; -1 = none.', default: -1 }),
  permitted_dns_domains: f.commaStringSlice({ description: 'Not supported: must be empty.', default: [] }),
};
