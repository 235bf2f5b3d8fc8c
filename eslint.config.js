import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The dependency rule: imports point inwards. `src/core` (domain types, ports, pure logic) imports nothing
 * of the project outside itself; render and the use cases build on it; the adapters (`src/local`,
 * `src/aws`) depend on core only, never on each other; the composition roots (`lambdas/`, `src/cli`) are
 * the only code that picks adapters; `infra/` (CDK) may import `src/core` only, and nothing under `src/`
 * imports `infra/`. `npm run deps` prints the resulting folder graph.
 */
const LAYERS = [
  { type: 'core', pattern: 'src/core' },
  { type: 'render', pattern: 'src/render' },
  { type: 'pipeline', pattern: 'src/pipeline' },
  { type: 'api', pattern: 'src/api' },
  { type: 'local', pattern: 'src/local' },
  { type: 'aws', pattern: 'src/aws' },
  { type: 'sample', pattern: 'src/sample' },
  { type: 'console', pattern: 'src/console' },
  { type: 'cli', pattern: 'src/cli' },
  { type: 'lambdas', pattern: 'lambdas' },
  { type: 'infra', pattern: 'infra' },
];
const may = (from, to) => ({ from: { element: { type: from } }, allow: { to: { element: { types: { anyOf: to } } } } });

export const DEPENDENCY_POLICIES = [
  may('core', ['core']),
  may('render', ['core', 'render']),
  may('pipeline', ['core', 'render', 'pipeline']),
  may('api', ['core', 'render', 'pipeline', 'api', 'console']),
  may('local', ['core', 'local']),
  may('aws', ['core', 'aws']),
  may('sample', ['core', 'sample']),
  // The admin console's browser code and its build: it talks to the API over HTTP only.
  may('console', ['console']),
  may('cli', ['core', 'render', 'pipeline', 'api', 'local', 'aws', 'sample', 'console', 'cli']),
  may('lambdas', ['core', 'render', 'pipeline', 'api', 'aws', 'console', 'lambdas']),
  may('infra', ['core', 'infra']),
];

export default tseslint.config(
  { ignores: ['.bench/', 'node_modules/', 'cdk.out/', 'data/', 'reports/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'infra/**/*.ts', 'lambdas/**/*.ts'],
    plugins: { boundaries },
    settings: { 'boundaries/elements': LAYERS, 'boundaries/include': ['src/**', 'infra/**', 'lambdas/**'] },
    rules: { 'boundaries/dependencies': ['error', { default: 'disallow', policies: DEPENDENCY_POLICIES }] },
  },
  {
    // The inner layers know no SDK, engine or CDK: those belong to the adapters and infra/.
    files: ['src/core/**/*.ts', 'src/render/**/*.ts', 'src/pipeline/**/*.ts', 'src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@duckdb/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'],
              message: 'inner layers take adapters through ports; build them in a composition root',
            },
          ],
        },
      ],
    },
  },
  { files: ['bin/**/*.js'], languageOptions: { globals: { process: 'readonly' } } },
);
