// Lint: typescript-eslint's recommended rules over everything we write; build output and
// the generated wire types are left out.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'app/js/', 'coverage/', 'server/desk/wire-types.ts', 'server/connectors/github/wire-types.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
);
