// One job at a time: storage has no transactions, so a read-modify-write goes through a queue.
// Pure (no browser API); each module keeps its own queue, so that slow work in one (a channel
// check) never delays another's (a verdict stored for a tab).

/**
 * A new queue: `serial(fn)` runs `fn` once every job queued before it has settled, and returns
 * a promise of `fn`'s result. A job that throws or rejects does not stop the jobs after it.
 */
export function serialQueue() {
  let tail = Promise.resolve();
  return function serial(fn) {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}
