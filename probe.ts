import { freshDatabase } from './bench/support.js';
import { rowCodec } from './src/db/bulk.js';
import { accounts } from './src/db/schema.js';

const db = await freshDatabase('copyprobe3');
await db.sql.unsafe(`create function refuse_row() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$;
  create trigger refuse before insert on accounts for each row when (new.account_id = 'b') execute function refuse_row();`);
const codec = rowCodec(accounts, ['account_id']);
const timer = setTimeout(() => {
  console.log('HUNG');
  process.exit(1);
}, 5000);
const row = (id: string) => ({
  accountId: id,
  firstSeq: 1,
  lastSeq: 1,
  lastCapturedAt: 1,
  messageCount: 0,
  conversationCount: 0,
});
try {
  await db.sql.begin(async (tx) => {
    await codec.copyIn(tx, [row('a'), row('b'), row('c')]);
    console.log('copied');
  });
} catch (e) {
  console.log('error:', (e as Error).message);
}
console.log(await db.sql`select count(*)::int n from accounts`);
clearTimeout(timer);
await db.drop();
