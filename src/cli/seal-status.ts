/** Vault's `OutputSealStatus`: seal status plus `sys/leader` (a sealed server's 503 is masked). */
import type { Client, LeaderResponse, SealStatusResponse } from '../api/index.js';
import { isApiError } from '../api/index.js';
import type { CommandContext } from './command.js';
import { ExitCode, messageFor } from './exit.js';
import { outputSealStatus } from './output/index.js';

export async function printSealStatus(ctx: CommandContext, client: Client, status: SealStatusResponse): Promise<number> {
  let leader: LeaderResponse;
  try {
    leader = await client.sys.leader();
  } catch (err) {
    // HA is enabled but the sealed server cannot say who leads (Vault does the same).
    if (isApiError(err) && (err.status === 503 || err.errors.some((e) => e.includes('is sealed')))) {
      leader = { ha_enabled: true, is_self: false, leader_address: '', leader_cluster_address: '' };
    } else {
      ctx.ui.err(`Error checking leader status: ${messageFor(err)}`);
      return ExitCode.LocalError;
    }
  }
  return outputSealStatus(ctx.ui, ctx.format, status, leader);
}
