import neostandard from 'neostandard'
import tseslint from 'typescript-eslint'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'coverage/**', '.tap/**', 'db/migrations/**'] }),
  {
    // Lines a reader takes in without scrolling; a URL alone may run longer.
    rules: { '@stylistic/max-len': ['error', { code: 120, tabWidth: 2, ignoreUrls: true }] }
  },
  {
    // A forgotten await on a query or a transaction would run it after its caller moved on
    // (docs/postgres.md): type-aware, for the service's code only.
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // `void promise` is how a deliberately unawaited promise is marked.
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]
