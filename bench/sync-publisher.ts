/**
 * The worker of bench:sync's live part, in a process of its own (forked by
 * bench/sync.bench.ts), as a capture worker is in production: publishes captures for one
 * account at a fixed rate through the real publisher and reports, for each, when it was
 * handed to the publisher (`process.hrtime` ms after `base`, the clock of every process of
 * the machine) and the stream sequence it got.
 *
 * Protocol (IPC, advanced serialization): parent → `publish`; child → `published`, then exits.
 */
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { createSubjects } from '../src/log/subjects.js';
import { DM_LINES, NICKNAMES } from '../src/worker/corpus.js';
import { createRandom } from '../src/worker/simulate.js';

export interface PublishOrder {
  type: 'publish';
  natsUrl: string;
  stream: string;
  subjectPrefix: string;
  account: string;
  /** Platform message ids (and event ids) are `${prefix}${i}`. */
  prefix: string;
  total: number;
  rate: number;
  base: number;
}
export interface PublishProgress {
  type: 'progress';
  done: number;
}
export interface Published {
  type: 'published';
  sentAt: Float64Array;
  seq: Float64Array;
  /** Seconds from the first publish to the last acknowledgement. */
  seconds: number;
  cpuMs: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

process.once('message', (o: PublishOrder) => {
  run(o).catch((err: Error) => {
    console.error(`publisher failed: ${err.stack ?? err.message}`);
    process.exit(1);
  });
});

async function run(o: PublishOrder) {
  const nats = await connectNats({ url: o.natsUrl, name: 'bench-sync-worker' });
  const publisher = createPublisher({
    js: nats.js,
    stream: o.stream,
    subjects: createSubjects(o.subjectPrefix),
  });
  const rnd = createRandom(11);
  const fans = NICKNAMES.map((name, i) => ({ platform_user_id: `u_${100000 + i * 7919}`, name }));
  const sentAt = new Float64Array(o.total);
  const seq = new Float64Array(o.total);
  const acks: Promise<void>[] = [];
  const cpu0 = process.cpuUsage();
  const start = now();
  for (let i = 0; i < o.total; i++) {
    const due = start + (i * 1000) / o.rate;
    const wait = due - now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const c = rnd.int(50);
    const at = Date.now();
    const event = {
      event_id: `${o.prefix}${i}`,
      account_id: o.account,
      occurred_at: at,
      captured_at: at,
      type: 'MessageCaptured',
      schema_version: 2,
      payload: {
        platform_message_id: `${o.prefix}${i}`,
        channel: 'direct',
        conversation_id: `dm_${o.account}_${c}`,
        direction: 'inbound',
        sender: fans[(c * 7) % fans.length]!,
        content: rnd.pick(DM_LINES),
        message_type: 'text',
        created_at: at,
        captured_by: null,
      },
    };
    sentAt[i] = now() - o.base;
    acks.push(
      publisher.publish(event).then((r) => {
        seq[i] = r.seq;
      }),
    );
    if (i % o.rate === 0) process.send!({ type: 'progress', done: i } satisfies PublishProgress);
  }
  await Promise.all(acks);
  const seconds = (now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await nats.nc.close();
  const done: Published = { type: 'published', sentAt, seq, seconds, cpuMs: (cpu.user + cpu.system) / 1000 };
  process.send!(done, undefined, undefined, () => process.disconnect());
}
