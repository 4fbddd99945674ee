import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubEvent, messageId } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import type { Sync } from '../src/sync/index.js';
import { chatEvents, pmid } from './support/chat-events.js';
import {
  createTestDatabase,
  createTestLog,
  eventually,
  insertTestKey,
  projectedTo,
  serveApp,
  startTestProjector,
  type TestLog,
  testApp,
  testSync,
} from './support/env.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

// The live stream as a browser uses it: a page's own EventSource, a connection that drops once,
// and the browser's own reconnection with Last-Event-ID. The page must end with every event
// exactly once, in order.

const CHROMIUM = '/usr/bin/chromium';

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let sync: Sync;
let http: Awaited<ReturnType<typeof serveApp>>;
let proxy: TcpProxy;
let browser: Browser | undefined;
const eventOf = chatEvents('browser', {
  capture: (msg) => `你好，第${msg}条私信`,
  edit: (msg) => `改过了：第${msg}条`,
});

/** Every stream sequence published, in order: the ids the page must end with. */
const published: number[] = [];

async function publish(events: HubEvent[]) {
  const r = await log.publisher.publishMany(events);
  published.push(...r.map((x) => x.seq));
  const last = Math.max(...r.map((x) => x.seq));
  await projectedTo(db, projector.name, last);
  return last;
}

/** The page: plain EventSource on its own origin, recording everything it is told. */
const pageHtml = (account: string, key: string) => `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>实时消息</title></head>
<body>
<ul id="log"></ul>
<script>
  window.received = [];
  window.opens = 0;
  window.errors = [];
  // EventSource sends no headers: the key goes in access_token, which the live stream takes
  const source = new EventSource('/api/v1/stream?account_id=' + encodeURIComponent(${JSON.stringify(account)})
    + '&access_token=' + encodeURIComponent(${JSON.stringify(key)}));
  for (const type of ['message.created', 'message.edited', 'message.recalled', 'read', 'conversation.updated']) {
    source.addEventListener(type, (e) => {
      window.received.push({ type: e.type, id: e.lastEventId, data: JSON.parse(e.data) });
      const li = document.createElement('li');
      li.textContent = e.lastEventId + ' ' + e.type;
      document.getElementById('log').append(li);
    });
  }
  source.addEventListener('open', () => { window.opens++; });
  source.addEventListener('error', () => { window.errors.push(source.readyState); });
</script>
</body>
</html>`;

interface Received {
  type: string;
  id: string;
  data: {
    seq: number;
    message?: { id: string; content: string };
    deleted_message_id?: string;
    read?: { message_ids: string[] };
  };
}

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('browser'), createTestDatabase('browser')]);
  projector = startTestProjector(log, db, { batchSize: 200 });
  sync = await testSync(log, db, { heartbeatMs: 200 });
  // no key added for the page: it sends its own
  http = await serveApp(testApp(db, { sync }, { key: null }));
  const { hostname, port } = new URL(http.url);
  proxy = await startTcpProxy({ host: hostname, port: Number(port) });
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await http?.close();
  await sync?.close();
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('the live stream in a real browser', () => {
  it('keeps an EventSource page exact across a dropped connection: every event once, in order', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: this test drives Debian's chromium; run \`apt-get install chromium\` (.ci/run does it when missing)`,
      );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    const account = '浏览器直播账号';
    const reader = await insertTestKey(db, { role: 'reader', accounts: [account], name: 'browser-page' });
    const id = (msg: number) => messageId(account, pmid(msg));
    const waitForPage = (what: string, predicate: string | ((arg: any) => boolean), arg?: unknown) =>
      page.waitForFunction(predicate, arg, { timeout: 30_000, polling: 20 }).catch((err: Error) => {
        throw new Error(`the page never showed ${what}: ${err.message}`);
      });

    // 1. history before the page opens; the page replays it
    await publish([1, 2, 3].map((msg) => eventOf(account, { kind: 'capture', msg })));
    const pageUrl = `${proxy.url}/e2e.html`;
    await page.route(pageUrl, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: pageHtml(account, reader.key),
      }),
    );
    await page.goto(pageUrl);
    await waitForPage(
      '3 created messages',
      (k: number) =>
        (globalThis as any).received.filter((e: Received) => e.type === 'message.created').length >= k,
      3,
    );

    // 2. live
    await publish([4, 5].map((msg) => eventOf(account, { kind: 'capture', msg })));
    await waitForPage(
      '5 created messages',
      (k: number) =>
        (globalThis as any).received.filter((e: Received) => e.type === 'message.created').length >= k,
      5,
    );

    // 3. the network drops: every proxied socket dies, and reconnections wait
    const beforeCut: Received[] = await page.evaluate(() => (globalThis as any).received);
    const lastIdBeforeCut = beforeCut.at(-1)!.id;
    proxy.hold();
    proxy.cut();
    await eventually(
      async () => (sync.live.stats().connections === 0 ? true : undefined),
      'the server to see the stream closed',
      10_000,
    );
    await waitForPage('an error event after the cut', () => (globalThis as any).errors.length >= 1);

    // while the browser is disconnected: a new message, an edit and a recall of messages it
    // has, and a mark-read of a conversation it has
    await publish([
      eventOf(account, { kind: 'capture', msg: 6 }),
      eventOf(account, { kind: 'edit', msg: 2 }),
      eventOf(account, { kind: 'recall', msg: 1 }),
      eventOf(account, { kind: 'read', conv: 0 }),
    ]);
    expect(await page.evaluate(() => (globalThis as any).received.length)).toBe(beforeCut.length);

    // 4. the network is back: EventSource reconnects on its own (retry: 1000) with Last-Event-ID
    proxy.release();
    await waitForPage('a second open', () => (globalThis as any).opens >= 2);
    await waitForPage('the recall', () =>
      (globalThis as any).received.some((e: Received) => e.type === 'message.recalled'),
    );

    // 5. live again after the reconnection
    await publish([7, 8].map((msg) => eventOf(account, { kind: 'capture', msg })));
    await waitForPage(
      '8 created messages',
      (k: number) =>
        (globalThis as any).received.filter((e: Received) => e.type === 'message.created').length >= k,
      8,
    );
    await publish([eventOf(account, { kind: 'edit', msg: 7 })]);
    await waitForPage(
      'the edit of message 7',
      (last: number) => (globalThis as any).received.some((e: Received) => e.data.seq === last),
      published.at(-1),
    );

    // let anything extra (a duplicate) arrive before judging
    await new Promise((r) => setTimeout(r, 300));
    const received: Received[] = await page.evaluate(() => (globalThis as any).received);
    const opens: number = await page.evaluate(() => (globalThis as any).opens);
    const errors: number[] = await page.evaluate(() => (globalThis as any).errors);

    // every message created exactly once, in order
    const created = received.filter((e) => e.type === 'message.created').map((e) => e.data.message!.id);
    expect(created).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map(id));
    // every event exactly once: ids strictly increasing, and each published sequence present
    const ids = received.map((e) => Number(e.id));
    for (let i = 1; i < ids.length; i++)
      expect(ids[i], `id after ${ids[i - 1]}`).toBeGreaterThan(ids[i - 1]!);
    expect(ids).toEqual(published);
    for (const e of received) expect(e.data.seq).toBe(Number(e.id));
    // the changes made while disconnected arrived as what they are
    const recalled = received.filter((e) => e.type === 'message.recalled');
    expect(recalled.map((e) => e.data.deleted_message_id)).toEqual([id(1)]);
    const edited = received.filter((e) => e.type === 'message.edited').map((e) => e.data.message!);
    expect(edited.map((m) => [m.id, m.content])).toEqual([
      [id(2), '改过了：第2条'],
      [id(7), '改过了：第7条'],
    ]);
    const read = received.filter((e) => e.type === 'read');
    expect(read.flatMap((e) => e.data.read!.message_ids).sort()).toEqual([id(3), id(6)].sort());
    // one drop, one reconnection by the browser itself, resuming after what it had
    expect(opens).toBe(2);
    expect(errors).toEqual([0]); // CONNECTING: it never gave up
    const streamHeads = proxy.heads.filter((h) => h.startsWith('GET /api/v1/stream?'));
    expect(streamHeads).toHaveLength(2);
    expect(streamHeads[0]).not.toMatch(/^last-event-id:/im);
    expect(streamHeads[1]).toMatch(new RegExp(`^last-event-id: ${lastIdBeforeCut}\\r$`, 'im'));
    expect(pageErrors).toEqual([]);
    // what the page shows is one line per event
    expect(await page.locator('#log li').count()).toBe(received.length);
  });
});
