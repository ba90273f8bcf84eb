/**
 * aio-ts: Python's asyncio as a typed, effect-style TypeScript library.
 *
 * @example
 * ```ts
 * import { Aio, run } from "aio-ts";
 * const main = Aio.gen(function* () {
 *   yield* Aio.sleep(1000);
 *   return "hello";
 * });
 * console.log(await run(main));
 * ```
 * @module aio-ts
 */
import * as Aio from "./Aio.js";
export { Aio };
export * as Cause from "./Cause.js";
export * as Exit from "./Exit.js";
export * from "./exceptions.js";
export * from "./events.js";
export * from "./futures.js";
export * from "./tasks.js";
export * from "./runners.js";
