// The CPU-heavy job of examples/threads.ts (plain JavaScript: a worker thread loads it
// without tsx). Counts the primes below `limit` with a sieve of Eratosthenes.
export const countPrimes = (limit) => {
  const composite = new Uint8Array(limit);
  let count = 0;
  for (let i = 2; i < limit; i++) {
    if (composite[i] === 1) continue;
    count++;
    for (let j = i * i; j < limit; j += i) composite[j] = 1;
  }
  return count;
};
