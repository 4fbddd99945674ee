import { pino } from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  name?: string;
  /** Where the lines go; standard output by default (tests pass a stream to read them). */
  destination?: pino.DestinationStream;
}

/**
 * JSON lines, one object a line, with `level` as a word (`"info"`), `time` in epoch ms, `name`
 * and `pid`; `level` comes from LOG_LEVEL. Lines of an HTTP request carry its `request_id`.
 * Message contents and credentials are never logged at info: the service logs ids, counts,
 * sequences and times, and connection URLs with their password removed.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'im-hub',
      level,
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
