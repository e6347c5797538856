// ESLint flat config: typescript-eslint's recommended rules on every TypeScript file, and the
// layer rules of the house plan (docs: README "Architecture"): imports run bot -> commands ->
// core <- drivers/jobs, and only core/ talks to the generated Prisma client.
// tests/lint/layers.test.ts proves each rule rejects a deliberate violation.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

/** An import of one of these top-level folders, from any depth below the repository root. */
const folder = (...names) => `^(\\.\\./)+(${names.join("|")})/`;
const PRISMA = {
  regex: "prisma/generated|^@prisma/client",
  message: "Only core/ talks to the Prisma client.",
};
const layer = (message, ...names) => ({ regex: folder(...names), message });

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".peerbot/**", "prisma/generated/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
      // Router CLIs and PostgreSQL text make control characters in patterns a necessity here.
      "no-control-regex": "off",
    },
  },
  {
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            layer(
              "core/ is the domain: it imports nothing above it (bot, commands, jobs) and no concrete driver; declare a port in core/ports.ts instead.",
              "bot",
              "commands",
              "jobs",
              "drivers",
              "tests",
            ),
          ],
        },
      ],
    },
  },
  {
    files: ["jobs/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            layer(
              "jobs/ are thin workers: they call core/ and receive drivers through the service bag, never commands/, bot/ or a concrete driver.",
              "commands",
              "bot",
              "drivers",
            ),
            PRISMA,
          ],
        },
      ],
    },
  },
  {
    files: ["bot/*/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            layer(
              "A chat platform (bot/<platform>/) knows its platform and commands' Reply, never drivers or jobs; bot/services.ts assembles those.",
              "drivers",
              "jobs",
            ),
            PRISMA,
          ],
        },
      ],
    },
  },
  {
    files: ["commands/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            layer(
              "commands/ call core/ and return a Reply; they never reach drivers, jobs or a platform.",
              "drivers",
              "jobs",
              "bot",
            ),
            PRISMA,
          ],
        },
      ],
    },
  },
  {
    files: ["drivers/**/*.ts", "bot/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [PRISMA] }] },
  },
);
