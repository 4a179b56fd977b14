// The studio's lint rules: typescript-eslint's type-aware recommended set, React's hook rules,
// and nothing about formatting (Prettier owns that; eslint-config-prettier turns clashing rules off).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules", "e2e/screenshots", "e2e/artifacts"] },
  js.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      // Unused eslint-disable comments are errors: a disable that disables nothing hides intent.
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  {
    // Features never import each other (the app layer composes them, as routes/studio.tsx does):
    // no "@/features/…" and no relative path climbing out of the feature's own folder.
    files: ["src/features/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/features/*", "@/features/**"], message: "Features never import each other; compose them in src/app." },
            {
              group: ["../../*", "../../**"],
              message: "Stay inside the feature: shared code lives in @/components, @/hooks or @/lib.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests stub fetch with async functions that answer at once and stringify what they are given;
    files: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    // expect's asymmetric matchers (expect.any, expect.stringContaining) are typed any.
    rules: {
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-base-to-string": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
    },
  },
  {
    // Node scripts; the e2e run also passes functions to page.evaluate, which run in the browser.
    files: ["e2e/**/*.mjs", "scripts/**/*.mjs", "*.js"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  prettier,
);
