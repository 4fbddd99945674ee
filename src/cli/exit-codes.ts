/**
 * What `im-hub` exits with. Every command keeps to these meanings, so that scripts can tell a
 * failure worth retrying (1) from one that needs the command line or the environment fixed (2).
 */
export const EXIT_OK = 0;
/** Failed at run time: a server unreachable, a write refused, a problem found. Retrying may help. */
export const EXIT_FAILED = 1;
/** Bad input or configuration: an unknown option, a bad value, a missing file, an invalid line. */
export const EXIT_USAGE = 2;

/** Raised for bad input on the command line: reported as it is (no stack), exit code 2. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The exit-code section of every command's `--help`; `extra` says what 1 and 2 mean there. */
export function exitCodesHelp(extra: { failed?: string; usage?: string } = {}): string {
  return [
    '',
    'Exit codes:',
    `  ${EXIT_OK}  done`,
    `  ${EXIT_FAILED}  failed at run time${extra.failed ? `: ${extra.failed}` : ' (a server unreachable, an operation refused)'}`,
    `  ${EXIT_USAGE}  bad input or configuration${extra.usage ? `: ${extra.usage}` : ' (an option, an argument or an environment variable)'}`,
  ].join('\n');
}
