import { conversationId, type HubEvent, messageId } from '../events/index.js';
import { createRandom } from './simulate.js';

export interface ActionOptions {
  seed?: number;
  /** Share of captured messages followed by a client action or a profile observation. */
  rate?: number;
}

const TAGS = ['重要', '客户', '待回复', '投诉', 'VIP', '已下单'];
const OPERATORS = ['operator', '客服小王', '客服小李'];

type Conversation = { account: string; id: string; friend: string | null; unread: string[] };

/**
 * A worker's stream (`simulateEvents`) with what the operators and other workers add to it:
 * pins, archives, mutes, tags, blocks, mark-reads (whole conversations and chosen messages) and
 * profiles seen without a message (renames among them), each about a conversation or user
 * seen shortly before. Every event type of the contract occurs; the same seed gives the same
 * stream.
 */
export function* withClientActions(events: Iterable<HubEvent>, o: ActionOptions = {}): Generator<HubEvent> {
  const rnd = createRandom(o.seed ?? 7);
  const rate = o.rate ?? 0.15;
  const recent: Conversation[] = [];
  const byId = new Map<string, Conversation>();
  let n = 0;
  for (const e of events) {
    yield e;
    if (e.type !== 'MessageCaptured') continue;
    const p = e.payload;
    const id = conversationId(e.account_id, p.channel, p.conversation_id);
    let c = byId.get(id);
    if (!c) {
      c = { account: e.account_id, id, friend: null, unread: [] };
      byId.set(id, c);
      recent.push(c);
      if (recent.length > 200) byId.delete(recent.shift()!.id);
    }
    if (p.direction === 'inbound') {
      if (p.channel === 'direct') c.friend ??= p.sender.platform_user_id;
      c.unread.push(messageId(e.account_id, p.platform_message_id));
      if (c.unread.length > 20) c.unread.shift();
    }
    if (!rnd.chance(rate)) continue;
    const target = recent[recent.length - 1 - rnd.int(Math.min(recent.length, 50))]!;
    const at = e.occurred_at + 1 + rnd.int(30_000);
    const base = {
      event_id: `${e.event_id}-a${n++}`,
      schema_version: 1 as const,
      account_id: target.account,
      occurred_at: at,
      captured_at: at,
      actor: rnd.pick(OPERATORS),
    };
    const conv = { conversation_id: target.id };
    const roll = rnd.int(14);
    if (roll < 4) {
      const ids = target.unread.splice(0);
      yield {
        ...base,
        type: 'MessagesMarkedRead',
        payload:
          ids.length > 0 && rnd.chance(0.4)
            ? { ...conv, read_at: at, message_ids: ids.slice(-1 - rnd.int(ids.length)) }
            : { ...conv, read_at: at },
      };
    } else if (roll === 4) yield { ...base, type: 'ConversationPinned', payload: conv };
    else if (roll === 5) yield { ...base, type: 'ConversationUnpinned', payload: conv };
    else if (roll === 6) yield { ...base, type: 'ConversationArchived', payload: conv };
    else if (roll === 7) yield { ...base, type: 'ConversationUnarchived', payload: conv };
    else if (roll === 8) {
      const until = rnd.chance(0.7) ? at + 3_600_000 : null;
      yield { ...base, type: 'ConversationMuted', payload: { ...conv, mute_until: until } };
    } else if (roll === 9) {
      const tags = [rnd.pick(TAGS), rnd.pick(TAGS)];
      yield { ...base, type: 'ConversationTagged', payload: { ...conv, tags } };
    } else if (roll === 10)
      yield { ...base, type: 'ConversationUntagged', payload: { ...conv, tag: rnd.pick(TAGS) } };
    else if (roll === 11 && target.friend) {
      yield {
        ...base,
        type: rnd.chance(0.6) ? 'UserBlocked' : 'UserUnblocked',
        payload: { platform_user_id: target.friend },
      };
    } else {
      // a worker sees a fan's profile page: sometimes a new name
      const user = target.friend ?? p.sender.platform_user_id;
      const { actor: _, ...observed } = base;
      yield {
        ...observed,
        type: 'UserProfileObserved',
        payload: {
          user: rnd.chance(0.5)
            ? { platform_user_id: user, name: `改名${rnd.int(1000)}`, follower_count: rnd.int(100_000) }
            : { platform_user_id: user, signature: '今天也要开心', is_verified: rnd.chance(0.2) },
          observed_at: at,
        },
      };
    }
  }
}
