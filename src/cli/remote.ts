import type { Command } from 'commander';
import { S3gateError } from '../../clients/typescript/src/index.js';
import { profileFile } from './settings.js';
import { adminCommands, connectionCommands } from './remote/admin.js';
import { runner } from './remote/context.js';
import { eventCommands } from './remote/events.js';
import { bucketCommands, objectCommands } from './remote/objects.js';
import { statsCommands } from './remote/stats.js';

/** Registers the remote commands on the program; env and home are the process's (cli.ts reads them). */
export function remoteCommands(cli: Command, env: NodeJS.ProcessEnv, home: string): void {
  cli
    .option('--url <url>', 'the gateway (S3GATE_URL, a profile, or http://127.0.0.1:3000)')
    .option('--api-key <key>', 'a tenant API key (S3GATE_API_KEY)')
    .option('--admin-token <token>', 'the admin token (S3GATE_ADMIN_TOKEN)')
    .option('--profile <name>', `a profile of ${profileFile(env, home)} (S3GATE_PROFILE; default: "default")`)
    .option('--json', 'print JSON (one document, or one per line for streams)');
  const run = runner(env, home);
  connectionCommands(cli, run, env, home);
  adminCommands(cli, run);
  bucketCommands(cli, run);
  objectCommands(cli, run);
  eventCommands(cli, run);
  statsCommands(cli, run);
}

/** Exit status of a failed command: 3 not found, 4 the gateway unreachable, 1 anything else it refused. */
export function exitStatusOf(err: unknown): { status: number; message: string } | undefined {
  if (err instanceof S3gateError) return { status: err.code.endsWith('_NOT_FOUND') ? 3 : 1, message: `${err.code}: ${err.message}` };
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (err instanceof TypeError && (err.message === 'fetch failed' || cause?.code)) {
    return { status: 4, message: `cannot reach the gateway (${cause?.code ?? cause?.message ?? err.message}); is it running, and is --url / S3GATE_URL right?` };
  }
  return undefined;
}
