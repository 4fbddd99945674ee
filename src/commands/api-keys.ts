import { asc, eq } from 'drizzle-orm';
import { generateApiKey } from '../auth/api-keys.js';
import type { KeyStore } from '../auth/key-store.js';
import type { Drizzle } from '../db/client.js';
import { apiKeys } from '../db/schema.js';
import { HUB_ACCOUNT, type KeyScope, type Role } from '../events/index.js';
import type { Publisher } from '../log/publisher.js';
import type { WaitForSeq } from '../projections/wait.js';

export interface KeyCommandsDeps {
  publisher: Publisher;
  /** Resolves true once the read models include a sequence (false after the timeout). */
  waitFor: WaitForSeq;
  /** The `api_keys` read model, to find a key to revoke. */
  db: Drizzle;
  /**
   * A key store of this process, told at once when a revocation is projected; stores of other
   * processes learn it from the projector's NOTIFY.
   */
  keys?: Pick<KeyStore, 'evict'>;
  clock?: () => number;
}

export interface KeyAppended {
  seq: number;
  /** The projector applied it: the key works (or is refused) from now on. */
  projected: boolean;
}

/**
 * Creating and revoking API keys: each is an event on the log (`ApiKeyCreated`,
 * `ApiKeyRevoked`), applied to `api_keys` by the projector like any read model, so keys
 * survive a rebuild. `actor` says who did it (the command line's user).
 */
export function createKeyCommands(deps: KeyCommandsDeps) {
  const clock = deps.clock ?? Date.now;
  const envelope = (eventId: string, actor: string) => {
    const now = clock();
    return {
      event_id: eventId,
      schema_version: 1 as const,
      account_id: HUB_ACCOUNT,
      occurred_at: now,
      captured_at: now,
      actor,
    };
  };

  return {
    /** A new key. Its plaintext is in the answer and nowhere else: only its hash is appended. */
    async create(
      o: { name: string; role: Role; accounts: KeyScope; actor: string },
      timeoutMs: number,
    ): Promise<KeyAppended & { key: string; keyId: string }> {
      const k = generateApiKey();
      const base = envelope(`key-${k.keyId}`, o.actor);
      const { seq } = await deps.publisher.publish({
        ...base,
        type: 'ApiKeyCreated',
        payload: {
          key_id: k.keyId,
          name: o.name,
          role: o.role,
          accounts: o.accounts,
          secret_sha256: k.secretSha256,
          created_at: base.occurred_at,
        },
      });
      return { key: k.key, keyId: k.keyId, seq, projected: await deps.waitFor(seq, timeoutMs) };
    },

    /** Revokes a key; null when the read models know no such key. A key revoked already is answered as is. */
    async revoke(
      keyId: string,
      actor: string,
      timeoutMs: number,
    ): Promise<(KeyAppended & { already: boolean }) | null> {
      const [row] = await deps.db.select().from(apiKeys).where(eq(apiKeys.keyId, keyId));
      if (!row) return null;
      if (row.revokedSeq !== null) return { seq: row.revokedSeq, projected: true, already: true };
      const base = envelope(`key-${keyId}-revoked`, actor);
      const { seq } = await deps.publisher.publish({
        ...base,
        type: 'ApiKeyRevoked',
        payload: { key_id: keyId, revoked_at: base.occurred_at },
      });
      const projected = await deps.waitFor(seq, timeoutMs);
      if (projected) deps.keys?.evict([keyId]);
      return { seq, projected, already: false };
    },
  };
}
export type KeyCommands = ReturnType<typeof createKeyCommands>;

/** Every key, oldest first, without its hash. */
export async function listKeys(db: Drizzle) {
  const rows = await db.select().from(apiKeys).orderBy(asc(apiKeys.createdSeq));
  return rows.map((r) => ({
    key_id: r.keyId,
    name: r.name,
    role: r.role as Role,
    accounts: r.accounts,
    created_at: r.createdAt,
    created_by: r.createdBy,
    revoked_at: r.revokedAt,
    revoked_by: r.revokedBy,
  }));
}
