// Modelled time for benchmarks and tests: the workflows' Waits and retry pauses
// sleep on this clock, which jumps straight to the next wake-up once every
// execution is asleep. Everything the benchmark runs in between (the
// interpreter, the handlers, the in-memory fakes) settles in promise jobs,
// so "asleep" is seen as a macrotask turn in which no one went to sleep.
import type { SimulatedClock } from './local-runner.ts';

interface Sleeper {
  readonly wakeAt: number;
  readonly wake: () => void;
}

export class SimulatedTime implements SimulatedClock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #sleepsSinceCheck = 0;
  #checkScheduled = false;

  constructor(start: Date) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  /** Moves the clock forward to `time` (never back), e.g. to the next day's schedule. */
  advanceTo(time: Date): void {
    this.#now = Math.max(this.#now, time.getTime());
  }

  sleep(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`cannot sleep ${seconds} seconds`);
    return new Promise((wake) => {
      this.#sleepers.push({ wakeAt: this.#now + seconds * 1000, wake });
      this.#sleepsSinceCheck += 1;
      this.#scheduleCheck();
    });
  }

  #scheduleCheck(): void {
    if (this.#checkScheduled) return;
    this.#checkScheduled = true;
    setImmediate(() => this.#check());
  }

  #check(): void {
    this.#checkScheduled = false;
    if (this.#sleepers.length === 0) return;
    if (this.#sleepsSinceCheck > 0) {
      // Someone was still running a turn ago: wait for a quiet turn.
      this.#sleepsSinceCheck = 0;
      this.#scheduleCheck();
      return;
    }
    const next = Math.min(...this.#sleepers.map((sleeper) => sleeper.wakeAt));
    this.#now = Math.max(this.#now, next);
    const waking = this.#sleepers.filter((sleeper) => sleeper.wakeAt <= this.#now);
    this.#sleepers = this.#sleepers.filter((sleeper) => sleeper.wakeAt > this.#now);
    for (const sleeper of waking) sleeper.wake();
    this.#scheduleCheck();
  }
}
