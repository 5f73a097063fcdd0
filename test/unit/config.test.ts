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
    expect(config.worker).toEqual({
      metricsPort: 9464,
      metricsBindAddress: '127.0.0.1:9464',
      shutdownGraceMs: 30_000,
    });
    expect(config.host).toBe('127.0.0.1');
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

  it('stops an API drain no earlier than its sync wait plus the lookups after it', () => {
    expect(loadConfig({ SYNC_WAIT_TIMEOUT_MS: '2000' }).apiDrainMs).toBe(17_000);
  });
});

describe('where the service listens and where the development credentials work (spec §3)', () => {
  const real = { SEER_SHARED_SECRET: 's3cret', SEER_RUNS_API_TOKENS: '{"tok":[1]}' };
  const message = (env: NodeJS.ProcessEnv): string => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('the configuration was accepted');
  };

  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])(
    'keeps the development secret and token on the loopback address %s, with warnings',
    (host) => {
      const config = loadConfig({ HOST: host });
      expect(config.host).toBe(host);
      expect(config.seer.sharedSecret).toBe('dev-secret');
      expect(config.apiTokens.has('dev-token')).toBe(true);
      expect(config.warnings.join('\n')).toMatch(/SEER_SHARED_SECRET.*\n.*SEER_RUNS_API_TOKENS/s);
    },
  );

  it.each(['0.0.0.0', '::', '192.0.2.2', 'fd00::2'])(
    'requires the secret and the tokens on %s, naming the first one missing',
    (host) => {
      expect(message({ HOST: host })).toBe(
        `invalid configuration: SEER_SHARED_SECRET: required when HOST=${host} is not a loopback address`,
      );
      expect(message({ HOST: host, SEER_SHARED_SECRET: 's3cret' })).toBe(
        `invalid configuration: SEER_RUNS_API_TOKENS: required when HOST=${host} is not a loopback address`,
      );
    },
  );

  it('refuses the development values off loopback, even when they are set explicitly', () => {
    expect(message({ ...real, HOST: '0.0.0.0', SEER_SHARED_SECRET: 'dev-secret' })).toBe(
      'invalid configuration: SEER_SHARED_SECRET: the development value is refused when HOST=0.0.0.0 is not a loopback address',
    );
    expect(
      message({ ...real, HOST: '0.0.0.0', SEER_RUNS_API_TOKENS: '{"tok":[1],"dev-token":"*"}' }),
    ).toBe(
      'invalid configuration: SEER_RUNS_API_TOKENS: the development value is refused when HOST=0.0.0.0 is not a loopback address',
    );
  });

  it('listens on every interface with real credentials, and warns only about the fake Seer', () => {
    const config = loadConfig({
      ...real,
      HOST: '0.0.0.0',
      WORKER_METRICS_PORT: '9500',
      SEER_RUNS_PAGE_TOKEN_KEY: 'k'.repeat(32),
    });
    expect(config.host).toBe('0.0.0.0');
    expect(config.worker.metricsBindAddress).toBe('0.0.0.0:9500');
    expect(config.apiTokens.has('dev-token')).toBe(false);
    expect(config.warnings).toEqual([expect.stringMatching(/^SEER_URL is not set/)]);
  });

  it('binds IPv6 metrics in brackets', () => {
    expect(loadConfig({ HOST: '::1' }).worker.metricsBindAddress).toBe('[::1]:9464');
  });

  it.each(['Production', 'PRODUCTION', ' production '])(
    'reads NODE_ENV=%s as production, whatever its case',
    (nodeEnv) => {
      expect(message({ NODE_ENV: nodeEnv })).toBe(
        'invalid configuration: SEER_SHARED_SECRET: required when NODE_ENV=production',
      );
      expect(loadConfig({ ...prod, NODE_ENV: nodeEnv }).production).toBe(true);
    },
  );

  it('refuses the development values in production, on loopback too', () => {
    expect(message({ ...prod, SEER_SHARED_SECRET: 'dev-secret' })).toBe(
      'invalid configuration: SEER_SHARED_SECRET: the development value is refused when NODE_ENV=production',
    );
    expect(message({ ...prod, SEER_RUNS_API_TOKENS: '{"dev-token":[1]}' })).toBe(
      'invalid configuration: SEER_RUNS_API_TOKENS: the development value is refused when NODE_ENV=production',
    );
  });

  it.each(['localhost', 'example.com', '256.0.0.1'])(
    'rejects HOST=%s, which is not an IP address',
    (host) => {
      expect(message({ HOST: host })).toMatch(
        /^invalid configuration: HOST: expected an IP address/,
      );
    },
  );

  it('reads an empty HOST as unset: loopback', () => {
    expect(loadConfig({ HOST: '' }).host).toBe('127.0.0.1');
  });
});
