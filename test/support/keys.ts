import { generateApiKey } from '../../src/auth/api-keys.js';
import { createKeyCommands } from '../../src/commands/api-keys.js';
import type { Db } from '../../src/db/client.js';
import { apiKeys } from '../../src/db/schema.js';
import type { KeyScope, Role } from '../../src/events/index.js';
import type { Publisher } from '../../src/log/publisher.js';
import { pollCheckpoint } from '../../src/projections/wait.js';

/** A key a test holds: the plaintext to send and what it may do. */
export interface TestKey {
  key: string;
  keyId: string;
  name: string;
  role: Role;
  accounts: KeyScope;
}

export interface TestKeyOptions {
  role?: Role;
  accounts?: KeyScope;
  name?: string;
}

/** The `Authorization` header of a key. */
export const bearer = (k: TestKey | string) => ({
  authorization: `Bearer ${typeof k === 'string' ? k : k.key}`,
});

/**
 * A key written straight into `api_keys`, for tests (and benchmarks) that run no projector:
 * what the projection of its `ApiKeyCreated` would write, minus the event.
 */
export async function insertTestKey(db: Pick<Db, 'db'>, o: TestKeyOptions = {}): Promise<TestKey> {
  const k = generateApiKey();
  const key: TestKey = {
    key: k.key,
    keyId: k.keyId,
    name: o.name ?? `test-${o.role ?? 'admin'}`,
    role: o.role ?? 'admin',
    accounts: o.accounts ?? 'all',
  };
  await db.db.insert(apiKeys).values({
    keyId: k.keyId,
    name: key.name,
    role: key.role,
    accounts: key.accounts === 'all' ? null : key.accounts,
    secretSha256: k.secretSha256,
    createdAt: Date.now(),
    createdBy: 'test',
    createdSeq: 0,
  });
  return key;
}

/**
 * A key created the way `im-hub keys create` does: an `ApiKeyCreated` on the log, applied by
 * the running projector (waited for), so a rebuild of the read models has it too.
 */
export async function createLoggedKey(
  log: { publisher: Publisher; stream: string },
  db: Pick<Db, 'db' | 'sql'>,
  o: TestKeyOptions = {},
): Promise<TestKey> {
  const commands = createKeyCommands({
    publisher: log.publisher,
    waitFor: pollCheckpoint(db.sql, `read-models:${log.stream}`),
    db: db.db,
  });
  const name = o.name ?? `test-${o.role ?? 'admin'}`;
  const role = o.role ?? 'admin';
  const accounts = o.accounts ?? 'all';
  const r = await commands.create({ name, role, accounts, actor: 'test' }, 60_000);
  if (!r.projected)
    throw new Error(`key ${r.keyId} was not projected within 60 s: is the test's projector running?`);
  return { key: r.key, keyId: r.keyId, name, role, accounts };
}
