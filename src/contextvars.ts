/**
 * Context variables (Python's contextvars, as asyncio uses them): values that follow the
 * flow of a program through its tasks and callbacks, such as a request id.
 *
 * - A task runs in a context. `createTask` gives the new task a copy of its creator's
 *   current context (or, with `{ context }`, that very Context), so a child sees what its
 *   parent had set when it was created, and nothing it sets leaks back.
 * - `loop.callSoon` / `callLater` / `callAt` run their callback in a copy of the context
 *   current when it was scheduled (or in the Context given with `{ context }`).
 * - Code outside every task and callback (a program's top level) has one context of its
 *   own, which `run()` copies into the main task.
 *
 * How it is stored (so a program that uses no context variable pays nothing for them):
 * a context's values are an immutable Map, and a copy shares it. A task starts with a
 * pointer to its creator's Map; its first `set` makes it a `Context` of its own with a new
 * Map. Each `set` copies the Map (O(number of variables set in that context), which is
 * small in practice; asyncio uses a HAMT for O(log n)).
 *
 * @module contextvars
 */
import { Aio as AioClass } from "./internal/aio.js";
import { EMPTY_CONTEXT, currentContextData, outerContext } from "./internal/context.js";
import { currentTask } from "./internal/fiber.js";
import { Sync, TryCatch } from "./internal/primitives.js";
import type { ContextData } from "./internal/context.js";
import type { Aio } from "./Aio.js";
import { acquireUseRelease } from "./Aio.js";

/**
 * A context variable has no value in the current context and no default
 * (asyncio: `ContextVar.get()` raises LookupError). The typed failure of `v.get()` for a
 * variable made without a default.
 *
 * @example
 * ```ts runnable
 * import { Aio, ContextVar, LookupError, run } from "aio-ts";
 * const user = new ContextVar<string>("user");
 * const name = user.get().pipe(Aio.catchAll((e: LookupError) => Aio.succeed(`anonymous (${e.message})`)));
 * await run(name); // "anonymous (…)"
 * ```
 */
export class LookupError extends Error {
  readonly _tag = "LookupError" as const;
  constructor(message: string) {
    super(message);
    this.name = "LookupError";
  }
}

/**
 * A context was used in a way its rules forbid (asyncio raises ValueError or
 * RuntimeError for these): resetting a variable with a token that was already used, that
 * another variable made, or that was made in another context; entering a Context that is
 * already entered (`ctx.run` inside `ctx.run` of the same Context). These are bugs in the
 * program: `reset` reports them as a defect, `resetNow` and `ctx.run` throw them.
 *
 * @example
 * ```ts runnable
 * import { ContextError, ContextVar, copyContext } from "aio-ts";
 * const v = new ContextVar<number>("v");
 * const token = copyContext().run(() => v.setNow(1));
 * try { v.resetNow(token); } catch (e) { e instanceof ContextError; } // true: another context
 * ```
 */
export class ContextError extends Error {
  readonly _tag = "ContextError" as const;
  constructor(message: string) {
    super(message);
    this.name = "ContextError";
  }
}

/** `Token.MISSING`: the old value of a variable that had no value before the `set`. */
const MISSING: unique symbol = Symbol("Token.MISSING");

/**
 * What `v.set(value)` returns: `v.reset(token)` restores the variable to what it was
 * before that `set` (asyncio's contextvars.Token). A token is used once, in the context
 * where it was made.
 *
 * @example
 * ```ts runnable
 * import { Aio, ContextVar, Token, run } from "aio-ts";
 * const depth = new ContextVar("depth", { default: 0 });
 * await run(Aio.gen(function* () {
 *   const token = yield* depth.set(1);
 *   token.oldValue === Token.MISSING; // true: depth had no value, only its default
 *   yield* depth.reset(token);
 *   return yield* depth.get(); // 0
 * }));
 * ```
 */
export class Token<T> {
  /** The `oldValue` of a token whose variable had no value before the `set`. */
  static readonly MISSING: typeof MISSING = MISSING;
  /** @internal whether `reset` has used it */ _used = false;
  /** The variable that was set (asyncio's `token.var`). */
  readonly var: ContextVar<T, unknown>;
  /** Its value before the `set`, or `Token.MISSING` when it had none (`token.old_value`). */
  readonly oldValue: T | typeof MISSING;
  /** @internal */
  constructor(
    /** @internal the context the `set` wrote into */ readonly _ctx: Context,
    v: ContextVar<T, unknown>,
    oldValue: T | typeof MISSING,
  ) {
    this.var = v;
    this.oldValue = oldValue;
  }

  /** For logs: `<Token var=<ContextVar name='…'> used=false>`. */
  toString(): string {
    return `<Token var=${String(this.var)} used=${this._used}>`;
  }
}

/** Registers `Context` as the kernel's name for a context (see `PublicTypes`). */
declare module "./internal/loop.js" {
  interface PublicTypes {
    readonly Context: Context;
  }
}

/**
 * A context (asyncio's contextvars.Context): a mapping from context variables to values.
 * `copyContext()` copies the current one (in O(1)); `ctx.run(fn)` runs `fn` in it, and
 * what `fn` sets stays in `ctx`. Give one to `createTask(aio, { context })` or
 * `loop.callSoon({ context }, fn)` to run a task or callback in it.
 *
 * @example
 * ```ts runnable
 * import { Context, ContextVar } from "aio-ts";
 * const rid = new ContextVar<string>("requestId");
 * const ctx = new Context();
 * ctx.run(() => rid.setNow("r-1"));
 * ctx.get(rid); // "r-1"
 * ctx.has(rid); // true
 * new Context().has(rid); // false
 * ```
 */
export class Context {
  /** @internal the values: never mutated (a set replaces it), so copies share it */
  _data: ContextData = EMPTY_CONTEXT;
  /** @internal inside `run` */ private _entered = false;

  /** The number of variables with a value in this context. */
  get size(): number {
    return this._data.size;
  }

  /** The value of `v` in this context, or `undefined` (the variable's default is not used). */
  get<T>(v: ContextVar<T, unknown>): T | undefined {
    return this._data.get(v) as T | undefined;
  }

  /** Whether `v` has a value in this context. */
  has(v: ContextVar<unknown, unknown>): boolean {
    return this._data.has(v);
  }

  /** The variables with a value in this context, and their values. */
  entries(): IterableIterator<[ContextVar<unknown, unknown>, unknown]> {
    return (this._data as ReadonlyMap<ContextVar<unknown, unknown>, unknown>).entries();
  }

  /** A new Context with the same values (O(1): the values are shared until one is set). */
  copy(): Context {
    return contextOf(this._data);
  }

  /**
   * Runs `fn(...args)` with this context as the current one and returns what it returns
   * (asyncio's `Context.run`): `setNow` inside writes into this context; tasks and
   * callbacks made inside copy it. The previous context is current again afterwards, even
   * if `fn` throws. Entering a Context that is already entered throws a `ContextError`.
   */
  run<R, Args extends readonly unknown[]>(fn: (...args: Args) => R, ...args: Args): R {
    if (this._entered) throw new ContextError(`cannot enter context: ${String(this)} is already entered`);
    const f = currentTask();
    this._entered = true;
    if (f !== undefined) {
      const prev = f._context;
      f._context = this;
      try {
        return fn(...args);
      } finally {
        f._context = prev;
        this._entered = false;
      }
    }
    const prev = outerContext.slot;
    outerContext.slot = this;
    try {
      return fn(...args);
    } finally {
      outerContext.slot = prev;
      this._entered = false;
    }
  }

  /** For logs: `<Context size=N>`. */
  toString(): string {
    return `<Context size=${this._data.size}>`;
  }
}

const contextOf = (data: ContextData): Context => {
  const c = new Context();
  c._data = data;
  return c;
};

/**
 * A copy of the current context (asyncio's `contextvars.copy_context()`): inside a task,
 * the task's; inside a loop callback, the callback's; elsewhere, the top level's. O(1).
 *
 * @example
 * ```ts runnable
 * import { Aio, ContextVar, copyContext, run } from "aio-ts";
 * const rid = new ContextVar<string>("requestId");
 * const ctx = await run(Aio.gen(function* () {
 *   yield* rid.set("r-7");
 *   return copyContext();
 * }));
 * ctx.get(rid); // "r-7"
 * ```
 */
export const copyContext = (): Context => contextOf(currentContextData());

/** The Context that the current code's `set` writes into, made on the first write. */
const writableContext = (): Context => {
  const f = currentTask();
  const slot = f !== undefined ? f._context : outerContext.slot;
  if (slot instanceof Context) return slot;
  // A snapshot shared with the creator (and siblings): box it, so writes are this code's own.
  const ctx = contextOf(slot as ContextData);
  if (f !== undefined) f._context = ctx;
  else outerContext.slot = ctx;
  return ctx;
};

/** The current context's Context if it is one already (a snapshot has made no tokens). */
const currentContextObject = (): Context | undefined => {
  const f = currentTask();
  const slot = f !== undefined ? f._context : outerContext.slot;
  return slot instanceof Context ? slot : undefined;
};

/**
 * Options of `new ContextVar(name, options)`.
 *
 * @example
 * ```ts
 * import type { ContextVarOptions } from "aio-ts";
 * const opts: ContextVarOptions<string> = { default: "-" };
 * ```
 */
export interface ContextVarOptions<T> {
  /** What `get()` returns when the variable has no value in the current context. */
  readonly default: T;
}

/**
 * A context variable (asyncio's `contextvars.ContextVar`): a key whose value depends on
 * the context the code runs in. `E` is the typed failure of `get()`: `LookupError` for a
 * variable made without a default, `never` with one.
 *
 * - `get()`, `set(value)` → `Token`, `reset(token)` are Aio operations, for programs.
 * - `getNow()`, `setNow()`, `resetNow()` are their synchronous forms, for plain callbacks
 *   a program calls (a logger, a `loop.callSoon` callback, `ctx.run`): they act on the
 *   context current at the call.
 * - `locally(value)` runs an Aio with the variable set, and resets it afterwards.
 *
 * Variables are compared by identity: make each one once, at module level (as in Python).
 *
 * @example
 * ```ts runnable
 * import { Aio, ContextVar, createTask, run } from "aio-ts";
 * const requestId = new ContextVar<string>("requestId");
 * const log = (msg: string) => console.log(`[${requestId.getNow("-")}] ${msg}`);
 * const handler = (id: string) =>
 *   Aio.gen(function* () {
 *     yield* requestId.set(id);
 *     const t = yield* createTask(Aio.sync(() => log("child"))); // logs "[r-1] child"
 *     yield* t;
 *   });
 * await run(handler("r-1"));
 * ```
 */
export interface ContextVar<T, E = LookupError> {
  /** The name given at creation (for messages only: two variables may share a name). */
  readonly name: string;
  /** The default given at creation, or `Token.MISSING`. */
  readonly defaultValue: T | typeof Token.MISSING;
  /**
   * The value in the current context, else the default; with neither, fails with a
   * `LookupError`. With `fallback`, returns it instead of the default or the failure.
   */
  get(): Aio<T, E>;
  get<D>(fallback: D): Aio<T | D>;
  /** Sets the value in the current context; the `Token` lets `reset` undo it. */
  set(value: T): Aio<Token<T>>;
  /**
   * Restores the value the variable had before the `set` that made `token`. A token
   * used twice, made by another variable or in another context is a defect (a
   * `ContextError`).
   */
  reset(token: Token<T>): Aio<void>;
  /** `get()`, synchronously: throws the `LookupError`. */
  getNow(): T;
  getNow<D>(fallback: D): T | D;
  /** `set(value)`, synchronously. */
  setNow(value: T): Token<T>;
  /** `reset(token)`, synchronously: throws the `ContextError`. */
  resetNow(token: Token<T>): void;
  /**
   * Data-last: `self.pipe(v.locally(value))` runs `self` with the variable set to
   * `value` and resets it when `self` ends, however it ends. Tasks `self` starts keep
   * their copy.
   */
  locally(value: T): <A, E2>(self: Aio<A, E2>) => Aio<A, E2>;
}

/**
 * Makes a context variable: `new ContextVar<T>(name)` (whose `get()` may fail with a
 * `LookupError`) or `new ContextVar(name, { default })` (whose `get()` cannot fail).
 *
 * @example
 * ```ts
 * import { ContextVar } from "aio-ts";
 * const user = new ContextVar<string>("user"); // ContextVar<string, LookupError>
 * const locale = new ContextVar("locale", { default: "en" }); // ContextVar<string, never>
 * ```
 */
export interface ContextVarConstructor {
  new <T>(name: string): ContextVar<T, LookupError>;
  new <T>(name: string, options: ContextVarOptions<T>): ContextVar<T, never>;
  readonly prototype: ContextVar<unknown, unknown>;
}

class ContextVarImpl<T, E> implements ContextVar<T, E> {
  readonly name: string;
  readonly defaultValue: T | typeof MISSING;
  /** `get()` is lazy and reusable: one Aio per variable, so `yield* v.get()` allocates nothing. */
  private readonly _get: Aio<T, E>;

  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== "string") throw new TypeError(`ContextVar: the name must be a string, got ${typeof name}`);
    if (options !== undefined && (typeof options !== "object" || options === null))
      throw new TypeError(
        `ContextVar: the options must be an object, got ${options === null ? "null" : typeof options}`,
      );
    this.name = name;
    this.defaultValue = options !== undefined && "default" in options ? options.default : MISSING;
    this._get = (
      this.defaultValue === MISSING
        ? new TryCatch(
            () => this.getNow(),
            (e) => e as LookupError,
          )
        : new Sync(() => this.getNow())
    ) as AioClass<T, E>;
  }

  get(): Aio<T, E>;
  get<D>(fallback: D): Aio<T | D>;
  get<D>(fallback?: D): Aio<T | D, E> {
    if (arguments.length === 0) return this._get;
    return new Sync(() => this.getNow(fallback as D));
  }

  getNow(): T;
  getNow<D>(fallback: D): T | D;
  getNow<D>(fallback?: D): T | D {
    const data = currentContextData();
    if (data.has(this)) return data.get(this) as T;
    if (arguments.length > 0) return fallback as D;
    if (this.defaultValue !== MISSING) return this.defaultValue;
    throw new LookupError(`${String(this)} has no value in this context and no default`);
  }

  set(value: T): Aio<Token<T>> {
    return new Sync(() => this.setNow(value));
  }

  setNow(value: T): Token<T> {
    const ctx = writableContext();
    const old = ctx._data;
    const oldValue = old.has(this) ? (old.get(this) as T) : MISSING;
    // Copy on write: the old Map may be shared with tasks and copies made before.
    const data = new Map(old);
    data.set(this, value);
    ctx._data = data;
    return new Token<T>(ctx, this, oldValue);
  }

  reset(token: Token<T>): Aio<void> {
    return new Sync(() => this.resetNow(token));
  }

  resetNow(token: Token<T>): void {
    if (!(token instanceof Token)) throw new TypeError(`${String(this)}.reset: expected a Token, got ${typeof token}`);
    if (token._used) throw new ContextError(`${String(token)} has already been used once`);
    if (token.var !== this) throw new ContextError(`${String(token)} was created by a different ContextVar`);
    const ctx = currentContextObject();
    if (ctx !== token._ctx) throw new ContextError(`${String(token)} was created in a different Context`);
    const data = new Map(ctx._data);
    if (token.oldValue === MISSING) data.delete(this);
    else data.set(this, token.oldValue);
    ctx._data = data;
    token._used = true;
  }

  locally(value: T): <A, E2>(self: Aio<A, E2>) => Aio<A, E2> {
    return <A, E2>(self: Aio<A, E2>): Aio<A, E2> =>
      acquireUseRelease(
        this.set(value),
        () => self,
        (token) => this.reset(token),
      );
  }

  toString(): string {
    return `<ContextVar name=${JSON.stringify(this.name)}>`;
  }
}

/**
 * The `ContextVar` constructor (asyncio's `contextvars.ContextVar`); see the `ContextVar`
 * interface.
 * @example
 * ```ts runnable
 * import { Aio, ContextVar, run } from "aio-ts";
 * const user = new ContextVar<string>("user", { default: "anonymous" });
 * const greet = Aio.gen(function* () {
 *   return `hello ${yield* user.get()}`;
 * });
 * console.log(await run(greet.pipe(user.locally("ada")))); // "hello ada"
 * ```
 */
export const ContextVar: ContextVarConstructor = ContextVarImpl as unknown as ContextVarConstructor;
