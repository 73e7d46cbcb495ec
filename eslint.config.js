import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'test-results/**', 'playwright-report/**', '**/.next/**', '**/next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Type-aware (typescript-eslint's recommended type-checked rules): among them, a promise nobody
  // awaits or handles, `any` flowing into typed code, a needless assertion, a non-Error rejection.
  ...tseslint.configs.recommendedTypeCheckedOnly.map((config) => ({
    ...config,
    files: ['**/*.{ts,tsx}'],
    ignores: ['tools/pack-check/fixture-app/**'],
  })),
  {
    files: ['**/*.{ts,tsx}'],
    ignores: ['tools/pack-check/fixture-app/**'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An `async` function without `await` is how an implementation of a Promise-returning
      // interface (a session store, a fetch stub) turns a thrown error into a rejection.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read answers as untyped JSON (`await response.json()`) and assert on them: the assertion
    // is the type check there.
    files: ['**/test/**/*.{ts,tsx}', 'e2e/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['packages/react/**/*.{ts,tsx}', 'apps/web/**/*.{ts,tsx}', 'examples/nextjs/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
);
