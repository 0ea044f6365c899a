// Where the CLI speaks. A command's result goes to stdout: for people as text,
// or with --json as exactly one JSON document (the result, or an error
// object), so that `status > file` and `--json | jq` both work. Progress of
// long work, warnings and diagnostics go to stderr.
import type { Writable } from 'node:stream';

export interface OutputStreams {
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
}

/** The `--json` document of a command that failed: the error's class name and message. */
export interface JsonError {
  readonly error: { readonly name: string; readonly message: string } & Readonly<Record<string, unknown>>;
}

export class Output {
  readonly json: boolean;
  readonly #streams: OutputStreams;
  #documents = 0;

  constructor(json: boolean, streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr }) {
    this.json = json;
    this.#streams = streams;
  }

  /** The result for people (stdout); nothing in --json mode, whose document says it. */
  say(line = ''): void {
    if (!this.json) this.#streams.stdout.write(`${line}\n`);
  }

  /** Progress of long work (stderr): shown to people, never in --json mode. */
  progress(line: string): void {
    if (!this.json) this.#streams.stderr.write(`  ${line}\n`);
  }

  /** Warnings and errors reach stderr in every mode. */
  warn(line: string): void {
    this.#streams.stderr.write(`${line}\n`);
  }

  /** A help text that was asked for: on stdout, in every mode. */
  help(text: string): void {
    this.#streams.stdout.write(`${text}\n`);
  }

  /** The --json document; one per command, so a second one is a bug, refused rather than printed. */
  result(value: unknown): void {
    if (!this.json) return;
    if (this.#documents > 0) throw new Error('a command printed a second JSON document');
    this.#documents += 1;
    this.#streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Whether the --json document was printed (a failure after it prints no error object). */
  get printedResult(): boolean {
    return this.#documents > 0;
  }

  /** A failure as the --json document, when no result was printed before it. */
  error(name: string, message: string, details: Readonly<Record<string, unknown>> = {}): void {
    if (this.json && !this.printedResult) {
      const document: JsonError = { error: { name, message, ...details } };
      this.result(document);
    }
  }
}
