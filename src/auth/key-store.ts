import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { apiKeys } from '../db/schema.js';
import type { Role } from '../events/index.js';
import type { Logger } from '../logger.js';
import { API_KEYS_CHANNEL } from '../projections/read-models.projection.js';
import { type Principal, parseApiKey, secretMatches } from './api-keys.js';

export interface KeyStoreOptions {
  /**
   * How long a key read from Postgres is trusted without reading it again. Revocations reach
   * the cache at once by NOTIFY; this bounds the delay when a notification is lost.
   */
  ttlMs?: number;
  /** Most keys kept in memory. */
  maxEntries?: number;
  clock?: () => number;
}

type Row = typeof apiKeys.$inferSelect;

export interface KeyStore {
  /** The principal of a bearer key, or null when it is malformed, unknown or revoked. */
  authenticate(key: string): Promise<Principal | null>;
  /** Forgets cached keys (all of them without ids). */
  evict(keyIds?: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * API keys looked up by id in the `api_keys` read model, with a small in-process cache. The
 * projector names the keys a batch created or revoked on `API_KEYS_CHANNEL` when it commits,
 * and every process's store forgets them then; entries also expire after `ttlMs`.
 */
export function createKeyStore(
  deps: Pick<Db, 'db' | 'sql'> & { log: Logger },
  options: KeyStoreOptions = {},
): KeyStore {
  const ttl = options.ttlMs ?? 2000;
  const max = options.maxEntries ?? 10_000;
  const clock = options.clock ?? Date.now;
  const cache = new Map<string, { row: Row; until: number }>();
  // LISTEN on a connection of its own, started now and not awaited: until it listens, the TTL
  // alone bounds how long a revoked key is still taken
  const subscription = deps.sql
    .listen(API_KEYS_CHANNEL, (payload) => {
      for (const id of payload.split(',')) cache.delete(id);
    })
    .catch((err: unknown) => {
      deps.log.warn(
        { err: (err as Error).message },
        `cannot LISTEN for key changes; keys are re-read every ${ttl} ms`,
      );
      return null;
    });

  async function row(keyId: string): Promise<Row | undefined> {
    const now = clock();
    const hit = cache.get(keyId);
    if (hit && (hit.until > now || hit.row.revokedSeq !== null)) return hit.row;
    const [found] = await deps.db.select().from(apiKeys).where(eq(apiKeys.keyId, keyId));
    if (!found) {
      cache.delete(keyId);
      return undefined; // unknown ids are not remembered: a key just created works at once
    }
    if (cache.size >= max) cache.clear();
    cache.set(keyId, { row: found, until: now + ttl });
    return found;
  }

  return {
    async authenticate(key) {
      const parsed = parseApiKey(key);
      if (!parsed) return null;
      const r = await row(parsed.keyId);
      if (!r || r.revokedSeq !== null || !secretMatches(parsed.secret, r.secretSha256)) return null;
      return { keyId: r.keyId, name: r.name, role: r.role as Role, accounts: r.accounts };
    },
    evict(keyIds) {
      if (!keyIds) cache.clear();
      else for (const id of keyIds) cache.delete(id);
    },
    async close() {
      cache.clear();
      await (await subscription)?.unlisten().catch(() => {});
    },
  };
}
