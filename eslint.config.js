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
  { type: 'top', pattern: 'src', partialMatch: false },
];

// `shared`: what every layer may import, the one errors module and its strict-text helper.
// `assembly`: src/create-runtime.ts, the one file above the runtime that opens a store (and
// imports src/persistence) to hand it to the runtime. `library`: src/index.ts, the package's
// entry, an entry point like the CLI.
const files = [
  { category: 'shared', pattern: ['src/errors.ts', 'src/strict-text.ts'] },
  { category: 'assembly', pattern: ['src/create-runtime.ts'] },
  { category: 'library', pattern: ['src/index.ts'] },
];

const layer = (type) => ({ element: { type } });
const anyOf = (...types) => ({ element: { types: { anyOf: types } } });
const shared = { file: { categories: 'shared' } };
const assembly = { file: { categories: 'assembly' } };
const library = { file: { categories: 'library' } };
// Everything but the store: the store's types come from the runtime (runtime/actor-types.ts), a
// store is opened through the assembly.
const aboveStore = anyOf('entry', 'page', 'machines', 'adapters', 'runtime', 'top');

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
  // The entry points wire everything together, over the runtime: none imports src/persistence.
  { from: layer('entry'), allow: { to: aboveStore } },
  { from: library, allow: { to: aboveStore } },
  // The one assembly opens the store and hands it to the runtime.
  { from: assembly, allow: { to: anyOf('entry', 'page', 'machines', 'adapters', 'runtime', 'persistence', 'top') } },
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
    files: ['src/cli/**/*.ts', 'src/kinds/**/*.ts', 'src/adapters/**/*.ts', 'examples/**/*.ts'],
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
    // The inspector names no kind (issue 18): a kind brings its requests and words through its
    // registration (`WorkKind.inspector`), so the inspector imports no other adapter's folder
    // (the batch-job engine, the HTTP server), no kind and no machine.
    files: ['src/adapters/inspector/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^\\.\\./(?!\\.\\./)', message: "the inspector imports no other adapter: a kind's views come through its registration (`WorkKind.inspector`)" },
          { regex: '/(kinds|machines)/', message: "the inspector names no kind and no machine: a kind's views come through its registration (`WorkKind.inspector`)" },
        ],
      }],
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
