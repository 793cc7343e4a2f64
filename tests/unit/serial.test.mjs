// extension/shared/serial.js: the one-job-at-a-time queue that verdicts.js, channels.js and reports.js
// each keep for their storage read-modify-writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialQueue } from '../../extension/shared/serial.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

/** Settles with 'timeout' unless `promise` settles within `ms`. */
function within(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test('jobs run one at a time, in the order they were queued, each resolving with its own result', async () => {
  const serial = serialQueue();
  const log = [];
  let running = 0;
  const job = (name, ms) => async () => {
    running += 1;
    log.push(`start ${name}${running > 1 ? ' (overlap)' : ''}`);
    await sleep(ms);
    log.push(`end ${name}`);
    running -= 1;
    return name;
  };
  // The later a job is queued, the faster it is: only the queue keeps them in order.
  const results = await Promise.all([serial(job('a', 30)), serial(job('b', 10)), serial(() => 'c'), serial(job('d', 0))]);
  assert.deepEqual(results, ['a', 'b', 'c', 'd']);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start d', 'end d']);
});

test('a job queued while another runs waits for it, even when queued from inside it', async () => {
  const serial = serialQueue();
  const gate = deferred();
  const order = [];
  const first = serial(async () => {
    order.push('first started');
    await gate.promise;
    order.push('first done');
  });
  const second = serial(() => order.push('second'));
  await sleep(20);
  assert.deepEqual(order, ['first started'], 'the second job waits while the first is pending');
  gate.resolve();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first started', 'first done', 'second']);
});

test('a job that rejects or throws rejects its own promise only; later jobs still run', async () => {
  const serial = serialQueue();
  const ran = [];
  const rejected = serial(async () => {
    ran.push(1);
    throw new Error('storage failed');
  });
  const thrown = serial(() => {
    ran.push(2);
    throw new TypeError('sync throw');
  });
  const fine = serial(async () => {
    ran.push(3);
    return 'still running';
  });
  await assert.rejects(rejected, /storage failed/);
  await assert.rejects(thrown, TypeError);
  assert.equal(await fine, 'still running');
  assert.equal(await serial(() => 'after the failures'), 'after the failures');
  assert.deepEqual(ran, [1, 2, 3]);
});

test('two queues do not wait for each other', async () => {
  const storage = serialQueue();
  const channels = serialQueue();
  const gate = deferred();
  const slow = storage(() => gate.promise.then(() => 'slow done'));
  const blockedBehind = storage(() => 'behind the slow job');
  try {
    assert.equal(await within(channels(async () => 'channel done'), 1000), 'channel done',
      'a job on another queue does not wait for the pending one');
    assert.equal(await within(blockedBehind, 50), 'timeout', 'a job on the same queue does');
  } finally {
    gate.resolve();
  }
  assert.equal(await slow, 'slow done');
  assert.equal(await blockedBehind, 'behind the slow job');
});
