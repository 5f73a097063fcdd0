// SEER_MAX_REQUESTS_PER_SECOND: unset is no cap; a positive number (decimals too) is the cap; 0, a
// negative or not a number stops the process at start with one line naming the variable.
import { loadConfig } from '../../src/config';
import { runToExit } from '../support/processes';

describe('SEER_MAX_REQUESTS_PER_SECOND', () => {
  it('unset, or empty as every unset variable here: no cap', () => {
    expect(loadConfig({}).seer.maxRequestsPerSecond).toBeUndefined();
    expect(
      loadConfig({ SEER_MAX_REQUESTS_PER_SECOND: '' }).seer.maxRequestsPerSecond,
    ).toBeUndefined();
  });

  it.each([
    ['50', 50],
    ['2.5', 2.5],
    [' 10 ', 10],
    ['0.5', 0.5],
  ])('%p is a cap of %p requests per second', (value, cap) => {
    expect(loadConfig({ SEER_MAX_REQUESTS_PER_SECOND: value }).seer.maxRequestsPerSecond).toBe(cap);
  });

  it.each(['0', '0.0', '-5', 'ten', '1e3', 'Infinity'])(
    '%p is refused, naming the variable',
    (value) => {
      expect(() => loadConfig({ SEER_MAX_REQUESTS_PER_SECOND: value })).toThrow(
        /^invalid configuration: SEER_MAX_REQUESTS_PER_SECOND: expected a positive number/,
      );
    },
  );

  it.each(['src/worker.ts', 'src/api/main.ts'])(
    '%s started with a cap of 0 stops with exit code 1 and one line naming the variable',
    (entry) => {
      const { status, stderr } = runToExit(entry, { SEER_MAX_REQUESTS_PER_SECOND: '0' });
      expect(status).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^invalid configuration: SEER_MAX_REQUESTS_PER_SECOND: /),
      ]);
    },
  );
});
