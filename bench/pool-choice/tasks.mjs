// Worker tasks for bench/pool-choice.ts (a plain .mjs: the pools load it without tsx).
export const noop = (x) => x;
/** About `ms` of CPU work: counts primes below n by trial division. */
export const spin = (ms) => {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
};
/** Never returns on its own (a busy loop): only an abort can end it. */
export const forever = () => {
  for (;;);
};
/** The worker thread exits mid-job. */
export const exit = () => process.exit(3);
