import { READ_MODEL_TABLES } from '../db/checksum.js';
import type { Sql } from '../db/client.js';
import { PROJECTED_CHANNEL } from '../projections/batch.js';
import { quoteIdent, scratchSchemaName } from './schema.js';

export interface SwapOptions {
  /** The scratch schema whose read models replace the live ones. */
  schema: string;
  /** The live projector's checkpoint name, and the sequence the scratch tables hold. */
  projector: string;
  seq: number;
  /** How long one attempt waits for queries on the live tables to finish. */
  lockTimeoutMs?: number;
  attempts?: number;
}

/**
 * Moves the scratch schema's read models into `public` and the live ones out, to a new
 * `imhub_retired_…` schema (returned; the caller drops it), and sets the live checkpoint to
 * `seq`, all in one transaction: a query sees either the old tables or the new ones, never a
 * mix, and never a missing table.
 *
 * The transaction takes ACCESS EXCLUSIVE locks on the tables, so it waits for queries in
 * progress and queries that arrive meanwhile wait for it (metadata changes only: a few
 * milliseconds). An attempt gives up after `lockTimeoutMs` (a long query in the way) and is
 * retried, so queries never queue behind it for long. Statements prepared before the swap are
 * planned again by Postgres: they name tables through the search_path, and the tables they were
 * planned on have moved.
 *
 * The caller holds the live projector's lock, so no projector commits meanwhile; the
 * checkpoint row is also locked here, and a checkpoint past `seq` (something projected anyway)
 * aborts the swap.
 */
export async function swapIntoPublic(sql: Sql, o: SwapOptions): Promise<string> {
  const tables = Object.keys(READ_MODEL_TABLES);
  const attempts = o.attempts ?? 20;
  const retired = scratchSchemaName('retired');
  for (let attempt = 1; ; attempt++) {
    try {
      await sql.begin(async (tx) => {
        await tx.unsafe(`set local lock_timeout = ${o.lockTimeoutMs ?? 500}`);
        await tx.unsafe(
          `lock table ${tables.map((t) => `public.${quoteIdent(t)}`).join(', ')} in access exclusive mode`,
        );
        const [live] = await tx<{ last_seq: number }[]>`
          select last_seq from projector_checkpoints where projector = ${o.projector} for update`;
        if (live && live.last_seq > o.seq) {
          throw new Error(
            `the live read models moved to ${live.last_seq}, past the rebuilt ${o.seq}, while the projector lock was held here: another projector is writing`,
          );
        }
        await tx.unsafe(`create schema ${quoteIdent(retired)}`);
        for (const t of tables) {
          await tx.unsafe(`alter table public.${quoteIdent(t)} set schema ${quoteIdent(retired)}`);
        }
        for (const t of tables) {
          await tx.unsafe(`alter table ${quoteIdent(o.schema)}.${quoteIdent(t)} set schema public`);
        }
        await tx`
          insert into projector_checkpoints (projector, last_seq) values (${o.projector}, ${o.seq})
          on conflict (projector) do update set last_seq = excluded.last_seq`;
        await tx`select pg_notify(${PROJECTED_CHANNEL}, ${JSON.stringify({ projector: o.projector, seq: o.seq })})`;
      });
      return retired;
    } catch (e) {
      if ((e as { code?: string }).code !== '55P03') throw e;
      if (attempt >= attempts) throw await lockedOut(sql, tables, attempts, e);
      await new Promise((r) => setTimeout(r, Math.min(100 * attempt, 1000)));
    }
  }
}

/** The error when other sessions kept the live tables busy through every attempt: who they are. */
async function lockedOut(sql: Sql, tables: string[], attempts: number, cause: unknown): Promise<Error> {
  const holders = await sql<{ pid: number; application_name: string; query: string }[]>`
    select distinct a.pid, a.application_name, left(regexp_replace(a.query, '\s+', ' ', 'g'), 80) as query
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.granted and l.pid <> pg_backend_pid()
      and l.relation = any(select ('public.' || quote_ident(t))::regclass from unnest(${tables}::text[]) t)`.catch(
    () => [],
  );
  const who = holders.length
    ? holders
        .map((h) => `pid ${h.pid} (${h.application_name || 'no application name'}: ${h.query})`)
        .join('; ')
    : 'other sessions';
  return new Error(
    `could not switch the tables: ${who} kept the live read models in use through ${attempts} attempts ` +
      '(a verify running, or a long query). Run rebuild again once they are done; nothing was changed.',
    { cause },
  );
}
