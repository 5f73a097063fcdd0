import { ConfigError, loadConfig, orgWeight } from '../../src/config';
import { runToExit } from '../support/processes';

describe('fairness configuration', () => {
  it('is on by default, with a budget of 8 in flight and every organization weighing 1', () => {
    const { fairness } = loadConfig({});
    expect(fairness.enabled).toBe(true);
    expect(fairness.inFlightBudget).toBe(8);
    expect(orgWeight(fairness.weights, 42)).toBe(1);
  });

  it('reads the weights, the budget and the kill switch', () => {
    const { fairness } = loadConfig({
      SEER_RUNS_ORG_WEIGHTS: '{"42": 3, "7": 0.5}',
      SEER_RUNS_FAIRNESS: 'off',
      SEER_RUNS_FAIR_IN_FLIGHT: '32',
    });
    expect(fairness.enabled).toBe(false);
    expect(fairness.inFlightBudget).toBe(32);
    expect(orgWeight(fairness.weights, 42)).toBe(3);
    expect(orgWeight(fairness.weights, 7)).toBe(0.5);
    expect(orgWeight(fairness.weights, 8)).toBe(1);
  });

  it.each([
    ['SEER_RUNS_ORG_WEIGHTS', '{"42": 3', /expected JSON like \{"<organization id>": <weight>\}/],
    ['SEER_RUNS_ORG_WEIGHTS', '[1, 2]', /expected JSON like/],
    ['SEER_RUNS_ORG_WEIGHTS', '{"acme": 2}', /"acme" is not an organization id/],
    ['SEER_RUNS_ORG_WEIGHTS', '{"42": 0}', /weight of organization 42 must be a number from 0.001/],
    ['SEER_RUNS_ORG_WEIGHTS', '{"42": -1}', /weight of organization 42/],
    ['SEER_RUNS_ORG_WEIGHTS', '{"42": "2"}', /weight of organization 42/],
    ['SEER_RUNS_ORG_WEIGHTS', '{"42": 5000}', /to 1000/],
    ['SEER_RUNS_FAIRNESS', 'yes', /./],
    ['SEER_RUNS_FAIR_IN_FLIGHT', '0', /./],
    ['SEER_RUNS_FAIR_IN_FLIGHT', '2.5', /expected a whole number/],
  ])('refuses %s=%s, naming the variable', (name, value, message) => {
    const load = () => loadConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`^invalid configuration: ${name}: `));
    expect(load).toThrow(message);
  });

  it('stops the API at start with one line naming SEER_RUNS_ORG_WEIGHTS, exit 1', () => {
    const { status, stderr } = runToExit('src/api/main.ts', { SEER_RUNS_ORG_WEIGHTS: '{not json' });
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'invalid configuration: SEER_RUNS_ORG_WEIGHTS: expected JSON like {"<organization id>": <weight>}',
    ]);
  });
});
