/**
 * HCL (HCL1, the dialect Vault reads) and JSON documents for server configs and ACL policies.
 * The output shape and the helpers are described in model.ts, the grammar in parser.ts.
 */
export { type HclBlock, type HclObject, type HclPosition, type HclValue, attr, block, blocks, formatPosition, isHclObject, positionOf } from './model.js';
export { HclSyntaxError, MAX_HCL_NESTING, type ParseHclOptions, parseHcl } from './parser.js';
export { looksLikeJson, parseHclOrJson } from './json.js';
