/** Bad command-line usage: exit code 2, the message says what is wrong. */
export class UsageError extends Error {
  /** The help that shows the right usage: `restorable <command> --help` when the command is known. */
  readonly helpCommand: string;

  constructor(message: string, options: { readonly helpCommand?: string } = {}) {
    super(message);
    this.name = 'UsageError';
    this.helpCommand = options.helpCommand ?? 'restorable --help';
  }
}

/** The command stopped on SIGINT or SIGTERM, after cleaning up (exit 130 or 143). */
export class InterruptedError extends Error {
  readonly signal: InterruptSignal;

  constructor(signal: InterruptSignal) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
    this.signal = signal;
  }
}

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export const EXIT_OK = 0;
/** The job ran and found a failure (a failed backup, a failed drill, a non-compliant control). */
export const EXIT_FAILURE = 1;
/** Bad usage or invalid configuration. */
export const EXIT_USAGE = 2;
/**
 * The local cloud's state directory is in use by another process: nothing
 * ran, and the same command can be run again later (or with --wait). 75 is
 * EX_TEMPFAIL of sysexits.h, "try again later".
 */
export const EXIT_BUSY = 75;
/** 128 plus the signal's number, as shells report a command a signal ended. */
export const EXIT_INTERRUPTED: Readonly<Record<InterruptSignal, number>> = { SIGINT: 130, SIGTERM: 143 };
