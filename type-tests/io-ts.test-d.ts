/**
 * Type tests of aio-ts/io-ts against the built declarations: `decode` infers the codec's
 * type and puts `DecodeError` in the error channel, `catchTag("DecodeError")` removes it,
 * and a `decodeQueue` writer's `put` adds QueueShutDown.
 */
import { expectError, expectType } from "tsd";
import * as t from "io-ts";
import { Aio, Queue, QueueShutDown } from "aio-ts";
import { DecodeError, decode, decodeQueue } from "aio-ts/io-ts";

const Job = t.type({ id: t.number, tags: t.array(t.string), kind: t.union([t.literal("a"), t.literal("b")]) });
type Job = t.TypeOf<typeof Job>;

const decoded = decode(Job)({});
expectType<Aio<{ id: number; tags: string[]; kind: "a" | "b" }, DecodeError>>(decoded);
expectType<Aio<number, DecodeError>>(decode(t.number, { label: "line 1" })("1"));
expectType<"DecodeError">(new DecodeError("c", [])._tag);
expectType<t.Errors>(new DecodeError("c", []).errors);

// The typed error can be caught by its tag; afterwards the channel is empty.
expectType<Aio<Job | string, never>>(decoded.pipe(Aio.catchTag("DecodeError", (e) => Aio.succeed(e.message))));

const q = new Queue<Job>();
const writer = decodeQueue(Job, q);
expectType<Aio<void, DecodeError | QueueShutDown>>(writer.put({}));
expectType<Queue<Job>>(writer.queue);
// A queue of another type does not match the codec
expectError(decodeQueue(t.string, q));
