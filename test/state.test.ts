import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationId, type HubEvent, messageId } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import { type AccountStateAt, type ConversationStateAt, stateAt } from '../src/replay/state-at.js';
import { chatEvents, convOf, pmid } from './support/chat-events.js';
import {
  createTestDatabase,
  createTestLog,
  natsUrl,
  startTestProjector,
  type TestLog,
} from './support/env.js';
import { spawnCli } from './support/process.js';

// `state --at-seq N` must show a conversation (or an account) exactly as the read models held
// it right after N: the test snapshots the read models after every event and asks for each.

const A = 'dy_20001';
const B = 'dy_20002';
let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
const conv0 = conversationId(A, 'direct', convOf(0));
const chat = chatEvents('state');

/** The read models of one conversation of A, as rows with their column names. */
async function snapshot(conversation: string) {
  const [c] = await db.sql<{ row: Record<string, unknown> }[]>`
    select to_jsonb(c) - 'search' as row from conversations c where id = ${conversation}`;
  const messages = await db.sql<{ row: Record<string, unknown> }[]>`
    select to_jsonb(m) - 'search' - 'search_keys' as row from messages m where conversation_id = ${conversation} order by id`;
  const edits = await db.sql<{ row: Record<string, unknown> }[]>`
    select to_jsonb(e) as row from message_edits e
    where message_id in (select id from messages where conversation_id = ${conversation}) order by seq`;
  const [blocked] = await db.sql<{ yes: boolean }[]>`
    select exists (select 1 from blocked_users b join conversations c on c.account_id = b.account_id
      and c.friend_id = b.platform_user_id where c.id = ${conversation}) as yes`;
  return {
    conversation: c ? { ...c.row, is_blocked: blocked!.yes } : null,
    messages: messages.map((m) => m.row),
    edits: edits.map((e) => e.row),
  };
}

/** What `stateAt` answers, in the snapshot's shape. */
function asSnapshot(s: ConversationStateAt) {
  return {
    conversation: s.conversation,
    messages: s.messages
      .map(({ edits: _, ...m }) => m)
      .sort((a, b) => String(a.id).localeCompare(String(b.id))),
    edits: s.messages.flatMap((m) => m.edits).sort((a, b) => Number(a.seq) - Number(b.seq)),
  };
}

const action = (
  n: number,
  type: 'ConversationTagged' | 'ConversationPinned' | 'ConversationArchived' | 'UserBlocked',
  payload: Record<string, unknown>,
): HubEvent =>
  ({
    event_id: `state-action-${n}`,
    schema_version: 1,
    account_id: A,
    occurred_at: 1_760_000_500_000 + n,
    captured_at: 1_760_000_500_000 + n,
    actor: 'auditor-test',
    type,
    payload,
  }) as HubEvent;

/** Every step: the event, what it is, and the read models right after it. */
const steps: { label: string; seq: number; snap: Awaited<ReturnType<typeof snapshot>> }[] = [];

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('state'), createTestDatabase('state')]);
  projector = startTestProjector(log, db);
  const script: [string, HubEvent][] = [
    ['other account', chat(B, { kind: 'capture', msg: 0 })],
    ['capture 0', chat(A, { kind: 'capture', msg: 0 })],
    ['capture 3', chat(A, { kind: 'capture', msg: 3 })],
    ['capture 1 (other conversation)', chat(A, { kind: 'capture', msg: 1 })],
    ['capture 6 (outbound)', chat(A, { kind: 'capture', msg: 6, inbound: false })],
    ['edit 0', chat(A, { kind: 'edit', msg: 0 })],
    ['edit 0 again', chat(A, { kind: 'edit', msg: 0 })],
    ['mark read', chat(A, { kind: 'read', conv: 0 })],
    ['capture 9', chat(A, { kind: 'capture', msg: 9 })],
    ['tag', action(1, 'ConversationTagged', { conversation_id: conv0, tags: ['重要', '客户'] })],
    ['recall 9 (the last message)', chat(A, { kind: 'recall', msg: 9 })],
    ['pin', action(2, 'ConversationPinned', { conversation_id: conv0 })],
    ['archive', action(3, 'ConversationArchived', { conversation_id: conv0 })],
    ['block the friend', action(4, 'UserBlocked', { platform_user_id: '粉丝_0' })],
    ['recall 3', chat(A, { kind: 'recall', msg: 3 })],
  ];
  for (const [label, event] of script) {
    const { seq } = await log.publisher.publish(event);
    expect(await projector.waitFor(seq, 10_000)).toBe(true);
    steps.push({ label, seq, snap: await snapshot(conv0) });
  }
});

afterAll(async () => {
  // each step even if one before it fails: a database left behind stays on the shared server
  await projector?.stop().catch(() => {});
  await log?.close().catch(() => {});
  await db?.drop();
});

const deps = () => ({ js: log.js, jsm: log.jsm, stream: log.stream, subjects: log.subjects });

describe('state at a sequence', () => {
  it('matches the read models right after every event', async () => {
    for (const step of steps) {
      const s = (await stateAt(deps(), {
        atSeq: step.seq,
        accountId: A,
        conversationId: conv0,
      })) as ConversationStateAt;
      expect(asSnapshot(s), `after "${step.label}" (seq ${step.seq})`).toEqual(step.snap);
    }
  });

  it('shows content, read state, tags, pin and archive as they were then', async () => {
    const at = (label: string) => steps.find((s) => s.label === label)!.seq;
    const state = async (label: string) =>
      (await stateAt(deps(), {
        atSeq: at(label),
        accountId: A,
        conversationId: conv0,
      })) as ConversationStateAt;
    const m0 = messageId(A, pmid(0));
    const message = (s: ConversationStateAt, id: string) => s.messages.find((m) => m.id === id)!;

    expect((await state('other account')).conversation).toBeNull();

    const beforeEdit = await state('capture 6 (outbound)');
    expect(message(beforeEdit, m0)).toMatchObject({
      content: '你好，第0条消息',
      edited: false,
      read_at: null,
    });
    expect(beforeEdit.conversation).toMatchObject({ unread_count: 2, tags: [], is_pinned: false });

    const afterEdits = await state('edit 0 again');
    expect(message(afterEdits, m0)).toMatchObject({ edited: true, original_content: '你好，第0条消息' });
    expect(message(afterEdits, m0).edits).toHaveLength(2);
    expect(message(afterEdits, m0).content).toBe(message(afterEdits, m0).edits[1]!.content);

    const afterRead = await state('mark read');
    expect(afterRead.conversation).toMatchObject({ unread_count: 0 });
    expect(message(afterRead, m0).read_at).not.toBeNull();

    const tagged = await state('tag');
    expect(tagged.conversation).toMatchObject({ tags: ['重要', '客户'], unread_count: 1, is_pinned: false });

    const m9 = messageId(A, pmid(9));
    expect((await state('tag')).conversation!.last_message_id).toBe(m9);
    const recalled = await state('recall 9 (the last message)');
    expect(message(recalled, m9)).toMatchObject({ recalled: true });
    expect(recalled.conversation!.last_message_id).not.toBe(m9);

    const last = await state('recall 3');
    expect(last.conversation).toMatchObject({ is_pinned: true, is_archived: true, is_blocked: true });
  });

  it('shows a whole account, and runs from the command line', async () => {
    const seq = steps.find((s) => s.label === 'tag')!.seq;
    const account = (await stateAt(deps(), { atSeq: seq, accountId: A })) as AccountStateAt;
    expect(account.account).toMatchObject({ account_id: A, message_count: 5, conversation_count: 2 });
    expect(account.conversations.map((c) => c.id)).toContain(conv0);
    expect(account.messages).toHaveLength(5);

    const env = {
      DATABASE_URL: db.url,
      NATS_URL: natsUrl(),
      STREAM_NAME: log.stream,
      SUBJECT_PREFIX: log.subjects.prefix,
    };
    const run = spawnCli(['state', '--at-seq', String(seq), '--conversation', conv0], env);
    expect(await run.exited).toBe(0);
    const printed = JSON.parse(run.output()) as ConversationStateAt;
    expect(printed).toEqual(await stateAt(deps(), { atSeq: seq, accountId: A, conversationId: conv0 }));

    const unknown = spawnCli(['state', '--at-seq', '1', '--conversation', `c_${'x'.repeat(22)}`], env);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toContain('--account');
    const past = spawnCli(['state', '--at-seq', '999999', '--account', A], env);
    expect(await past.exited).toBe(2);
    expect(past.output()).toContain('past the end of the log');
  });
});
