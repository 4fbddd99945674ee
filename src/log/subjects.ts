import { createHash } from 'node:crypto';
import type { EventType } from '../events/index.js';

const SAFE = /[A-Za-z0-9_-]/;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Encodes an id as one NATS subject token. Letters, digits, `_` and `-` stay as they are;
 * every other byte of its UTF-8 form becomes `~HH`, so `.`, `*`, `>`, spaces and Chinese
 * characters can never split or widen a subject. The encoding is reversible.
 *
 * @example encodeToken('dy.10001') // 'dy~2E10001'
 */
export function encodeToken(id: string): string {
  let out = '';
  for (const ch of id) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of utf8.encode(ch)) out += `~${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeToken(token: string): string {
  if (!token.includes('~')) return token; // nothing was encoded: the id as it is
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '~') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}

const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function assertSubjectPrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) {
    throw new Error(
      `subject prefix ${JSON.stringify(prefix)} must be dot-separated tokens of letters, digits, _ or -`,
    );
  }
  return prefix;
}

/**
 * The one place subjects are built. Layout: `<prefix>.<account token>.<EventType>`, so a
 * reader can filter one account (`<prefix>.<account>.*`) or one type (`<prefix>.*.<Type>`).
 */
export function createSubjects(prefix: string) {
  assertSubjectPrefix(prefix);
  const head = `${prefix}.`;
  return {
    prefix,
    /** Everything the stream stores. */
    all: `${prefix}.>`,
    event: (accountId: string, type: EventType | string) => `${prefix}.${encodeToken(accountId)}.${type}`,
    account: (accountId: string) => `${prefix}.${encodeToken(accountId)}.*`,
    /** One event type, every account. */
    type: (type: EventType | string) => `${prefix}.*.${type}`,
    /** The reply commands of one account: what its worker consumes (see `replyConsumerName`). */
    replyRequests: (accountId: string) => `${prefix}.${encodeToken(accountId)}.ReplyRequested`,
    /** The account and type a subject names, or null when it is not one of ours. */
    parse(subject: string): { accountId: string; type: string } | null {
      // `<prefix>.<account token>.<type>`, read without splitting (once for every message a
      // replay reads)
      if (!subject.startsWith(head)) return null;
      const dot = subject.indexOf('.', head.length);
      if (dot < 0 || subject.indexOf('.', dot + 1) >= 0) return null;
      const token = subject.slice(head.length, dot);
      const type = subject.slice(dot + 1);
      if (token === '' || type === '') return null;
      return { accountId: decodeToken(token), type };
    },
  };
}
export type Subjects = ReturnType<typeof createSubjects>;

/** Longest account token kept whole in a consumer name; longer ones are shortened with a hash. */
const MAX_NAME_TOKEN = 100;

/**
 * The durable consumer through which an account's worker takes its reply commands:
 * `replies-<account token>` (`replies-dy_10001`), on the account's `ReplyRequested` subject.
 * A token too long for a consumer name is cut and followed by a hash of the whole id, so the
 * name stays a pure function of the account.
 */
export function replyConsumerName(accountId: string): string {
  const token = encodeToken(accountId);
  if (token.length <= MAX_NAME_TOKEN) return `replies-${token}`;
  const hash = createHash('sha256').update(accountId).digest('hex').slice(0, 16);
  return `replies-${token.slice(0, MAX_NAME_TOKEN - 17)}-${hash}`;
}
