// Lint guards the workflow sandbox (workflow files may import neither Node builtins nor I/O
// modules) and the client's independence from the server (src/client and src/cli import the API's
// wire contract, src/contract, and the domain's pure modules, never the server's code).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/**
 * The src/domain modules whose own import graph holds no @temporalio/* (nor anything else of the
 * server): what src/contract, src/client and src/cli may import from the domain, one by one. Not
 * the index, nor search-attributes.ts: they pull in @temporalio/common.
 */
const PURE_DOMAIN_MODULES = [
  'attempts',
  'clean-strings',
  'jitter',
  'requests',
  'retry-delay',
  'run-outcome',
  'run-types',
  'seer-run',
  'seer-run-input',
];

/** Any path into src/domain but one of its pure modules (relative, from any folder below src). */
const IMPURE_DOMAIN = `^(\\.\\.?/)+(.*/)?domain(/(?!(${PURE_DOMAIN_MODULES.join('|')})$)[^/]*)?$`;

/** The folders and files of the server (and of the tools around it), relative to any src folder. */
const SERVER_PATHS = [
  'api',
  'http',
  'temporal',
  'seer',
  'fake-seer',
  'codec-server',
  'config',
  'stack',
  'cluster',
  'redrive',
  'tracing',
  'worker',
  'logger',
  'workflows',
  'activities',
];

/** What src/client and src/cli may not import: anything of the server, its packages included. */
function clientImportBans() {
  const message =
    'the client depends on the API over HTTP and on its contract (src/contract) only, never on the server (src/client/README.md)';
  return [
    {
      group: [
        '@temporalio/*',
        '@grpc/*',
        'fastify',
        'fastify-*',
        '@fastify/*',
        'pino',
        'pino-*',
        'prom-client',
        '@opentelemetry/*',
      ],
      message,
    },
    { regex: `^(\\.\\.?/)+(.*/)?(${SERVER_PATHS.join('|')})(/|$)`, message },
    {
      regex: IMPURE_DOMAIN,
      message: `import the domain's modules one by one, and only those free of @temporalio/*: ${PURE_DOMAIN_MODULES.join(', ')}`,
    },
  ];
}

/**
 * What src/contract may import: zod, Node builtins, itself (flat: `./x`) and the pure domain
 * modules. The one pattern matches any import but those.
 */
const CONTRACT_ALLOWED = [
  'zod(/.*)?',
  '\\./[\\w.-]+',
  `\\.\\./domain/(${PURE_DOMAIN_MODULES.join('|')})`,
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'coverage/**', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Jest's asymmetric matchers (expect.objectContaining, ...) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'undici', 'zod'],
          patterns: [
            { group: ['**/src/seer/**', '**/src/api/**', '**/src/temporal/**', '**/src/config*'] },
            {
              // The domain's index and request schemas pull in zod: import its zod-free modules.
              regex: '(^|/)src/domain(/index|/requests)?$',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now' },
        { object: 'Math', property: 'random' },
      ],
    },
  },
  {
    // The fake Seer is an independent witness of the Seer contract (src/fake-seer/README.md):
    // it may not share the client's code or the domain's run types, or it would agree with their bugs.
    files: ['src/fake-seer/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(src/)?(seer|domain)(/|$)',
              message:
                'the fake Seer keeps its own contract: import nothing from src/seer or src/domain',
            },
          ],
        },
      ],
    },
  },
  {
    // HTTP apart from Temporal: the API reaches Temporal only through src/temporal/client's gateway.
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/*', '@grpc/*'],
              message: 'ask Temporal through the RunGateway (src/temporal/client/gateway.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    // The SDK's public API only: its lib/ files change without notice between releases.
    files: ['src/temporal/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@temporalio/*/lib/*'], message: "use the SDK's public exports" }] },
      ],
    },
  },
  {
    // The client (and its CLI) runs in product code: undici, the API's wire contract (src/contract)
    // and the pure domain modules, nothing of the server (src/client/README.md).
    files: ['src/client/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: clientImportBans() }],
    },
  },
  {
    // The wire contract is loaded by the client in product code: pure, and nothing else of the
    // project but the domain's pure modules (src/contract/README.md).
    files: ['src/contract/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!(${CONTRACT_ALLOWED.join('|')})$)`,
              message: `src/contract imports only zod, itself and the domain's pure modules (no I/O, no Node builtins) (${PURE_DOMAIN_MODULES.join(', ')})`,
            },
          ],
        },
      ],
    },
  },
  {
    // The domain's pure modules stay pure: the client loads them (PURE_DOMAIN_MODULES above).
    files: PURE_DOMAIN_MODULES.map((name) => `src/domain/${name}.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!(zod|\\./(${PURE_DOMAIN_MODULES.join('|')}))$)`,
              message:
                'a pure domain module imports only zod and the other pure ones (PURE_DOMAIN_MODULES in eslint.config.mjs): the client loads it',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['eslint.config.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
