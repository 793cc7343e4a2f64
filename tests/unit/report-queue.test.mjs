// A full report queue (extension/background/report-queue.js): an interceptor that blocks the
// endpoint and causes many distinct reports cannot push out the first, most important one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trimQueue } from '../../extension/background/report-queue.js';

const pin = (n) => Buffer.alloc(32, n).toString('base64');
let ids = 0;
/** One queued report: host, verdict, served keys (leaf … root), and an added root's pin if any. */
function item(hostname, verdict, served, root = null) {
  ids += 1;
  return { id: String(ids), report: { hostname, verdict, pinwatch: { servedPins: served, root: root ? { pin: root } : null } } };
}

test('the first mismatch stays when 60 distinct later reports arrive', () => {
  const first = item('mail.example.com', 'mismatch', [pin(1), pin(2)]);
  let queue = [first];
  for (let i = 0; i < 60; i += 1) {
    queue.push(item(`h${i}.example.com`, 'local-root', [pin(10 + i), pin(9)], pin(9)));
    queue = trimQueue(queue, 50);
  }
  assert.equal(queue.length, 50);
  assert.equal(queue[0], first, 'the first report is kept');
  // The first sighting of the flooding root is kept as well; the rest are other hosts' notices.
  assert.equal(queue[1].report.hostname, 'h0.example.com');
});

test('repeats go before distinct reports, and the least important before the important', () => {
  const a = item('a.example', 'mismatch', [pin(1)]);
  const aAgain = item('a.example', 'mismatch', [pin(1)]);
  const b = item('b.example', 'mismatch', [pin(2)]);
  assert.deepEqual(trimQueue([a, b, aAgain], 2), [a, b], 'the repeat went');
  const notice = item('c.example', 'local-root', [pin(3), pin(4)], pin(4));
  const noticeSameRoot = item('d.example', 'local-root', [pin(5), pin(4)], pin(4));
  const mismatch = item('d.example', 'mismatch', [pin(6)]);
  // d's first report is the notice; the second one of root 4 is neither a first host nor a first root.
  const kept = trimQueue([notice, noticeSameRoot, mismatch, a], 3);
  assert.deepEqual(kept.map((x) => x.id), [notice, mismatch, a].map((x) => x.id));
});

test('when every report is a first sighting, the least important and newest goes', () => {
  const queue = [item('a.example', 'mismatch', [pin(1)]), item('b.example', 'local-root', [pin(2)], pin(2)),
    item('c.example', 'blocked', [pin(3)]), item('d.example', 'local-root', [pin(4)], pin(4))];
  const kept = trimQueue(queue, 3);
  assert.deepEqual(kept.map((x) => x.report.hostname), ['a.example', 'b.example', 'c.example']);
  assert.equal(trimQueue(queue, 10).length, 4, 'under the cap nothing goes');
});
