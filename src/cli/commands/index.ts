/** Every CLI command, in one list (each lives in its own `<noun>-<verb>.ts`). */
import type { CommandSpec } from '../command.js';
import { command as auditDisable } from './audit-disable.js';
import { command as auditEnable } from './audit-enable.js';
import { command as auditList } from './audit-list.js';
import { command as authDisable } from './auth-disable.js';
import { command as authEnable } from './auth-enable.js';
import { command as authHelp } from './auth-help.js';
import { command as authList } from './auth-list.js';
import { command as authTune } from './auth-tune.js';
import { command as deleteCommand } from './delete.js';
import { command as kvDelete } from './kv-delete.js';
import { command as kvDestroy } from './kv-destroy.js';
import { command as kvEnableVersioning } from './kv-enable-versioning.js';
import { command as kvGet } from './kv-get.js';
import { command as kvList } from './kv-list.js';
import { command as kvMetadataDelete } from './kv-metadata-delete.js';
import { command as kvMetadataGet } from './kv-metadata-get.js';
import { command as kvMetadataPut } from './kv-metadata-put.js';
import { command as kvPatch } from './kv-patch.js';
import { command as kvPut } from './kv-put.js';
import { command as kvUndelete } from './kv-undelete.js';
import { command as leaseLookup } from './lease-lookup.js';
import { command as leaseRenew } from './lease-renew.js';
import { command as leaseRevoke } from './lease-revoke.js';
import { command as list } from './list.js';
import { command as login } from './login.js';
import { command as operatorGenerateRoot } from './operator-generate-root.js';
import { command as operatorInit } from './operator-init.js';
import { command as operatorKeyStatus } from './operator-key-status.js';
import { command as operatorRekey } from './operator-rekey.js';
import { command as operatorRotate } from './operator-rotate.js';
import { command as operatorRun } from './operator-run.js';
import { command as operatorSeal } from './operator-seal.js';
import { command as operatorUnseal } from './operator-unseal.js';
import { command as policyDelete } from './policy-delete.js';
import { command as policyFmt } from './policy-fmt.js';
import { command as policyList } from './policy-list.js';
import { command as policyRead } from './policy-read.js';
import { command as policyWrite } from './policy-write.js';
import { command as read } from './read.js';
import { command as seal } from './seal.js';
import { command as sealBackup } from './seal-backup.js';
import { command as secretsDisable } from './secrets-disable.js';
import { command as secretsEnable } from './secrets-enable.js';
import { command as secretsList } from './secrets-list.js';
import { command as secretsTune } from './secrets-tune.js';
import { command as server } from './server.js';
import { command as sopsDecrypt } from './sops-decrypt.js';
import { command as sopsEdit } from './sops-edit.js';
import { command as sopsEncrypt } from './sops-encrypt.js';
import { command as sopsRotate } from './sops-rotate.js';
import { command as sopsUpdatekeys } from './sops-updatekeys.js';
import { command as status } from './status.js';
import { command as tokenCapabilities } from './token-capabilities.js';
import { command as tokenCreate } from './token-create.js';
import { command as tokenLookup } from './token-lookup.js';
import { command as eventsSubscribe } from './events-subscribe.js';
import { command as tokenRenew } from './token-renew.js';
import { command as tokenRevoke } from './token-revoke.js';
import { command as transitDecrypt } from './transit-decrypt.js';
import { command as transitEncrypt } from './transit-encrypt.js';
import { command as unwrap } from './unwrap.js';
import { command as version } from './version.js';
import { command as write } from './write.js';

export const COMMANDS: readonly CommandSpec[] = [
  read,
  write,
  list,
  deleteCommand,
  server,
  status,
  version,
  operatorInit,
  operatorUnseal,
  operatorSeal,
  operatorRotate,
  operatorKeyStatus,
  operatorGenerateRoot,
  operatorRekey,
  operatorRun,
  kvGet,
  kvPut,
  kvPatch,
  kvList,
  kvDelete,
  kvUndelete,
  kvDestroy,
  kvEnableVersioning,
  kvMetadataGet,
  kvMetadataPut,
  kvMetadataDelete,
  leaseRenew,
  leaseRevoke,
  leaseLookup,
  secretsEnable,
  secretsDisable,
  secretsList,
  secretsTune,
  login,
  authEnable,
  authDisable,
  authList,
  authTune,
  authHelp,
  tokenCreate,
  tokenLookup,
  eventsSubscribe,
  tokenRenew,
  tokenRevoke,
  tokenCapabilities,
  policyWrite,
  policyRead,
  policyList,
  policyDelete,
  policyFmt,
  auditEnable,
  auditDisable,
  auditList,
  unwrap,
  transitEncrypt,
  transitDecrypt,
  seal,
  sealBackup,
  sopsEncrypt,
  sopsDecrypt,
  sopsEdit,
  sopsRotate,
  sopsUpdatekeys,
];
