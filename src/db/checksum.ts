import type { Sql } from './client.js';

/** The read models and the key that orders each one. */
export const READ_MODEL_TABLES = {
  messages: 'id',
  message_edits: 'seq',
  conversations: 'id',
  users: 'platform_user_id',
  accounts: 'account_id',
  blocked_users: 'account_id, platform_user_id',
  replies: 'reply_id',
  action_outcomes: 'seq',
  rejected_events: 'stream, seq',
  audit_chain_heads: 'stream',
  audit_chain_checkpoints: 'stream, seq',
} as const;

export interface TableChecksum {
  table: string;
  rows: number;
  md5: string;
}

/**
 * Row count and an MD5 over every row's text form in key order: two databases with the
 * same read models give the same checksums, byte for byte.
 */
export async function checksumReadModels(sql: Sql): Promise<TableChecksum[]> {
  const out: TableChecksum[] = [];
  for (const [table, key] of Object.entries(READ_MODEL_TABLES)) {
    const [row] = await sql.unsafe<{ rows: number; md5: string }[]>(
      `select count(*)::int as rows, md5(coalesce(string_agg(t::text, E'\\n' order by ${key}), '')) as md5 from "${table}" t`,
    );
    out.push({ table, rows: row!.rows, md5: row!.md5 });
  }
  return out;
}
