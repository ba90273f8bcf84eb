/**
 * The read operations of a `StreamReader`, as primitives of their own (the reader's
 * buffer and its `_attempt*` methods, which answer them, are in reader.ts). Internal: not
 * exported from the package entry. (No internal tag on this first comment: it would strip
 * the import below from the .d.ts.)
 *
 * A read is one small Aio node that evaluates itself on the fiber (no suspend + flatMap +
 * catchAll chain, no `Aio.async` per wait): `attempt()` answers from the buffer, or says
 * WAIT. With data already buffered, `yield*` of a read completes inline, without a fiber
 * step (as `yield*` of a resolved value does); otherwise the fiber suspends on an
 * `AsyncToken` the reader keeps, and the next `feedData` / `feedEof` / `setException`
 * resumes it with the same node, which attempts again. The wait consumes nothing, so a
 * read cancelled while waiting leaves the buffer as it was.
 * @module streams/read-ops
 */
import * as Cause from "../Cause.js";
import type { Aio } from "../Aio.js";
import { Aio as AioNode, DONE_RESULT, inlineStep, throwIntoGen, type Fiber, type Next, type YieldOf } from "../internal/aio.js";
import type { IncompleteReadError, LimitOverrunError, SocketError } from "./errors.js";

/** `readline()`'s separator, and `readuntil()`'s default. @internal */
export const NEWLINE: Buffer = Buffer.from("\n");

/**
 * What a read asks of its reader: `StreamReader` (reader.ts, which imports this module)
 * has these, named here so this module does not import reader.ts back.
 * @internal
 */
export interface ReadSource {
  _attemptRead(n: number): unknown;
  _attemptReadExactly(n: number): unknown;
  _attemptReadUntil(sep: Buffer, line: boolean): unknown;
  _wait(f: Fiber, op: Aio<unknown, unknown>): Next;
}

/** `attempt()`'s answer when the buffer cannot answer yet. @internal */
export const WAIT: object = Object.freeze({ _wait: true });
/** `attempt()`'s answer for a failure, whose error is in `failure` (read at once). @internal */
export const FAIL: object = Object.freeze({ _fail: true });
let failure: unknown = undefined;
/** `attempt()`'s answer for the failure `e`. @internal */
export const failWith = (e: unknown): object => {
  failure = e;
  return FAIL;
};
const takeFailure = (): unknown => {
  const e = failure;
  failure = undefined;
  return e;
};

/** @internal A read from a `StreamReader` (see above). */
export abstract class ReadOp<A, E> extends AioNode<A, E> {
  constructor(
    readonly reader: ReadSource,
    /** The method's name, for the "another task is already waiting" defect. */
    readonly name: string,
  ) {
    super();
  }

  /**
   * The result from the buffer now, `WAIT`, or `FAIL` (with `failure` set). Consumes
   * bytes only when it answers.
   */
  abstract attempt(): unknown;

  /** @internal */
  _eval(f: Fiber): Next {
    const r = this.attempt();
    if (r === WAIT) return this.reader._wait(f, this);
    if (r === FAIL) {
      f._cause = Cause.fail(takeFailure());
      return f._fail();
    }
    f._v = r;
    return f._ret();
  }

  /** `yield*` of a read the buffer can answer completes inline (a failure is thrown there). */
  override next(sent?: unknown): IteratorResult<YieldOf<E>, A> {
    if (sent !== undefined || !inlineStep()) return super.next(sent);
    const r = this.attempt();
    if (r === WAIT) return super.next(sent); // the fiber evaluates it: it waits
    if (r === FAIL) throw throwIntoGen(Cause.fail(takeFailure()));
    DONE_RESULT.value = r;
    return DONE_RESULT as IteratorReturnResult<A>;
  }
}

/** @internal */
export class Read extends ReadOp<Uint8Array, SocketError> {
  constructor(
    reader: ReadSource,
    readonly n: number,
  ) {
    super(reader, "read");
  }
  attempt(): unknown {
    return this.reader._attemptRead(this.n);
  }
}

/** @internal */
export class ReadExactly extends ReadOp<Uint8Array, SocketError | IncompleteReadError> {
  constructor(
    reader: ReadSource,
    readonly n: number,
  ) {
    super(reader, "readexactly");
  }
  attempt(): unknown {
    return this.reader._attemptReadExactly(this.n);
  }
}

/** @internal */
export class ReadUntil extends ReadOp<Uint8Array, SocketError | IncompleteReadError | LimitOverrunError> {
  constructor(
    reader: ReadSource,
    readonly sep: Buffer,
  ) {
    super(reader, "readuntil");
  }
  attempt(): unknown {
    return this.reader._attemptReadUntil(this.sep, false);
  }
}

/** @internal */
export class ReadLine extends ReadOp<Uint8Array, SocketError | LimitOverrunError> {
  constructor(reader: ReadSource) {
    super(reader, "readline");
  }
  attempt(): unknown {
    return this.reader._attemptReadUntil(NEWLINE, true);
  }
}
