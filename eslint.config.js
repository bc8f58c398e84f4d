// One lint configuration for the whole workspace (run by `npm run lint` and `npm test`).
// Layout is Prettier's job (eslint-config-prettier turns off every rule it decides).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Prettier wraps code at 120; comments must fit too. Long strings stay whole (greppable messages).
const MAX_LEN = {
  code: 120,
  ignoreUrls: true,
  ignoreStrings: true,
  ignoreTemplateLiterals: true,
  ignoreRegExpLiterals: true,
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'control-plane/drizzle/**', 'test-artifacts/**', 'bench/results/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-empty': ['error', { allowEmptyCatch: true }],
      eqeqeq: ['error', 'smart'],
      'vue/multi-word-component-names': 'off',
    },
  },
  // After Prettier's config, which turns max-len off.
  prettier,
  { rules: { 'max-len': ['error', MAX_LEN] } },
);
