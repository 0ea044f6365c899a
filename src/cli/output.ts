// Where the CLI speaks: machine-readable results on stdout with --json, and
// everything meant for people on stderr, so `--json | jq` always works.
import type { Writable } from 'node:stream';

export interface OutputStreams {
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
}

export class Output {
  readonly json: boolean;
  readonly #streams: OutputStreams;

  constructor(json: boolean, streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr }) {
    this.json = json;
    this.#streams = streams;
  }

  /** Human output: the result of a command when not in --json mode. */
  say(line = ''): void {
    if (!this.json) this.#streams.stderr.write(`${line}\n`);
  }

  /** Progress of long work: shown to people, never in --json mode. */
  progress(line: string): void {
    if (!this.json) this.#streams.stderr.write(`  ${line}\n`);
  }

  /** Warnings and errors reach stderr in every mode. */
  warn(line: string): void {
    this.#streams.stderr.write(`${line}\n`);
  }

  result(value: unknown): void {
    if (this.json) this.#streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}
