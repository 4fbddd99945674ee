import { bigint, boolean, pgTable, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCodec } from '../src/db/bulk.js';
import { createTestDatabase } from './support/env.js';

// COPY is how a projection writes many new rows: every value must arrive as it was, whatever
// its characters and however the data is cut into messages.

const probe = pgTable('bulk_probe', {
  id: text('id').primaryKey(),
  body: text('body'),
  tags: text('tags').array(),
  n: bigint('n', { mode: 'number' }),
  flag: boolean('flag'),
});
const codec = rowCodec(probe, ['id']);
type Row = typeof probe.$inferSelect;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase('bulk');
  await db.sql`create table bulk_probe (id text primary key, body text, tags text[], n bigint, flag boolean)`;
});
afterAll(async () => {
  await db?.drop();
});

const tricky = [
  '你好，世界',
  'tab\there',
  'line\nfeed\r\n',
  'back\\slash \\N',
  '"quoted" {braces},',
  '😀🀄',
  '\\',
  '',
];

describe('COPY of rows', () => {
  it('stores every value as it was, across many buffers and one value larger than a buffer', async () => {
    const rows: Row[] = [];
    for (let i = 0; i < 3000; i++) {
      rows.push({
        id: `r${i}`,
        body: i % 7 === 0 ? null : `${tricky[i % tricky.length]}${'消息内容'.repeat(i % 40)}`,
        tags: i % 5 === 0 ? null : [tricky[i % tricky.length]!, `标签${i}`, 'x\u001f2'],
        n: i * 1_000_000_007,
        flag: i % 3 === 0 ? null : i % 2 === 0,
      });
    }
    rows.push({ id: 'huge', body: '长'.repeat(400_000), tags: [], n: 0, flag: true });
    await db.sql.begin((tx) => codec.copyIn(tx, rows));
    const back = await db.sql<Row[]>`select id, body, tags, n::float8 as n, flag from bulk_probe order by id`;
    const byId = new Map(back.map((r) => [r.id, r]));
    expect(back.length).toBe(rows.length);
    for (const r of rows) expect(byId.get(r.id), r.id).toEqual(r);
  });

  it('fails the transaction on a duplicate key, storing nothing of it', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({
      id: `d${i % 299}`,
      body: '重复',
      tags: null,
      n: 1,
      flag: null,
    }));
    await expect(db.sql.begin((tx) => codec.copyIn(tx, rows))).rejects.toThrow(/COPY into bulk_probe failed/);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from bulk_probe where id like 'd%'`;
    expect(row!.n).toBe(0);
  });
});
