/** Running the real CLI (a child process) against a test service's database, to compare it with HTTP. */
import type { Service } from '../../src/main.js';
import { sameDatabaseEnv, type TestService, testEnv } from '../harness.js';
import { runCli } from '../processes.js';

export interface CliJson {
  code: number | null;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

/** `tagbridge <args> --json` on `service`'s database (same DATA_DIR or schema, same key). */
export async function cliJson(service: TestService, args: string[]): Promise<CliJson> {
  const env = testEnv(service.dataDir, sameDatabaseEnv(service));
  const result = await runCli([...args, '--json'], env);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  let body: CliJson['body'];
  try {
    body = JSON.parse(line);
  } catch {
    throw new Error(
      `tagbridge ${args.join(' ')}: no JSON (exit ${result.code}): ${result.stdout}${result.stderr}`,
    );
  }
  return { code: result.code, body };
}

/** The audit entries of an org for `action`, oldest first. */
export async function auditEntries(
  service: Service,
  orgId: string,
  action: string,
): Promise<Array<{ actor_type: string; actor_id: string | null; target_id: string | null }>> {
  return service.storage.db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id', 'target_id'])
    .where('org_id', '=', orgId)
    .where('action', '=', action)
    .orderBy('at')
    .orderBy('id')
    .execute();
}
