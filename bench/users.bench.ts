/**
 * bench:users — POST /api/v1/users/batch with 500 random ids over 1,000,000 users, through the
 * whole HTTP app (`app.request`), beside the bare SQL that reads the same rows, in the same run.
 * The users are generated here and loaded with COPY (the projection's own COPY path, 100,000
 * rows a statement) into a fresh database; 100,000 DM conversations give `is_friend` something
 * to find.
 *
 *   npm run bench:users -- --users 1000000 --samples 1000
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApp } from '../src/api/create-app.js';
import { createKeyStore } from '../src/auth/key-store.js';
import { rowCodec } from '../src/db/bulk.js';
import { users } from '../src/db/schema.js';
import { silentLogger } from '../src/logger.js';
import { DM_LINES, NICKNAMES } from '../src/worker/corpus.js';
import { createRandom } from '../src/worker/simulate.js';
import { bearer, insertTestKey } from '../test/support/keys.js';
import { fmt, freshDatabase, percentile, progress } from './support.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '500' },
    samples: { type: 'string', default: '1000' },
    keep: { type: 'boolean', default: false },
  },
});
const U = Number(args.users);
const BATCH = Number(args.batch);
const SAMPLES = Number(args.samples);
const A = 'dy_big';
const CONVERSATIONS = Math.ceil(U / 10);
const T0 = Date.UTC(2025, 0, 1);
const CHUNK = 100_000;
const rnd = createRandom(7);
const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜',
];
const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉兰萍红鹏飞亮宇浩凯健俊帆斌婷雪琳晶欣怡'];
const userId = (i: number) => `u${String(i).padStart(8, '0')}`;

function userRow(i: number): typeof users.$inferSelect {
  const seen = T0 + rnd.int(300) * 86_400_000;
  const at = seen + rnd.int(86_400_000);
  const signature = rnd.chance(0.6) ? rnd.pick(DM_LINES) : null;
  const videoCount = rnd.chance(0.7) ? rnd.int(500) : null;
  return {
    platformUserId: userId(i),
    name: rnd.chance(0.3)
      ? `${rnd.pick(NICKNAMES)}${i % 1000}`
      : rnd.pick(SURNAMES) + rnd.pick(GIVEN) + (rnd.chance(0.5) ? rnd.pick(GIVEN) : ''),
    avatar: `https://p3-pc.douyinpic.com/aweme/100x100/aweme-avatar/tos-cn-avt-${i.toString(36)}.jpeg`,
    signature,
    followerCount: rnd.int(100_000),
    followingCount: rnd.int(2_000),
    videoCount,
    isVerified: rnd.chance(0.02),
    profileCapturedAt: at,
    profileSeq: i + 1,
    firstSeenAt: seen,
    lastSeenAt: at,
    messageCount: 1 + rnd.int(50),
    accounts: rnd.chance(0.1) ? [A, `dy_${rnd.int(1000)}`] : [A],
    nameCapturedAt: at,
    avatarCapturedAt: at,
    signatureCapturedAt: signature === null ? null : at,
    followerCountCapturedAt: at,
    followingCountCapturedAt: at,
    videoCountCapturedAt: videoCount === null ? null : at,
    isVerifiedCapturedAt: at,
  };
}

const db = await freshDatabase('users');
try {
  console.log(
    `bench:users  users=${fmt(U)} batch=${fmt(BATCH)} samples=${fmt(SAMPLES)} (node ${process.version})`,
  );
  const codec = rowCodec(users, ['platform_user_id']);
  const t = performance.now();
  for (let start = 0; start < U; start += CHUNK) {
    const rows: (typeof users.$inferSelect)[] = [];
    for (let i = start; i < Math.min(U, start + CHUNK); i++) rows.push(userRow(i));
    await db.sql.begin((tx) => codec.copyIn(tx, rows));
    progress('COPY users', Math.min(U, start + CHUNK), U);
  }
  const loaded = performance.now();
  // every tenth user is the friend of one of the account's DM conversations
  await db.sql`
    insert into conversations (id, account_id, platform_conversation_id, channel, friend_id, friend_name,
      message_count, unread_count, created_at, created_seq, version)
    select 'c_' || lpad(k::text, 22, '0'), ${A}, 'conv_' || k, 'direct', u.platform_user_id, u.name,
      1, 0, ${T0}, ${U} + k, ${U} + k
    from generate_series(0, ${CONVERSATIONS - 1}) k join users u on u.platform_user_id = 'u' || lpad((k * 10)::text, 8, '0')`;
  await db.sql`vacuum analyze`;
  await db.sql`checkpoint`;
  const [size] = await db.sql<{ mb: number }[]>`select pg_total_relation_size('users') / 1048576.0 as mb`;
  console.log(
    `load           ${fmt(U)} users by COPY in ${fmt((loaded - t) / 1000, 1)} s (table with index ${fmt(Number(size!.mb))} MB); ${fmt(CONVERSATIONS)} conversations in ${fmt((performance.now() - loaded) / 1000, 1)} s`,
  );

  const key = await insertTestKey(db, { role: 'reader', name: 'bench-users' });
  const app = createApp({
    db: db.db,
    log: silentLogger(),
    keys: createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() }),
    readiness: async () => {
      throw new Error('not measured');
    },
  });
  /** BATCH ids drawn at random, about 1% of them unknown. */
  const randomIds = () =>
    Array.from({ length: BATCH }, (_, k) => (k % 100 === 99 ? `missing_${rnd.int(U)}` : userId(rnd.int(U))));
  const time = async (fn: (ids: string[]) => Promise<unknown>) => {
    for (let i = 0; i < 100; i++) await fn(randomIds()); // warm up (and let the load phase's garbage go)
    const out: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const ids = randomIds();
      const s = performance.now();
      await fn(ids);
      out.push(performance.now() - s);
    }
    return out.sort((a, b) => a - b);
  };
  const post = async (body: object) => {
    const res = await app.request('/api/v1/users/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
    return res.arrayBuffer(); // the whole body, as a client receives it
  };
  const cases: {
    name: string;
    api: (ids: string[]) => Promise<unknown>;
    bare: (ids: string[]) => Promise<unknown>;
  }[] = [
    {
      name: `batch ${BATCH}`,
      api: (ids) => post({ user_ids: ids }),
      bare: (ids) => db.sql`select * from users where platform_user_id = any(${ids}::text[])`,
    },
    {
      name: `batch ${BATCH} + is_friend`,
      api: (ids) => post({ user_ids: ids, account_id: A }),
      bare: (ids) => db.sql`select u.*, u.platform_user_id in (select friend_id from conversations
          where account_id = ${A} and friend_id = any(${ids}::text[])) as is_friend
        from users u where u.platform_user_id = any(${ids}::text[])`,
    },
  ];
  for (const c of cases) {
    const api = await time(c.api);
    const bare = await time(c.bare);
    console.log(
      `${c.name.padEnd(26)} api p50 ${fmt(percentile(api, 50), 1)} ms, p99 ${fmt(percentile(api, 99), 1)} ms | bare SQL p50 ${fmt(percentile(bare, 50), 1)} ms, p99 ${fmt(percentile(bare, 99), 1)} ms | ratio p99 ${fmt(percentile(api, 99) / percentile(bare, 99), 1)}× (target p99 ≤ 20 ms)`,
    );
  }
} finally {
  if (args.keep) {
    console.log(`kept database ${db.url}`);
    await db.close();
  } else await db.drop();
}
