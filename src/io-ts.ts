/**
 * io-ts integration (`aio-ts/io-ts`): decode untrusted input into a typed value inside an
 * Aio, with a tagged, typed `DecodeError` whose message says, one line per error, where
 * (a JSON path such as `$.items[2].id`), what was expected and what was there.
 *
 * io-ts is an optional peer dependency: this module imports only its *types* (it calls the
 * codec you pass), so it loads without io-ts installed, and the main entry (`aio-ts`)
 * never loads this module.
 *
 * @example
 * ```ts runnable
 * import * as t from "io-ts";
 * import { Aio, run } from "aio-ts";
 * import { decode } from "aio-ts/io-ts";
 * const User = t.type({ id: t.number, name: t.string });
 * const program = decode(User)({ id: "7", name: "Ada" }).pipe(
 *   Aio.catchTag("DecodeError", (e) => Aio.succeed(e.message)),
 * );
 * await run(program); // 'invalid { id: number, name: string }: 1 error\n  $.id: expected number, got "7"'
 * ```
 * @module io-ts
 */
import type { ContextEntry, Decoder, Errors, ValidationError } from "io-ts";
import { Aio } from "./index.js";
import type { Queue, QueueShutDown } from "./index.js";

/** How many error lines `DecodeError.message` shows; `errorLines` gives them all. */
const MESSAGE_LINES = 10;
/** Path steps shown at each end of a longer path (deeply nested input). */
const PATH_ENDS = 16;
/** Characters of an expected type name or an actual value shown in a line. */
const MAX_SHOWN = 80;

/**
 * Options of `decode` and of a `DecodingQueue`'s `put`.
 * @example
 * ```ts
 * import type { DecodeOptions } from "aio-ts/io-ts";
 * const opts: DecodeOptions = { label: "jobs.jsonl line 3" };
 * ```
 */
export interface DecodeOptions {
  /** Where the input came from (a file and line, a request), first in the message. */
  readonly label?: string | undefined;
}

/**
 * The input did not decode: a tagged typed error (catch it with
 * `Aio.catchTag("DecodeError", …)`). `errors` are io-ts's, every one of them; `message`
 * shows 10 of them as `path: expected type, got value` lines, the deepest first (of a
 * failed union, the member that got furthest), and how many more there are;
 * `errorLines()` lists them all in io-ts's order. A codec that throws (a getter of the input that throws, or input nested so
 * deep that the codec's recursion overflows the stack) is a DecodeError too, with no
 * `errors` and the thrown value as its `cause`.
 * @example
 * ```ts runnable
 * import * as t from "io-ts";
 * import { Aio, runSyncExit } from "aio-ts";
 * import { decode, DecodeError } from "aio-ts/io-ts";
 * const exit = runSyncExit(decode(t.array(t.number))([1, "2"]));
 * // Exit.fail(DecodeError): 'invalid Array<number>: 1 error\n  $[1]: expected number, got "2"'
 * ```
 */
export class DecodeError extends Error {
  readonly _tag = "DecodeError" as const;
  /** io-ts's validation errors (empty when the codec threw). */
  readonly errors: Errors;
  /** The name of the codec the input was decoded with. */
  readonly codec: string;
  /** `DecodeOptions.label`, when given. */
  readonly label: string | undefined;
  constructor(codec: string, errors: Errors, label?: string, options?: ErrorOptions) {
    super(formatMessage(codec, errors, label, options), options);
    this.name = "DecodeError";
    this.codec = codec;
    this.errors = errors;
    this.label = label;
  }
  /** One line per error (all of them): `path: expected type, got value`. */
  errorLines(): string[] {
    return this.errors.map(formatError);
  }
}

const formatMessage = (codec: string, errors: Errors, label: string | undefined, options: ErrorOptions | undefined): string => {
  const head = `${label === undefined ? "" : `${label}: `}invalid ${clip(codec)}`;
  if (errors.length === 0) return `${head}: the codec threw ${describeThrown(options?.cause)}`;
  const lines = [`${head}: ${errors.length} error${errors.length === 1 ? "" : "s"}`];
  const shown = Math.min(errors.length, MESSAGE_LINES);
  for (const e of deepestFirst(errors, shown)) lines.push(`  ${formatError(e)}`);
  if (errors.length > shown) lines.push(`  … and ${errors.length - shown} more`);
  return lines.join("\n");
};

/**
 * The `n` errors with the longest context, deepest first, ties in io-ts's order: when a
 * union fails, io-ts reports every member's errors, and the member that got furthest into
 * the input is usually the one the input meant (so its error is the one worth reading).
 * A selection, not a sort: O(errors × n).
 */
const deepestFirst = (errors: Errors, n: number): ValidationError[] => {
  const picked: ValidationError[] = [];
  for (const e of errors) {
    let i = picked.length;
    while (i > 0 && (picked[i - 1] as ValidationError).context.length < e.context.length) i--;
    if (i < n) {
      picked.splice(i, 0, e);
      if (picked.length > n) picked.pop();
    }
  }
  return picked;
};

const describeThrown = (u: unknown): string =>
  u instanceof Error ? `${u.name}: ${u.message}` : show(u);

/**
 * Formats one io-ts validation error as `path: expected type, got value`, the path in
 * JSON-path form (`$.items[2].id`); when the value was checked as a member of a union
 * (and that member is not the expected type itself), the member is named at the end. A codec's own message (`t.failure(u, c, message)`) is shown too. Iterative: deep
 * paths do not grow the stack, and a path longer than 32 steps shows its two ends.
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { formatError } from "aio-ts/io-ts";
 * const r = t.type({ items: t.array(t.type({ id: t.number })) }).decode({ items: [{ id: 1 }, { id: "x" }] });
 * if (r._tag === "Left") formatError(r.left[0]!); // '$.items[1].id: expected number, got "x"'
 * ```
 */
export const formatError = (error: ValidationError): string => {
  const context = error.context;
  const steps: string[] = [];
  // The innermost union member the value was checked against (io-ts tries each member).
  let member: unknown;
  for (let i = 1; i < context.length; i++) {
    const entry = context[i] as ContextEntry;
    const parent = unwrap((context[i - 1] as ContextEntry).type);
    const tag = tagOf(parent);
    if (tag === "UnionType") member = entry.type;
    else if (tag !== "IntersectionType") steps.push(formatKey(entry.key, tag));
  }
  const last = context[context.length - 1];
  const expected = last === undefined ? "?" : clip(nameOf(last.type));
  let line = `${formatPath(steps)}: expected ${expected}, got ${show(error.value)}`;
  if (error.message !== undefined) line += ` (${error.message})`;
  if (member !== undefined && member !== last?.type) line += ` (as union member ${clip(nameOf(member))})`;
  return line;
};

/** The codec a wrapper (refinement, readonly, exact, strict, recursion) checks with. */
const unwrap = (codec: unknown): unknown => {
  let c = codec;
  // Bounded: a recursion's `type` is its definition, which is not itself a wrapper
  // chain back to the recursion.
  for (let n = 0; n < 64; n++) {
    const tag = tagOf(c);
    if (
      tag !== "RefinementType" &&
      tag !== "ReadonlyType" &&
      tag !== "ExactType" &&
      tag !== "StrictType" &&
      tag !== "RecursiveType"
    )
      return c;
    c = (c as { readonly type: unknown }).type;
  }
  return c;
};

const tagOf = (codec: unknown): unknown =>
  typeof codec === "object" && codec !== null ? (codec as { readonly _tag?: unknown })._tag : undefined;

const nameOf = (codec: unknown): string => {
  const name = typeof codec === "object" && codec !== null ? (codec as { readonly name?: unknown }).name : undefined;
  return typeof name === "string" ? name : "?";
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const INDEX = /^(0|[1-9][0-9]*)$/;

const formatKey = (key: string, parentTag: unknown): string => {
  if (
    INDEX.test(key) &&
    (parentTag === "ArrayType" || parentTag === "ReadonlyArrayType" || parentTag === "TupleType")
  )
    return `[${key}]`;
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
};

const formatPath = (steps: readonly string[]): string => {
  if (steps.length <= 2 * PATH_ENDS) return `$${steps.join("")}`;
  const hidden = steps.length - 2 * PATH_ENDS;
  return `$${steps.slice(0, PATH_ENDS).join("")}…(${hidden} more steps)…${steps.slice(-PATH_ENDS).join("")}`;
};

const clip = (s: string): string => (s.length <= MAX_SHOWN ? s : `${s.slice(0, MAX_SHOWN - 1)}…`);

/** A value as it appears in a message: JSON where possible, clipped; never throws. */
const show = (u: unknown): string => {
  switch (typeof u) {
    case "undefined":
      return "undefined";
    case "number":
      return String(u); // NaN and Infinity too, which JSON would print as null
    case "bigint":
      return `${u}n`;
    case "symbol":
      return u.toString();
    case "function":
      return `function ${u.name === "" ? "(anonymous)" : u.name}`;
    default:
      break;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(u);
  } catch {
    // A cycle, a BigInt inside, a throwing toJSON or getter: say what it is instead.
    text = Array.isArray(u) ? `an array of ${u.length}` : "an object (not JSON-serialisable)";
  }
  return clip(text ?? String(u));
};

/**
 * Decodes `input` with the io-ts `codec`, when the Aio runs: succeeds with the decoded
 * value, or fails with a typed `DecodeError`. Decoding is synchronous; a throw out of
 * the codec is a `DecodeError` too (see there).
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { Aio } from "aio-ts";
 * import { decode, type DecodeError } from "aio-ts/io-ts";
 * const Job = t.type({ id: t.number, kind: t.union([t.literal("resize"), t.literal("thumb")]) });
 * const job: Aio<t.TypeOf<typeof Job>, DecodeError> = decode(Job)(JSON.parse('{"id":1,"kind":"thumb"}'));
 * ```
 */
export const decode = <A, I = unknown>(codec: Decoder<I, A>, options?: DecodeOptions): ((input: I) => Aio<A, DecodeError>) => {
  if (typeof codec !== "object" || codec === null || typeof codec.decode !== "function")
    throw new TypeError("decode: expected an io-ts codec (an object with a decode method)");
  const label = options?.label;
  return (input) => Aio.suspend(() => decodeNow(codec, input, label));
};

const decodeNow = <A, I>(codec: Decoder<I, A>, input: I, label: string | undefined): Aio<A, DecodeError> => {
  let result: ReturnType<Decoder<I, A>["decode"]>;
  try {
    result = codec.decode(input);
  } catch (thrown) {
    return Aio.fail(new DecodeError(codec.name, [], label, { cause: thrown }));
  }
  return result._tag === "Right" ? Aio.succeed(result.right) : Aio.fail(new DecodeError(codec.name, result.left, label));
};

/**
 * A writer for a `Queue` that validates what enters it: `put(input)` decodes `input` and
 * puts the decoded value (waiting while the queue is full), or fails with the
 * `DecodeError` and puts nothing.
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { Queue } from "aio-ts";
 * import { decodeQueue, type DecodingQueue } from "aio-ts/io-ts";
 * const jobs = new Queue<{ id: number }>(10);
 * const writer: DecodingQueue<{ id: number }> = decodeQueue(t.type({ id: t.number }), jobs);
 * const p = writer.put({ id: 1 }, { label: "line 1" }); // Aio<void, DecodeError | QueueShutDown>
 * ```
 */
export interface DecodingQueue<A> {
  /** The queue the decoded values go to. */
  readonly queue: Queue<A>;
  /** Decodes `input` and puts the value, or fails with the DecodeError (nothing put). */
  put(input: unknown, options?: DecodeOptions): Aio<void, DecodeError | QueueShutDown>;
}

/**
 * Validates what enters `queue`: the writer's `put(input)` decodes with `codec` first
 * (see `DecodingQueue`), so the consumers only ever get decoded values.
 * @example
 * ```ts runnable
 * import * as t from "io-ts";
 * import { Aio, Queue, run } from "aio-ts";
 * import { decodeQueue } from "aio-ts/io-ts";
 * const Job = t.type({ id: t.number });
 * const q = new Queue<t.TypeOf<typeof Job>>();
 * const writer = decodeQueue(Job, q);
 * await run(writer.put(JSON.parse('{"id":1}'))); // q.qsize() === 1
 * ```
 */
export const decodeQueue = <A>(codec: Decoder<unknown, A>, queue: Queue<A>): DecodingQueue<A> => {
  const decodeWith = (options?: DecodeOptions) => decode(codec, options);
  return {
    queue,
    put: (input, options) => Aio.flatMap((a: A) => queue.put(a))(decodeWith(options)(input)),
  };
};
