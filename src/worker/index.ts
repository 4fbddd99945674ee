/**
 * What a worker process imports: the event contract, the subject scheme, the publisher, and
 * the reply worker that takes the account's reply commands.
 *
 * @example
 * import { connectNats, createPublisher, createSubjects } from 'im-hub/worker';
 * const { js } = await connectNats({ url: 'nats://127.0.0.1:4222' });
 * const publisher = createPublisher({ js, stream: 'IMHUB_EVENTS', subjects: createSubjects('imhub.events') });
 * await publisher.publish(event);
 */
export * from '../events/index.js';
export { connectNats } from '../log/connect.js';
export { createPartitions, type Partition, type Partitions, partitionIndex } from '../log/partitions.js';
export { createPublisher, InvalidEventError, type Publisher, type PublishResult } from '../log/publisher.js';
export { ensureReplyConsumer, replyConsumerConfig } from '../log/reply-consumer.js';
export {
  createSubjects,
  decodeToken,
  encodeToken,
  replyConsumerName,
  type Subjects,
} from '../log/subjects.js';
export {
  createReplyWorker,
  type ReplyCommand,
  ReplyRejectedError,
  type ReplySent,
  type ReplyWorker,
  type ReplyWorkerOptions,
  type ReplyWorkerStats,
} from './replies.js';
export { simulateEvents } from './simulate.js';
