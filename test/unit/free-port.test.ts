import { freePort } from '../../src/temporal/dev-server';

// A cluster draws ~20 ports before binding any: a port free when drawn stays free until its caller
// binds it, so the same process must never be handed it twice (a CI run once gave one port to two
// of a cluster's services).
test('freePort never hands the same process one port twice, even before any is bound', async () => {
  const ports: number[] = [];
  for (let i = 0; i < 400; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_000);
  }
});

