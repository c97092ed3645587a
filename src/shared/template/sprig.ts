/**
 * The Sprig v3 text functions External Secrets Operator exposes (`env` and `expandenv` are
 * left out, as ESO removes them), plus ESO's `toYaml`, `fromYaml`, `filterPEM` and Helm's
 * `required`. Sprig's `slice` is not included: Go's builtin `slice` stays, and it also slices
 * strings. ESO's PKCS#12, JWK, certificate-chain and Kubernetes-lookup helpers are not here.
 */
import { sprigDataFuncs } from './sprig-data.js';
import { sprigListFuncs } from './sprig-lists.js';
import { sprigMiscFuncs } from './sprig-misc.js';
import { sprigNumericFuncs } from './sprig-numeric.js';
import { sprigStringFuncs } from './sprig-strings.js';
import type { FuncMap } from './types.js';

export const sprigFuncs: FuncMap = Object.freeze({
  ...sprigStringFuncs,
  ...sprigListFuncs,
  ...sprigNumericFuncs,
  ...sprigDataFuncs,
  ...sprigMiscFuncs,
});
