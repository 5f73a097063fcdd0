import { loadConfig, orgSetHas, ConfigError } from '../../src/config';

const prod = {
  NODE_ENV: 'production',
  SEER_SHARED_SECRET: 's3cret',
  SEER_URL: 'https://seer.internal',
  SEER_RUNS_API_TOKENS: '{"tok":[1]}',
  SEER_RUNS_PAGE_TOKEN_KEY: 'a-page-token-key-of-32-characters',
};

describe('configuration from the environment', () => {
  it('applies the spec defaults when nothing is set, with warnings for the dev secret and token', () => {
    const config = loadConfig({});
    expect(config.temporal).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'seer-runs',
      retentionMs: 7 * 86_400_000,
    });
    expect(config.seer).toEqual({
      url: 'http://127.0.0.1:9090',
      sharedSecret: 'dev-secret',
      requestTimeoutMs: 30_000,
    });
    expect(config.syncWaitTimeoutMs).toBe(10_000);
    expect(config.healWindowMs).toBe(24 * 3_600_000);
    expect(config.port).toBe(8080);
    expect(config.explorerIndexTrigger).toBe(true);
    expect(config.worker).toEqual({ metricsPort: 9464, shutdownGraceMs: 30_000 });
    expect(orgSetHas(config.mirrorOrgs, 12345)).toBe(true);
    expect(orgSetHas(config.apiTokens.get('dev-token')!, 7)).toBe(true);
    expect(config.warnings.join('\n')).toMatch(
      /SEER_SHARED_SECRET.*\n.*SEER_URL.*\n.*SEER_RUNS_API_TOKENS/,
    );
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      SEER_RUN_MIRROR_ORGS: '1, 2,3',
      SEER_RUN_HEAL_WINDOW: '90m',
      TEMPORAL_RETENTION: '3d',
      SYNC_WAIT_TIMEOUT_MS: '250',
      EXPLORER_INDEX_TRIGGER: 'off',
      SEER_RUNS_API_TOKENS: '{"a":[1,2],"b":"*"}',
      SEER_URL: 'http://seer:9090/',
      LOG_LEVEL: 'debug',
    });
    expect(orgSetHas(config.mirrorOrgs, 2)).toBe(true);
    expect(orgSetHas(config.mirrorOrgs, 4)).toBe(false);
    expect(config.healWindowMs).toBe(90 * 60_000);
    expect(config.temporal.retentionMs).toBe(3 * 86_400_000);
    expect(config.syncWaitTimeoutMs).toBe(250);
    expect(config.explorerIndexTrigger).toBe(false);
    expect(config.seer.url).toBe('http://seer:9090');
    expect(orgSetHas(config.apiTokens.get('a')!, 2)).toBe(true);
    expect(orgSetHas(config.apiTokens.get('a')!, 3)).toBe(false);
    expect(orgSetHas(config.apiTokens.get('b')!, 3)).toBe(true);
    expect(config.apiTokens.has('dev-token')).toBe(false);
  });

  it('treats an empty SEER_RUN_MIRROR_ORGS as no organization', () => {
    expect(orgSetHas(loadConfig({ SEER_RUN_MIRROR_ORGS: '' }).mirrorOrgs, 1)).toBe(false);
  });

  it.each([
    ['PORT', 'eighty', /^invalid configuration: PORT: /],
    ['PORT', '70000', /^invalid configuration: PORT: /],
    ['SYNC_WAIT_TIMEOUT_MS', '-5', /^invalid configuration: SYNC_WAIT_TIMEOUT_MS: /],
    [
      'SEER_RUN_HEAL_WINDOW',
      'forever',
      /^invalid configuration: SEER_RUN_HEAL_WINDOW: expected a duration/,
    ],
    [
      'SEER_RUN_MIRROR_ORGS',
      '1,acme',
      /^invalid configuration: SEER_RUN_MIRROR_ORGS: "acme" is not/,
    ],
    [
      'SEER_RUNS_API_TOKENS',
      '{not json',
      /^invalid configuration: SEER_RUNS_API_TOKENS: expected JSON/,
    ],
    ['SEER_RUNS_API_TOKENS', '{"t":"all"}', /^invalid configuration: SEER_RUNS_API_TOKENS: /],
    ['SEER_URL', 'ftp://seer', /^invalid configuration: SEER_URL: /],
    ['EXPLORER_INDEX_TRIGGER', 'maybe', /^invalid configuration: EXPLORER_INDEX_TRIGGER: /],
    ['LOG_LEVEL', 'loud', /^invalid configuration: LOG_LEVEL: /],
  ])('rejects %s=%s with one line naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it.each(['SEER_SHARED_SECRET', 'SEER_URL', 'SEER_RUNS_API_TOKENS', 'SEER_RUNS_PAGE_TOKEN_KEY'])(
    'requires %s in production',
    (name) => {
      const env: Record<string, string> = { ...prod };
      delete env[name];
      expect(() => loadConfig(env)).toThrow(
        `invalid configuration: ${name}: required when NODE_ENV=production`,
      );
    },
  );

  it('starts in production with everything set and warns about nothing', () => {
    expect(loadConfig(prod).warnings).toEqual([]);
  });
});
