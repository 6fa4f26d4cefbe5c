/** Resolves to what `p` rejected with; fails when it fulfils. */
export async function rejects(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to be rejected, but it fulfilled');
}
