import { z } from 'zod';
import {
  bindAddress,
  ConfigError,
  devCredential,
  envSchema,
  keptEmpty,
  optional,
  parseEnv,
  Port,
  required,
  requiredInProduction,
  withDefault,
} from '../../src/config';

// A process's table as the toolkit sees it: one row of each kind.
const TABLE = {
  PORT: withDefault(Port, 8080),
  NAME: optional(z.string().min(1)),
  SECRET: requiredInProduction(z.string().min(1), { value: 'dev', warning: 'using "dev"' }),
  URL: requiredInProduction(z.url(), { value: null, warning: 'nothing to call' }),
  KEY: required(z.string().min(1), 'nothing works without it'),
  ORGS: withDefault(z.string(), '*', { emptyIsAValue: true }),
};
const Env = envSchema(TABLE);
const load = (env: NodeJS.ProcessEnv) => parseEnv(Env, env, keptEmpty(TABLE));

describe('a process table read from the environment', () => {
  it('gives defaults and development stand-ins, with one warning per stand-in, in table order', () => {
    expect(load({ KEY: 'k' })).toEqual({
      production: false,
      values: { PORT: 8080, NAME: undefined, SECRET: 'dev', URL: null, KEY: 'k', ORGS: '*' },
      warnings: ['SECRET is not set: using "dev"', 'URL is not set: nothing to call'],
    });
  });

  it('reads every variable it is given and warns about nothing', () => {
    const env = { PORT: '9', NAME: 'n', SECRET: 's', URL: 'https://u', KEY: 'k', ORGS: '1' };
    expect(load({ ...env, NODE_ENV: 'production' })).toEqual({
      production: true,
      values: { PORT: 9, NAME: 'n', SECRET: 's', URL: 'https://u', KEY: 'k', ORGS: '1' },
      warnings: [],
    });
  });

  it('counts an empty value as unset, unless the row says empty is a value', () => {
    const { values } = load({ KEY: 'k', PORT: '', NAME: '', ORGS: '' });
    expect([values.PORT, values.NAME, values.ORGS]).toEqual([8080, undefined, '']);
  });

  it('stops on a development stand-in in production, naming the first missing row', () => {
    expect(() => load({ NODE_ENV: 'production', KEY: 'k' })).toThrow(
      new ConfigError('invalid configuration: SECRET: required when NODE_ENV=production'),
    );
    expect(() => load({ NODE_ENV: 'production', KEY: 'k', SECRET: 's' })).toThrow(
      new ConfigError('invalid configuration: URL: required when NODE_ENV=production'),
    );
  });

  it('stops on a required row in every environment, with its reason', () => {
    expect(() => load({})).toThrow(
      new ConfigError('invalid configuration: KEY: required; nothing works without it'),
    );
  });

  it('reports a bad value before any missing one', () => {
    expect(() => load({ NODE_ENV: 'production', URL: 'not a url' })).toThrow(
      /^invalid configuration: URL: /,
    );
  });
});

// A listening process: a bind address and a credential with a development value.
const LISTENER = {
  TOKEN: devCredential(z.string().min(1), {
    value: 'dev',
    warning: 'using "dev"',
    isDevValue: (token) => token === 'dev',
  }),
  BIND: bindAddress(),
};
const listener = (env: NodeJS.ProcessEnv) => parseEnv(envSchema(LISTENER), env);

describe('a development credential, one row', () => {
  it('stands in on loopback outside production, with a warning', () => {
    expect(listener({})).toEqual({
      production: false,
      values: { TOKEN: 'dev', BIND: '127.0.0.1' },
      warnings: ['TOKEN is not set: using "dev"'],
    });
    expect(listener({ BIND: '::1', TOKEN: 'dev' }).values.TOKEN).toBe('dev');
  });

  it('is required off loopback, naming the bind variable and its value', () => {
    expect(() => listener({ BIND: '10.0.0.7' })).toThrow(
      new ConfigError(
        'invalid configuration: TOKEN: required when BIND=10.0.0.7 is not a loopback address',
      ),
    );
  });

  it('refuses its development value off loopback and in production (any case)', () => {
    expect(() => listener({ BIND: '0.0.0.0', TOKEN: 'dev' })).toThrow(
      new ConfigError(
        'invalid configuration: TOKEN: the development value is refused when BIND=0.0.0.0 is not a loopback address',
      ),
    );
    expect(() => listener({ NODE_ENV: 'PRODUCTION', TOKEN: 'dev' })).toThrow(
      new ConfigError(
        'invalid configuration: TOKEN: the development value is refused when NODE_ENV=production',
      ),
    );
  });

  it('applies in production even to a table that does not listen', () => {
    const table = { TOKEN: LISTENER.TOKEN };
    expect(() => parseEnv(envSchema(table), { NODE_ENV: 'Production' })).toThrow(
      new ConfigError('invalid configuration: TOKEN: required when NODE_ENV=production'),
    );
    expect(parseEnv(envSchema(table), {}).values.TOKEN).toBe('dev');
  });

  it('takes a real value anywhere, without a warning', () => {
    expect(listener({ NODE_ENV: 'production', BIND: '0.0.0.0', TOKEN: 'real' })).toEqual({
      production: true,
      values: { TOKEN: 'real', BIND: '0.0.0.0' },
      warnings: [],
    });
  });
});
