import type { HubEvent } from '../events/index.js';
import { COMMENT_LINES, DM_LINES, EDITED_LINES, NICKNAMES, REPLY_LINES, SIGNATURES } from './corpus.js';

/** A small deterministic PRNG (mulberry32): the same seed gives the same stream of events. */
export function createRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Random = ReturnType<typeof createRandom>;

export interface SimulationOptions {
  seed?: number;
  accounts?: number;
  conversationsPerAccount?: number;
  /** Total events to produce. */
  events?: number;
  /** Platform time of the first message (epoch ms). */
  startAt?: number;
  /** Share of events that edit an earlier message of the same account. */
  editRate?: number;
  /** Share of events that recall an earlier message. */
  recallRate?: number;
  /** Prefix of every `event_id`, so that separate runs do not de-duplicate each other. */
  runId?: string;
}

/**
 * A realistic stream from several workers: Chinese DMs and comments, replies from the
 * account, edits and recalls of earlier messages.
 */
export function* simulateEvents(o: SimulationOptions = {}): Generator<HubEvent> {
  const rnd = createRandom(o.seed ?? 1);
  const accounts = Array.from({ length: o.accounts ?? 3 }, (_, i) => `dy_${10001 + i}`);
  const perAccount = o.conversationsPerAccount ?? 20;
  const total = o.events ?? 1000;
  const runId = o.runId ?? `sim${o.seed ?? 1}`;
  const editRate = o.editRate ?? 0.03;
  const recallRate = o.recallRate ?? 0.02;
  let clock = o.startAt ?? Date.UTC(2025, 9, 22, 8, 0, 0);
  const sent: { account: string; pmid: string; conversation: string; sender: string }[] = [];

  const fans = NICKNAMES.map((name, i) => ({
    platform_user_id: `u_${100000 + i * 7919}`,
    name,
    avatar: `https://p3.douyinpic.com/aweme/100x100/avatar_${i}.jpeg`,
    signature: rnd.pick(SIGNATURES),
    follower_count: rnd.int(50_000),
    following_count: rnd.int(2_000),
    video_count: rnd.int(300),
    is_verified: rnd.chance(0.1),
  }));

  for (let i = 0; i < total; i++) {
    clock += 1 + rnd.int(2000);
    const account = rnd.pick(accounts);
    const envelope = {
      event_id: `${runId}-${i}`,
      account_id: account,
      occurred_at: clock,
      captured_at: clock + 500 + rnd.int(20_000),
    };
    const roll = rnd.next();
    if (sent.length > 0 && roll < editRate + recallRate) {
      const target = sent[rnd.int(sent.length)]!;
      if (roll < editRate) {
        yield {
          ...envelope,
          account_id: target.account,
          type: 'MessageEdited',
          schema_version: 1,
          payload: {
            platform_message_id: target.pmid,
            conversation_id: target.conversation,
            new_content: rnd.pick(EDITED_LINES),
            edited_at: clock,
            edited_by: target.sender,
          },
        };
      } else {
        yield {
          ...envelope,
          account_id: target.account,
          type: 'MessageRecalled',
          schema_version: 1,
          payload: {
            platform_message_id: target.pmid,
            conversation_id: target.conversation,
            recalled_at: clock,
            recalled_by: target.sender,
          },
        };
      }
      continue;
    }
    const c = rnd.int(perAccount);
    const channel = c % 4 === 3 ? 'comment' : 'direct';
    const conversation = channel === 'direct' ? `dm_${account}_${c}` : `video_${7300000000 + c}`;
    const fan = fans[(c * 7 + rnd.int(channel === 'comment' ? fans.length : 1)) % fans.length]!;
    const outbound = channel === 'direct' && rnd.chance(0.25);
    const sender = outbound ? { platform_user_id: account, name: '官方旗舰店' } : fan;
    const pmid = `${7_400_000_000_000 + i}`;
    sent.push({ account, pmid, conversation, sender: sender.platform_user_id });
    yield {
      ...envelope,
      type: 'MessageCaptured',
      schema_version: 2,
      payload: {
        platform_message_id: pmid,
        channel,
        conversation_id: conversation,
        direction: outbound ? 'outbound' : 'inbound',
        sender,
        content: outbound ? rnd.pick(REPLY_LINES) : rnd.pick(channel === 'direct' ? DM_LINES : COMMENT_LINES),
        message_type: rnd.chance(0.05) ? 'image' : 'text',
        created_at: clock,
        captured_by: `worker-${account}`,
      },
    };
  }
}
