/**
 * Password policies as a server service: storage (`createPasswordPolicyStore`) and the
 * `sys/policies/password` endpoints (`passwordPolicyPaths`). Parsing and generation live in
 * `shared/password-policy`.
 */
export { passwordPolicyPaths } from './paths.js';
export { type PasswordPolicyStore, type PasswordPolicyStoreOptions, createPasswordPolicyStore, validatePasswordPolicyName } from './store.js';
