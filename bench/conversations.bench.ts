/**
 * bench:conversations — one account with 100,000 conversations and 2,000,000 messages:
 * the conversation list with each sort, with search, and the unread summary, each beside
 * the bare SQL that reads the same rows, in the same run.
 *
 *   npm run bench:conversations -- --conversations 100000 --messages 2000000 --samples 100
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { rowCodec } from '../src/db/bulk.js';
import { conversations, messages, users } from '../src/db/schema.js';
import { conversationId, messageId } from '../src/events/index.js';
import { listConversations, unreadSummary } from '../src/queries/conversations.queries.js';
import { buildTsQuery } from '../src/search/query.js';
import { searchVector } from '../src/search/tokenizer.js';
import { DM_LINES, NICKNAMES } from '../src/worker/corpus.js';
import { createRandom } from '../src/worker/simulate.js';
import { fmt, freshDatabase, indexed, percentile, progress } from './support.js';

const { values: args } = parseArgs({
  options: {
    conversations: { type: 'string', default: '100000' },
    messages: { type: 'string', default: '2000000' },
    samples: { type: 'string', default: '100' },
    keep: { type: 'boolean', default: false },
  },
});
const C = Number(args.conversations);
const M = Number(args.messages);
const SAMPLES = Number(args.samples);
const A = 'dy_big';
const rnd = createRandom(4);
const T0 = Date.UTC(2025, 0, 1);
const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];
const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞亮宇浩凯健俊帆斌婷雪琳晶欣怡',
];

const db = await freshDatabase('conversations');
try {
  console.log(
    `bench:conversations  account ${A}: conversations=${fmt(C)} messages=${fmt(M)} (node ${process.version})`,
  );
  const userRows: (typeof users.$inferSelect)[] = [];
  for (let i = 0; i < C; i++) {
    const name = rnd.chance(0.2)
      ? `${rnd.pick(NICKNAMES)}${i}`
      : rnd.pick(SURNAMES) + rnd.pick(GIVEN) + (rnd.chance(0.5) ? rnd.pick(GIVEN) : '');
    userRows.push({
      platformUserId: `f_${i}`,
      name,
      avatar: null,
      signature: null,
      followerCount: rnd.int(10_000),
      followingCount: 0,
      videoCount: 0,
      isVerified: false,
      profileCapturedAt: T0,
      profileSeq: i + 1,
      firstSeenAt: T0,
      lastSeenAt: T0,
      messageCount: M / C,
      accounts: [A],
      nameCapturedAt: T0,
      avatarCapturedAt: null,
      signatureCapturedAt: null,
      followerCountCapturedAt: T0,
      followingCountCapturedAt: T0,
      videoCountCapturedAt: T0,
      isVerifiedCapturedAt: T0,
    });
  }
  const convRows: (typeof conversations.$inferSelect)[] = [];
  const perConv = Math.max(1, Math.floor(M / C));
  let seq = 0;
  const t = performance.now();
  const messageCodec = rowCodec(messages, ['id']);
  for (let start = 0; start < C; start += 5000) {
    const batch: (typeof messages.$inferSelect)[] = [];
    for (let k = start; k < Math.min(C, start + 5000); k++) {
      const cid = conversationId(A, 'direct', `conv_${k}`);
      const unread = rnd.chance(0.3) ? 1 + rnd.int(5) : 0;
      let last: typeof messages.$inferSelect | null = null;
      const base = T0 + rnd.int(300) * 86_400_000;
      for (let j = 0; j < perConv; j++) {
        const inbound = j % 3 !== 2;
        const content = rnd.pick(DM_LINES);
        const created = base + j * 60_000;
        const m = {
          id: messageId(A, `p${k}_${j}`),
          accountId: A,
          platformMessageId: `p${k}_${j}`,
          conversationId: cid,
          platformConversationId: `conv_${k}`,
          channel: 'direct',
          direction: inbound ? 'inbound' : 'outbound',
          senderId: inbound ? `f_${k}` : A,
          content,
          originalContent: null,
          messageType: 'text',
          replyTo: null,
          createdAt: created,
          capturedAt: created + 1000,
          captureSeq: ++seq,
          edited: false,
          editedAt: null,
          editSeq: null,
          recalled: false,
          recalledAt: null,
          recalledBy: null,
          recallSeq: null,
          version: seq,
          readAt: inbound && j < perConv - unread ? created + 1 : null,
          readSeq: null,
          ...indexed(content),
        };
        batch.push(m);
        last = m;
      }
      const unreadCount = batch.filter(
        (m) => m.conversationId === cid && m.readAt === null && m.direction === 'inbound',
      ).length;
      convRows.push({
        id: cid,
        accountId: A,
        platformConversationId: `conv_${k}`,
        channel: 'direct',
        friendId: `f_${k}`,
        friendName: userRows[k]!.name,
        lastMessageId: last!.id,
        lastMessage: last!.content,
        lastMessageTime: last!.createdAt,
        lastMessageSeq: last!.captureSeq,
        messageCount: perConv,
        unreadCount,
        createdAt: base,
        createdSeq: seq - perConv + 1,
        version: seq,
        isPinned: k < 5,
        pinnedAt: k < 5 ? T0 + k : null,
        isArchived: rnd.chance(0.05),
        muteUntil: rnd.chance(0.03) ? Date.now() + 86_400_000 : null,
        readThrough: null,
        tags: rnd.chance(0.1) ? [rnd.pick(['重要', '客户', '售后', '潜在客户'])] : [],
        search: searchVector(`${userRows[k]!.name}\n${last!.content}`),
      });
    }
    await db.sql.begin((tx) => messageCodec.copyIn(tx, batch));
    progress('load', Math.min(C, start + 5000), C);
  }
  await db.sql.begin(async (tx) => {
    await rowCodec(users, ['platform_user_id']).copyIn(tx, userRows);
    await rowCodec(conversations, ['id']).copyIn(tx, convRows);
    await tx`insert into accounts values (${A}, 1, ${seq}, ${T0}, ${M}, ${C})`;
  });
  await db.sql`vacuum analyze`;
  console.log(
    `load           ${fmt(seq)} messages, ${fmt(C)} conversations in ${fmt((performance.now() - t) / 1000, 1)} s`,
  );

  const now = Date.now();
  const time = async (fn: () => Promise<unknown>) => {
    const out: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const s = performance.now();
      await fn();
      out.push(performance.now() - s);
    }
    return out.sort((a, b) => a - b);
  };
  const names = userRows.map((u) => u.name!);
  const cases: { name: string; api: () => Promise<unknown>; bare: () => Promise<unknown> }[] = [
    {
      name: 'list by last_message_time',
      api: () =>
        listConversations(db.db, {
          accountId: A,
          sortBy: 'last_message_time',
          order: 'desc',
          now,
          limit: 50,
          offset: 0,
        }),
      bare: () =>
        db.sql`select * from conversations where account_id = ${A} order by last_message_time desc nulls last limit 50`,
    },
    {
      name: 'list by unread_count',
      api: () =>
        listConversations(db.db, {
          accountId: A,
          sortBy: 'unread_count',
          order: 'desc',
          now,
          limit: 50,
          offset: 0,
        }),
      bare: () =>
        db.sql`select * from conversations where account_id = ${A}
          order by unread_count desc nulls last, last_message_time desc nulls last, last_message_seq desc nulls last limit 50`,
    },
    {
      name: 'list by name',
      api: () =>
        listConversations(db.db, { accountId: A, sortBy: 'name', order: 'asc', now, limit: 50, offset: 0 }),
      bare: () => db.sql`select * from conversations where account_id = ${A}
        order by friend_name collate "zh-x-icu" asc nulls last, id limit 50`,
    },
    {
      name: 'list, search a name',
      api: () =>
        listConversations(db.db, {
          accountId: A,
          search: rnd.pick(names).slice(0, 2),
          sortBy: 'last_message_time',
          now,
          limit: 50,
          offset: 0,
        }),
      bare: () => db.sql`select * from conversations where account_id = ${A}
        and search @@ ${buildTsQuery(rnd.pick(names).slice(0, 2))}::tsquery
        order by last_message_time desc nulls last limit 50`,
    },
    {
      name: 'unread summary',
      api: () => unreadSummary(db.db, A, now, 100),
      bare: () => db.sql`select id, unread_count from conversations where account_id = ${A} and unread_count > 0
        order by last_message_time desc nulls last limit 100`,
    },
  ];
  for (const c of cases) {
    await c.api();
    await c.bare();
    const api = await time(c.api);
    const bare = await time(c.bare);
    console.log(
      `${c.name.padEnd(26)} api p50 ${fmt(percentile(api, 50), 1)} ms, p99 ${fmt(percentile(api, 99), 1)} ms | bare SQL p50 ${fmt(percentile(bare, 50), 1)} ms, p99 ${fmt(percentile(bare, 99), 1)} ms | ratio p99 ${fmt(percentile(api, 99) / percentile(bare, 99), 1)}× (target p99 ≤ 30 ms)`,
    );
  }
} finally {
  if (args.keep) {
    console.log(`kept database ${db.url}`);
    await db.close();
  } else await db.drop();
}
