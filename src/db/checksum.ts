import type { Sql, Tx } from './client.js';

/** The read models and the key that orders each one. */
export const READ_MODEL_TABLES = {
  messages: 'id',
  message_edits: 'message_id, seq',
  conversations: 'id',
  users: 'platform_user_id',
  accounts: 'account_id',
  blocked_users: 'account_id, platform_user_id',
  replies: 'reply_id',
  api_keys: 'key_id',
  action_outcomes: 'account_id, seq',
  rejected_events: 'stream, seq',
  audit_chain_heads: 'stream',
  audit_chain_checkpoints: 'stream, seq',
} as const;

export interface TableChecksum {
  table: string;
  rows: number;
  md5: string;
}

export type ReadModelTable = keyof typeof READ_MODEL_TABLES;

/** The key columns of a read model, in order. */
export const keyColumns = (table: ReadModelTable): string[] => READ_MODEL_TABLES[table].split(', ');

/**
 * Row count and an MD5 over the MD5s of every row's text form in key order: two databases (or
 * schemas) with the same read models give the same checksums, byte for byte. Hashing each row
 * first keeps the aggregate small (32 bytes a row) whatever the rows hold. `schema` is where
 * the tables are; by default wherever the connection's search_path finds them.
 */
export async function checksumReadModels(sql: Sql | Tx, schema?: string): Promise<TableChecksum[]> {
  const out: TableChecksum[] = [];
  for (const [table, key] of Object.entries(READ_MODEL_TABLES)) {
    const from = schema ? `"${schema}"."${table}"` : `"${table}"`;
    const [row] = await sql.unsafe<{ rows: number; md5: string }[]>(
      `select count(*)::int as rows, md5(coalesce(string_agg(md5(t::text), '' order by ${key}), '')) as md5 from ${from} t`,
    );
    out.push({ table, rows: row!.rows, md5: row!.md5 });
  }
  return out;
}
