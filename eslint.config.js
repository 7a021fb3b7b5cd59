import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'coverage/**', '.tap/**', 'db/migrations/**'] }),
  {
    // Lines a reader takes in without scrolling; a URL alone may run longer.
    rules: { '@stylistic/max-len': ['error', { code: 120, tabWidth: 2, ignoreUrls: true }] }
  }
]
