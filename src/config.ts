import { z } from 'zod';
import { MAX_PARTITIONS } from './log/partitions.js';

/** `api`: HTTP API and live streams; `projector`: projectors and the reply sweeper; `all`: both. */
export const ROLES = ['all', 'api', 'projector'] as const;
export type Role = (typeof ROLES)[number];

const Port = z.coerce.number().int().min(0).max(65_535);
const Positive = z.coerce.number().int().positive();

/** Every setting the service reads from the environment, with its default. */
export const EnvSchema = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** The hub's NATS user and password (`hub` in nats-auth.conf); unset for a server without users. */
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres:postgres@127.0.0.1:5432/imhub'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: Port.default(3000),
  STREAM_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (at most 64)')
    .default('IMHUB_EVENTS'),
  SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens of letters, digits, _ and -')
    .default('imhub.events'),
  STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /**
   * Partitions of the log: accounts map to one of them by a hash of their id, each is its own
   * stream and is projected on its own. Fixed for the life of a log (accounts never move).
   */
  PARTITIONS: z.coerce.number().int().min(1).max(MAX_PARTITIONS).default(1),
  /** What this process runs: the API (`api`), the projectors and the reply sweeper (`projector`), or both. */
  ROLE: z.enum(ROLES).default('all'),
  /**
   * The partitions whose projectors this process runs (`0,2`, `4-7`); all when unset. Processes
   * given different partitions project them side by side.
   */
  PROJECTOR_PARTITIONS: z
    .string()
    .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'partition numbers and ranges, e.g. 0,2 or 4-7')
    .optional(),
  DEDUP_WINDOW_MS: Positive.default(10 * 60 * 1000),
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(25_000),
  /** Every this many stream sequences the audit hash chain keeps a checkpoint. */
  AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Interval of the live stream's heartbeat comment. */
  LIVE_HEARTBEAT_MS: Positive.default(15_000),
  /** Bytes buffered for one live-stream client before it is disconnected (it resumes by itself). */
  LIVE_BUFFER_BYTES: Positive.default(4 * 1024 * 1024),
  /** How long a requested reply may stay pending before the hub marks it expired. */
  REPLY_TIMEOUT_MS: Positive.default(5 * 60 * 1000),
  /** Interval of the sweep that expires replies (in the process that projects). */
  REPLY_SWEEP_MS: Positive.default(1000),
  /** While projecting, a progress line (checkpoint, events/s, lag) this often; 0: never. */
  PROJECTOR_PROGRESS_MS: z.coerce.number().int().min(0).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: Positive.default(10_000),
  /** Requests a second each API key may make on average, in each process; 0: no limit. */
  RATE_LIMIT_RPS: z.coerce.number().min(0).max(1_000_000).default(100),
  /** Requests an API key may make at once before the average applies. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(200),
  /** Largest request body accepted, in bytes (413 beyond). */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(1024 * 1024),
  /** How long a process trusts an API key it read without reading it again (revocations arrive sooner by NOTIFY). */
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
});

export type Config = z.infer<typeof EnvSchema>;

/** The partitions `PROJECTOR_PARTITIONS` names (every one of `PARTITIONS` when unset), in order. */
export function projectedPartitions(config: Pick<Config, 'PARTITIONS' | 'PROJECTOR_PARTITIONS'>): number[] {
  if (config.PROJECTOR_PARTITIONS === undefined)
    return Array.from({ length: config.PARTITIONS }, (_, i) => i);
  const out = new Set<number>();
  for (const part of config.PROJECTOR_PARTITIONS.split(',')) {
    const [from, to = from] = part.split('-').map(Number) as [number, number?];
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly problems: string[]) {
    super(
      `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nFix the environment variables above and start again.`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a typed Config; reads nothing else and has no side effects. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (parsed.success) {
    const beyond = projectedPartitions(parsed.data).filter((i) => i >= parsed.data.PARTITIONS);
    if (beyond.length === 0) return parsed.data;
    throw new ConfigError([
      `PROJECTOR_PARTITIONS=${JSON.stringify(env.PROJECTOR_PARTITIONS)}: partition ${beyond[0]} does not exist (PARTITIONS=${parsed.data.PARTITIONS}: 0 to ${parsed.data.PARTITIONS - 1})`,
    ]);
  }
  throw new ConfigError(
    parsed.error.issues.map((i) => {
      const key = String(i.path[0]);
      return `${key}=${JSON.stringify(env[key] ?? '')}: ${i.message}`;
    }),
  );
}
