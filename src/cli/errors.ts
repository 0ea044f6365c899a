/** Bad command-line usage: exit code 2, the message says what is wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
/** The job ran and found a failure (a failed backup, a failed drill, a non-compliant control). */
export const EXIT_FAILURE = 1;
/** Bad usage or invalid configuration. */
export const EXIT_USAGE = 2;
