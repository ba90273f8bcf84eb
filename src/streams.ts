/**
 * Streams: asyncio's high-level network I/O (asyncio/streams.py) on Node's `net` and
 * `tls`. A connection is a `StreamReader` (buffered reads: `read`, `readline`,
 * `readexactly`, `readuntil`) and a `StreamWriter` (`write` + `drain` for backpressure,
 * `close` + `waitClosed`). Every read and wait is an `Aio`, so it can be cancelled, timed
 * out and raced like any other; a cancelled read consumes nothing.
 *
 * Bytes are `Uint8Array` (at run time Node `Buffer`s, which are `Uint8Array`s).
 *
 * @example
 * ```ts
 * import { Aio, openConnection, run } from "aio-ts";
 * const main = Aio.gen(function* () {
 *   const [reader, writer] = yield* openConnection("127.0.0.1", 8888);
 *   writer.write("hello\n");
 *   yield* writer.drain();
 *   const line = yield* reader.readline();
 *   writer.close();
 *   yield* writer.waitClosed();
 *   return line;
 * });
 * ```
 * @module streams
 */
// The implementation is split along its concepts under src/streams/ (errors, reader,
// writer, connection, server); this barrel keeps every public name in one place.
export * from "./streams/errors.js";
export * from "./streams/reader.js";
export * from "./streams/writer.js";
export * from "./streams/connection.js";
export * from "./streams/server.js";
