/**
 * Type tests of context variables (ContextVar, Token, Context) and of the `{ context }`
 * options of createTask / callSoon / callLater / callAt, checked against the built
 * declarations by tsd: `npm run build && npm run test:types`.
 */
import { expectAssignable, expectError, expectNotAssignable, expectType } from "tsd";
import {
  Aio,
  Context,
  ContextVar,
  Handle,
  LookupError,
  Task,
  TimerHandle,
  Token,
  copyContext,
  createTask,
  newEventLoop,
} from "aio-ts";

// A variable without a default: get() may fail with a typed LookupError.
const user = new ContextVar<string>("user");
expectType<ContextVar<string, LookupError>>(user);
expectType<Aio.Aio<string, LookupError>>(user.get());
expectType<Aio.Aio<string | null, never>>(user.get(null));
expectType<string>(user.getNow());
expectType<string | undefined>(user.getNow(undefined));

// With a default: get() cannot fail, and T is inferred from the default.
const locale = new ContextVar("locale", { default: "en" });
expectType<ContextVar<string, never>>(locale);
expectType<Aio.Aio<string, never>>(locale.get());
expectAssignable<ContextVar<string, LookupError>>(locale); // never ⊂ LookupError

// set → Token of the variable's type; reset takes only such a token.
const token = user.setNow("ann");
expectType<Aio.Aio<Token<string>, never>>(user.set("ann"));
expectType<Token<string>>(token);
expectType<string | typeof Token.MISSING>(token.oldValue);
expectType<ContextVar<string, unknown>>(token.var);
expectType<Aio.Aio<void, never>>(user.reset(token));
const count = new ContextVar("count", { default: 0 });
expectError(count.reset(token));
expectError(user.set(1));
expectNotAssignable<ContextVar<number, LookupError>>(user); // T is invariant

// locally keeps the success and error types of the Aio it wraps.
declare const work: Aio.Aio<number, "boom">;
expectType<Aio.Aio<number, "boom">>(work.pipe(user.locally("ann")));

// Context
const ctx: Context = copyContext();
expectType<string | undefined>(ctx.get(user));
expectType<boolean>(ctx.has(locale));
expectType<number>(ctx.size);
expectType<string>(ctx.run((a: number, b: string) => `${a}${b}`, 1, "x"));
expectError(ctx.run((a: number) => a, "not a number"));

// createTask and the loop's callbacks take a Context.
expectType<Aio.Aio<Task<number, "boom">, never>>(createTask(work, { context: ctx }));
const loop = newEventLoop();
expectType<Handle>(loop.callSoon({ context: ctx }, (n: number, s: string) => void [n, s], 1, "a"));
expectType<Handle>(loop.callSoon({}, () => {}));
expectType<Handle>(loop.callSoonThreadsafe({ context: ctx }, () => {}));
expectType<TimerHandle>(loop.callLater(10, { context: ctx }, (n: number) => void n, 1));
expectType<TimerHandle>(loop.callAt(10, { context: ctx }, () => {}));
expectError(loop.callSoon({ context: ctx }, (n: number) => void n, "not a number"));
expectError(loop.callSoon({ context: "ctx" }, () => {}));
expectError(loop.callLater(10, { context: ctx }, (n: number) => void n));
