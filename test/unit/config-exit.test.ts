import { runToExit } from '../support/processes';

describe('an entry point started with invalid configuration', () => {
  it('stops with exit code 1 and one line naming the variable', () => {
    const { status, stderr } = runToExit('src/worker.ts', { PORT: 'eighty' });
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^invalid configuration: PORT: /),
    ]);
  });
});
