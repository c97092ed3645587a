/**
 * ACL policies: parsing (HCL/JSON), storage, compilation into a fast matcher, identity
 * templating, and the sys/policy endpoints.
 */
export {
  type Acl,
  type AclInput,
  type AclOperation,
  type AclResult,
  type CompileAclOptions,
  ROOT_POLICY_NAME,
  compileAcl,
  globbedStringsMatch,
  hasSegmentWildcards,
} from './acl.js';
export {
  CONTROL_GROUP_POLICY_NAME,
  DEFAULT_POLICY,
  DEFAULT_POLICY_NAME,
  IMMUTABLE_POLICIES,
  NON_ASSIGNABLE_POLICIES,
  RESPONSE_WRAPPING_POLICY,
  RESPONSE_WRAPPING_POLICY_NAME,
} from './builtin.js';
export { CAPABILITIES, type Capability, type ParameterMap, type PathRule, type Policy, parsePolicy, sanitizePolicyName } from '../../shared/policy/index.js';
export { decodePolicyText, policyPaths } from './paths.js';
export { type PolicyChangeListener, type PolicyStore, type PolicyStoreOptions, type StoredPolicy, createPolicyStore } from './store.js';
export {
  type TemplateAlias,
  type TemplateContext,
  type TemplateEntity,
  type TemplateGroup,
  type TemplateOptions,
  type TemplateResult,
  hasTemplate,
  populateTemplate,
  templateContextKey,
} from '../../shared/policy/index.js';
