/**
 * What the kernel needs from the event loop, as interfaces: the fibers, futures and
 * timers depend on `LoopCore`, never on events.ts (which builds on them), so the import
 * graph of src/ has no cycle.
 */
import type { HeapItem } from "./heap.js";

/** Something the ready queue can run. */
export interface Runnable {
  /** @internal */
  _run(): void;
}

/** A timer the loop's heap can hold. */
export interface Timer extends HeapItem, Runnable {}

/**
 * What the loop's exception handler is given, as the kernel fills it in (the public
 * `ExceptionContext` of loop-options.ts names the future and task types).
 * @internal
 */
export interface LoopExceptionContext {
  readonly message: string;
  readonly exception?: unknown;
  readonly future?: object;
  readonly task?: object;
  readonly handle?: unknown;
}

/** The part of the event loop the kernel uses. */
export interface LoopCore {
  time(): number;
  /** @internal */
  _clock(): number;
  /** @internal */
  _enqueue(r: Runnable): void;
  /** @internal */
  _addTimer(t: Timer): void;
  /** @internal */
  _removeTimer(t: Timer): void;
  /** @internal */
  _nextSeq(): number;
  /** @internal A task was created on this loop (it joins the list of pending tasks). */
  _taskStarted(t: object): void;
  /** @internal A task finished. */
  _taskDone(t: object): void;
  /** @internal A future failed and nobody has read the failure yet. */
  _noteUnretrieved(f: object): void;
  /** @internal Its failure was read after all. */
  _retrieved(f: object): void;
  /** @internal */
  _hostPending(delta: number): void;
  /**
   * @internal A host callback (a promise reaction, a socket event) is about to wake a
   * fiber: returns true when the loop is idle and nothing else is on the JS stack's loop
   * slot, and then holds `_enqueue`'s microtask tick back until `_hostWakeEnd`, which runs
   * the woken fiber in a tick of its own there and then (see `BaseEventLoop._wakeFromHost`).
   */
  _hostWakeBegin(): boolean;
  /** @internal Ends what `_hostWakeBegin` began (only after it returned true). */
  _hostWakeEnd(): void;
  callSoon<Args extends readonly unknown[]>(fn: (...args: Args) => void, ...args: Args): unknown;
  /** @internal */
  callExceptionHandler(context: LoopExceptionContext): void;
}

/**
 * The public types the kernel's own public signatures show but cannot import: the
 * `EventLoop` class (events.ts) and the `Context` class (contextvars.ts) both build on
 * the kernel, so a type import back would be an import cycle. Those modules register
 * their class here by declaration merging (`declare module "./internal/loop.js"`), and
 * `Future.getLoop()`, `getRunningLoop()` and `new Task(loop, aio, name, eager, context)`
 * then show exactly `EventLoop` and `Context`. The kernel itself uses only `LoopCore`.
 */
export interface PublicTypes {}

/**
 * The public `EventLoop` class, as registered by events.ts (the alias has its own name:
 * inside the `declare module` block, `EventLoop` must mean events.ts's class).
 */
export type PublicEventLoop = PublicTypes extends { readonly EventLoop: infer L } ? L : LoopCore;

/** The public `Context` class, as registered by contextvars.ts. */
export type PublicContext = PublicTypes extends { readonly Context: infer C } ? C : object;
