/**
 * The error a call throws, for tests of refusals: `thrownBy(DataError, () => loadNpz(bytes))` returns the
 * DataError (to check its code and message) and fails the test when `fn` throws something else or nothing.
 */
export function thrownBy<E extends Error>(type: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected a ${type.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
  throw new Error(`expected a ${type.name}; nothing was thrown`);
}
