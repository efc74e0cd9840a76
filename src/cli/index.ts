/**
 * The operator CLI: `npx tagbridge <command>`. This file parses the arguments, picks the command from the
 * table, and turns failures into exit codes and the one error shape; each command lives in commands/ and
 * calls the same use case as the HTTP route. Every command takes --json for scripts.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { ApiError, type ErrorCode } from '../errors.js';
import { apikeyCreate } from './commands/apikey-create.js';
import { apikeyList } from './commands/apikey-list.js';
import { apikeyRevoke } from './commands/apikey-revoke.js';
import { attributionReportCommand } from './commands/attribution-report.js';
import { backup } from './commands/backup.js';
import { deliveriesList } from './commands/deliveries-list.js';
import { deliveriesReplay } from './commands/deliveries-replay.js';
import { deliveriesShow } from './commands/deliveries-show.js';
import { destinationSet } from './commands/destination-set.js';
import { dev } from './commands/dev.js';
import { diagnostics } from './commands/diagnostics.js';
import { domainAdd } from './commands/domain-add.js';
import { domainSet } from './commands/domain-set.js';
import { feedCreate } from './commands/feed-create.js';
import { feedDelete } from './commands/feed-delete.js';
import { feedList } from './commands/feed-list.js';
import { feedUpdate } from './commands/feed-update.js';
import { keysRotate } from './commands/keys-rotate.js';
import { migrate } from './commands/migrate.js';
import { orgAddMember } from './commands/org-add-member.js';
import { orgCreate } from './commands/org-create.js';
import { orgSet } from './commands/org-set.js';
import { erase, exportPersonCommand } from './commands/person.js';
import { pkCreate } from './commands/pk-create.js';
import { pkList } from './commands/pk-list.js';
import { pkRevoke } from './commands/pk-revoke.js';
import { backfillCommand, reconcileCommand } from './commands/reconcile.js';
import { retentionRun } from './commands/retention-run.js';
import { serve } from './commands/serve.js';
import { shopWebhookRotate, shopWebhookSecret } from './commands/shop-webhook.js';
import { storeDisconnect, storeList } from './commands/store.js';
import { storeSync } from './commands/store-sync.js';
import { webhookAttempts } from './commands/webhook-attempts.js';
import { webhookCreate } from './commands/webhook-create.js';
import { webhookDelete } from './commands/webhook-delete.js';
import { webhookList } from './commands/webhook-list.js';
import { webhookResend } from './commands/webhook-resend.js';
import { webhookRotate } from './commands/webhook-rotate.js';
import { webhookTest } from './commands/webhook-test.js';
import {
  CLI_OPTIONS,
  type CliValues,
  type Command,
  type CommandContext,
  output,
  UsageError,
  withOperatorDeps,
} from './context.js';

export const COMMANDS: readonly Command[] = [
  serve,
  dev,
  migrate,
  orgCreate,
  orgSet,
  orgAddMember,
  domainAdd,
  domainSet,
  destinationSet,
  deliveriesList,
  deliveriesReplay,
  deliveriesShow,
  diagnostics,
  keysRotate,
  apikeyCreate,
  apikeyList,
  apikeyRevoke,
  shopWebhookSecret,
  shopWebhookRotate,
  reconcileCommand,
  backfillCommand,
  webhookCreate,
  webhookList,
  webhookDelete,
  webhookRotate,
  webhookAttempts,
  webhookResend,
  webhookTest,
  // Connected stores (issue 11).
  storeList,
  storeDisconnect,
  // Catalogue sync (issue 11).
  storeSync,
  // Product feeds (issue 11)
  feedCreate,
  feedList,
  feedUpdate,
  feedDelete,
  // First-party pixel keys (issue 12)
  pkCreate,
  pkList,
  pkRevoke,
  // Attribution (issue 12).
  attributionReportCommand,
  // Backups (issue 14).
  backup,
  // Retention and a person's data (issue 14 §3).
  retentionRun,
  erase,
  exportPersonCommand,
];

const USAGE = `Usage: tagbridge <command> [options]

${COMMANDS.map((c) => `  ${c.usage}`).join('\n')}

Every command accepts --json for machine-readable output.`;

/** Failures that mean "bad input, nothing changed": exit code 2, like a usage error. */
const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'validation_failed',
  'invalid_payload',
  'not_found',
  'forbidden',
  'event_not_found',
  'idempotency_conflict',
  'payload_too_large',
  'unsupported_media_type',
]);

export async function runCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: CLI_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0 || values.help) {
    process.stdout.write(`${USAGE}\n`);
    return positionals.length > 0 ? 0 : 1;
  }
  const command = COMMANDS.find((c) => c.name === positionals.join(' '));
  if (!command) throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  let config: ReturnType<typeof loadConfig> | undefined;
  const ctx: CommandContext = {
    values: values as CliValues,
    out: output(values.json === true),
    config: () => {
      config ??= loadConfig();
      return config;
    },
    withDeps: (fn) => withOperatorDeps(ctx.config(), fn),
  };
  return command.run(ctx);
}

interface CliFailure {
  code: ErrorCode | 'usage' | 'error';
  message: string;
  details?: Record<string, unknown>;
  exitCode: number;
}

/** Use cases name their inputs as the API does; the CLI says which flag. */
const FIELD_FLAGS: Record<string, string> = {
  name: '--name',
  plan: '--plan',
  status: '--status',
  owner: '--owner',
  email: '--email',
  role: '--role',
  host: '--host',
  shopUrl: '--shop-url',
  defaultCountry: '--country',
  consentDefault: '--consent-default',
  platform: '--platform',
  secret: '--secret',
  type: '--type',
  config: '--config',
  scopes: '--scopes',
  domainId: '--domain',
  url: '--url',
  eventTypes: '--events',
  description: '--description',
};

function inFlagTerms(error: ApiError): string {
  const field = String(error.details.field ?? '');
  const flag = FIELD_FLAGS[field];
  // "plan must be one of …" reads "--plan must be one of …"; other messages stay the API's words.
  if (flag && error.message.startsWith(`${field} must `))
    return `${flag}${error.message.slice(field.length)}`;
  return error.message;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

export function describeFailure(error: unknown): CliFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError || error instanceof ConfigError || isParseArgsError(error)) {
    return { code: 'usage', message, exitCode: 2 };
  }
  if (error instanceof ApiError) {
    return {
      code: error.code,
      message: error.code === 'validation_failed' ? inFlagTerms(error) : message,
      ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}),
      exitCode: INPUT_ERRORS.has(error.code) ? 2 : 1,
    };
  }
  return { code: 'error', message, exitCode: 1 };
}

export async function main(argv: string[]): Promise<void> {
  try {
    process.exitCode = await runCli(argv);
  } catch (error) {
    const failure = describeFailure(error);
    if (argv.includes('--json')) {
      const { exitCode: _exit, ...body } = failure;
      process.stdout.write(`${JSON.stringify({ error: body })}\n`);
    } else {
      process.stderr.write(
        `tagbridge: ${failure.message}\n${failure.code === 'usage' ? '\nRun tagbridge --help for usage.\n' : ''}`,
      );
    }
    process.exitCode = failure.exitCode;
  }
}
