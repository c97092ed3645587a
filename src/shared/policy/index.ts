/**
 * The ACL policy language: parsing (HCL or JSON) and identity templating. Shared so the
 * server and the CLI (`policy fmt`) validate policies with one set of rules and messages.
 */
export { CAPABILITIES, type Capability, type ParameterMap, type PathRule, type Policy, parsePolicy, sanitizePolicyName } from './parse.js';
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
} from './template.js';
