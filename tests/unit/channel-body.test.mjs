// A channel body is read as a stream and abandoned past the limit, whatever Content-Length says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBody } from '../../extension/background/bounded-body.js';

/** A Response whose body streams `chunks` chunks of `size` bytes and counts what was pulled. */
function streamed(chunks, size, headers = {}) {
  let pulled = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(pulled));
    },
  });
  return { response: new Response(body, { headers }), pulledChunks: () => pulled };
}

test('a body without Content-Length is abandoned as soon as it passes the limit', async () => {
  const { response, pulledChunks } = streamed(1000, 1024);
  await assert.rejects(readBody(response, 8 * 1024), /more than the 8192 allowed/);
  assert.ok(pulledChunks() <= 10, `read ${pulledChunks()} chunks of an endless body`);
});

test('a declared length over the limit is refused before reading', async () => {
  const { response, pulledChunks } = streamed(2, 10, { 'content-length': '999999' });
  await assert.rejects(readBody(response, 1000), /999999 bytes/);
  assert.ok(pulledChunks() <= 1);
});

test('a body within the limit arrives whole and in order', async () => {
  const { response } = streamed(3, 4);
  const bytes = await readBody(response, 100);
  assert.deepEqual([...bytes], [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
});
