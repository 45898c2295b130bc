// The lint `npm test` runs: the layers of DESIGN.md, no import cycles, no `any`.
// `npm run lint` prints every finding; any finding fails `npm test`.
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The layers of DESIGN.md, top to bottom (an element is a folder; the files at src/'s top
// are told apart by category below).
const elements = [
  // Entry points wire the parts together; src/kinds holds one registration per kind of work (issue 18).
  { type: 'entry', pattern: ['src/cli', 'src/kinds', 'src/testing', 'examples'], partialMatch: false },
  // The inspector page runs in a browser: it reads the inspector's protocol and the runtime's
  // pure state names, nothing that runs on the server.
  { type: 'page', pattern: 'src/inspector-page/**', partialMatch: false },
  { type: 'machines', pattern: 'src/machines/**', partialMatch: false },
  { type: 'adapters', pattern: 'src/adapters/**', partialMatch: false },
  { type: 'runtime', pattern: 'src/runtime/**', partialMatch: false },
  { type: 'persistence', pattern: 'src/persistence/**', partialMatch: false },
  // The code of three kinds of work that src/kinds registers (batch jobs, process jobs, the host
  // module), not yet folded into machines and adapters (issue 18, item 1): a layer between the
  // entry points and the adapters. The few adapters that still reach into it say so in place.
  { type: 'features', pattern: ['src/batch', 'src/jobserver', 'src/host'], partialMatch: false },
  { type: 'top', pattern: 'src', partialMatch: false },
];

// `shared`: what every layer may import, the one errors module and its strict-text helper.
// `assembly`: src/index.ts and the createRuntime it exports, the default assembly, an entry point.
const files = [
  { category: 'shared', pattern: ['src/errors.ts', 'src/strict-text.ts'] },
  { category: 'assembly', pattern: ['src/index.ts', 'src/create-runtime.ts'] },
];

const layer = (type) => ({ element: { type } });
const anyOf = (...types) => ({ element: { types: { anyOf: types } } });
const shared = { file: { categories: 'shared' } };
const assembly = { file: { categories: 'assembly' } };
const local = anyOf('entry', 'page', 'machines', 'adapters', 'runtime', 'persistence', 'features', 'top');

// Who may import whom. Type-only imports count: a type names the layer it comes from.
const policies = [
  { allow: { to: shared } },
  { from: layer('persistence'), allow: { to: layer('persistence') } },
  { from: layer('runtime'), allow: { to: anyOf('runtime', 'persistence') } },
  // Machines are pure: xstate and their own types, nothing else (packages: no-restricted-imports).
  { from: layer('machines'), allow: { to: layer('machines') } },
  // Adapters stand beside the machines and use the runtime's effect context, never the store.
  { from: layer('adapters'), allow: { to: anyOf('adapters', 'machines', 'runtime') } },
  { from: layer('page'), allow: { to: anyOf('page', 'adapters', 'runtime') } },
  { from: layer('features'), allow: { to: anyOf('features', 'adapters', 'machines', 'runtime', 'persistence') } },
  // The entry points wire everything together.
  { from: layer('entry'), allow: { to: local } },
  { from: assembly, allow: { to: local } },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'scratch/**', 'test/**', 'bench/**', 'scripts/**', 'eslint.config.js', 'vitest.config.ts'] },
  {
    files: ['src/**/*.ts', 'examples/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin, boundaries, 'import-x': importX },
    settings: {
      'boundaries/elements': elements,
      'boundaries/files': files,
      'boundaries/include': ['src/**/*', 'examples/**/*'],
      'import/resolver': { typescript: { alwaysTryTypes: true } },
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies }],
      // Every file under src/ and examples/ belongs to a layer.
      'boundaries/no-unknown-files': 'error',
      // Value imports only: a cycle of `import type` is erased at build and orders nothing.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-control-regex': 'error',
    },
  },
  {
    // Nothing above the runtime touches the store (DESIGN.md): the runtime offers the queries.
    files: ['src/cli/**/*.ts', 'src/kinds/**/*.ts', 'src/adapters/**/*.ts', 'src/batch/**/*.ts', 'src/jobserver/**/*.ts', 'src/host/**/*.ts', 'examples/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        ...["MemberExpression[object.name='runtime'][property.name='store']", "MemberExpression[object.property.name='runtime'][property.name='store']"].map((selector) => ({
          selector,
          message: 'the store is the runtime\'s own: ask the runtime (its queries, records or deletion)',
        })),
        ...["CallExpression[callee.object.name='store'][callee.property.name='commit']"].map((selector) => ({
          selector,
          message: 'only the runtime commits to the store',
        })),
      ],
    },
  },
  {
    // Machines are pure (STYLE.md): no node:*, lmdb, ws, chokidar or hash-wasm; xstate only.
    files: ['src/machines/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '^(?!xstate$|\\.)', message: 'machines import xstate and their own modules only' }],
      }],
    },
  },
);
