// Lint guards the workflow sandbox: workflow files may import neither Node builtins nor I/O modules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** What src/client and src/cli may not import; `api` is the regex of the src/api paths banned. */
function clientImportBans(api) {
  const message =
    'the client depends on the API over HTTP only, never on the server (src/client/README.md)';
  return [
    { group: ['@temporalio/*', '@grpc/*'], message },
    {
      regex: `^(\\.\\.?/)+(.*/)?(${api}|temporal|seer|config|stack|workflows|activities)(/|$)`,
      message,
    },
    {
      regex: '^(\\.\\.?/)+(.*/)?domain(/index)?$',
      message: "import the domain's modules one by one: its index pulls in @temporalio/common",
    },
  ];
}

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
    // The client (and its CLI) runs in product code: undici and the API's contract, nothing of the
    // server. src/client/run-body.ts alone reads the API's body schemas (the block after this one).
    files: ['src/client/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: clientImportBans('api') }],
    },
  },
  {
    // Read-only, until these pure modules move to src/domain (src/client/README.md).
    files: ['src/client/run-body.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: clientImportBans(
            'api(?!/(api-error|json-body|run-request|routes/seer-runs\\.schemas)$)',
          ),
        },
      ],
    },
  },
  {
    files: ['eslint.config.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
