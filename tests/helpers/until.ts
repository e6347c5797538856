// Polling for what a worker does in its own time.

/**
 * Calls `fn` every `every` ms until `ok` holds of what it returns or `ms` have passed, and
 * returns the last value either way (the test's expect then says what it was).
 */
export async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  { ms = 15_000, every = 50 }: { ms?: number; every?: number } = {},
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, every));
  }
}
