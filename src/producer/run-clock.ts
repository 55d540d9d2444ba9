/**
 * `performance.now()` for per-record bookkeeping (how long a batch has been filling, when a waiting
 * record gives up). A clock read costs 40-80 ns, as much as appending a small record, so within one
 * synchronous run of code (a loop of sends) a reading serves up to 16 calls; the first call after the run
 * ends (once the microtask queue has run) reads the clock again. A reused reading is never later than the
 * truth, and a record sent on its own always gets a fresh one.
 */

/** Calls one reading may serve. */
const REUSE = 16;

let reading = 0;
let left = 0;
let queued = false;

function endOfRun(): void {
  queued = false;
  left = 0;
}

/** The time in `performance.now()` ms, possibly as read up to 15 calls earlier in this synchronous run. */
export function runNow(): number {
  if (left > 0) {
    left--;
    return reading;
  }
  reading = performance.now();
  left = REUSE - 1;
  if (!queued) {
    queued = true;
    queueMicrotask(endOfRun);
  }
  return reading;
}
