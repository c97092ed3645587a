/**
 * The root token one-time-pad helpers live in `src/shared/root-token-otp.ts` (the CLI decodes with
 * them too); this module re-exports them so the seal code keeps one import site.
 */
export {
  GENERATE_ROOT_OTP_LENGTH,
  decodeGeneratedToken,
  encodeGeneratedToken,
  generateOtp,
  xorBytes,
} from '../../shared/root-token-otp.js';
