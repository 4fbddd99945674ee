import type { Sql } from '../db/client.js';
import { PROJECTOR_CONTROL_CHANNEL } from '../projections/projector.js';

/** The projector lock would not come: someone holds it and does not hand it over. */
export class ProjectorLockError extends Error {
  readonly code = 'projector_lock_held';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProjectorLockError';
  }
}

export interface HeldLock {
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  application_name: string;
  client_addr: string | null;
  backend_start: string;
}

/**
 * Takes the live projector's advisory lock, asking the process that holds it to hand it over
 * (`PROJECTOR_CONTROL_CHANNEL`, repeated every second in case a request is missed); `release`
 * gives it back and says so on the same channel. While the
 * lock is held here no projector commits a batch: the live checkpoint stands still. Fails
 * with `ProjectorLockError`, naming the holder, after `timeoutMs`.
 */
export async function takeProjectorLock(sql: Sql, projector: string, timeoutMs: number): Promise<HeldLock> {
  const conn = await sql.reserve();
  const release = async () => {
    await conn`select pg_advisory_unlock(hashtextextended(${projector}, 0))`.catch(() => {});
    conn.release();
    // processes on standby try for the lock at once instead of at their next turn
    const released = JSON.stringify({ projector, released: true });
    await sql`select pg_notify(${PROJECTOR_CONTROL_CHANNEL}, ${released})`.catch(() => {});
  };
  try {
    const [free] = await conn<{ ok: boolean }[]>`
      select pg_try_advisory_lock(hashtextextended(${projector}, 0)) as ok`;
    if (free?.ok) return { release };
    await conn.unsafe(`set lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    const request = JSON.stringify({ projector, release: true });
    const ask = () => sql`select pg_notify(${PROJECTOR_CONTROL_CHANNEL}, ${request})`.catch(() => {});
    // the wait for the lock is queued first: the holder's release then goes straight to us
    const locked = conn`select pg_advisory_lock(hashtextextended(${projector}, 0))`;
    let settled = false;
    const asking = (async () => {
      while (!settled) {
        await ask();
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    try {
      await locked;
    } finally {
      settled = true;
      await asking;
    }
    await conn`reset lock_timeout`;
    return { release };
  } catch (e) {
    const holder = await holderOf(sql, projector).catch(() => null);
    await conn`reset lock_timeout`.catch(() => {});
    conn.release();
    if ((e as { code?: string }).code !== '55P03') throw e;
    const who = holder
      ? `process ${holder.pid} (${holder.application_name || 'no application name'}${holder.client_addr ? ` from ${holder.client_addr}` : ''}, connected since ${holder.backend_start})`
      : 'another process';
    throw new ProjectorLockError(
      `the projector lock ${projector} is held by ${who}, which did not hand it over within ${Math.round(timeoutMs / 1000)} s. ` +
        'Stop that process (or update it to a version that hands the lock over) and run the command again; nothing was changed.',
      { cause: e },
    );
  }
}

/** The session holding a projector's lock, if any. */
async function holderOf(sql: Sql, projector: string): Promise<Holder | null> {
  const [row] = await sql<Holder[]>`
    select a.pid, a.application_name, a.client_addr::text as client_addr,
      to_char(a.backend_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as backend_start
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
      and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(${projector}, 0)`;
  return row ?? null;
}
