// A fake Seer per test, closed after it: for the tests of the fake itself, which start several
// with their own secrets instead of sharing the integration suites' one.
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';

/** Registers the afterEach that closes them; call once at the top of a test file. */
export function fakeSeerPerTest(sharedSecret: string): () => Promise<FakeSeer> {
  const open: FakeSeer[] = [];
  afterEach(async () => {
    for (const seer of open.splice(0).reverse()) await seer.close();
  });
  return async () => {
    const seer = await startFakeSeer({ sharedSecret });
    open.push(seer);
    return seer;
  };
}
