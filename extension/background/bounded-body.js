// Reading an HTTP body that someone else controls, with a hard limit on what is kept.

/**
 * The body as a stream, abandoned as soon as it passes MAX_BYTES (whatever Content-Length says
 * or omits) or the caller's time limit aborts the fetch: a channel server, or whoever sits in
 * front of it, cannot make Pinwatch buffer more than one envelope's worth.
 */
export async function readBody(response, max) {
  const tooLarge = (n) => new Error(`the list is ${n} bytes or more, more than the ${max} allowed`);
  const declared = Number(response.headers.get('content-length'));
  if (declared > max) throw tooLarge(declared);
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const parts = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > max) {
      reader.cancel().catch(() => {});
      throw tooLarge(length);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
