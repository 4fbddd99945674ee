import { pino } from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stdout; `level` comes from LOG_LEVEL. Message contents are never logged at info. */
export function createLogger(level: string, name = 'im-hub'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
