// The layer rules of eslint.config.js reject what they should: each case is a deliberate
// violation linted as if it were a file in that folder, and a permitted import beside it.
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (r?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("the layer rules", () => {
  it.each([
    ["core/example.ts", 'import { x } from "../commands/registry.js";\nvoid x;\n', /core\/ is the domain/],
    [
      "core/changes/example.ts",
      'import { x } from "../../drivers/router/file.js";\nvoid x;\n',
      /no concrete driver/,
    ],
    ["core/example.ts", 'import { x } from "../jobs/queue.js";\nvoid x;\n', /core\/ is the domain/],
    ["jobs/example.ts", 'import { x } from "../commands/registry.js";\nvoid x;\n', /jobs\/ are thin workers/],
    [
      "jobs/example.ts",
      'import { x } from "../drivers/peeringdb/client.js";\nvoid x;\n',
      /never .*a concrete driver/,
    ],
    [
      "jobs/example.ts",
      'import { x } from "../prisma/generated/client.js";\nvoid x;\n',
      /Only core\/ talks to the Prisma client/,
    ],
    [
      "bot/slack/example.ts",
      'import { x } from "../../drivers/router/factory.js";\nvoid x;\n',
      /never drivers or jobs/,
    ],
    [
      "bot/discord/example.ts",
      'import { x } from "../../jobs/queue.js";\nvoid x;\n',
      /never drivers or jobs/,
    ],
    [
      "commands/example.ts",
      'import { x } from "../drivers/router/factory.js";\nvoid x;\n',
      /commands\/ call core/,
    ],
    [
      "drivers/example.ts",
      'import { x } from "@prisma/client";\nvoid x;\n',
      /Only core\/ talks to the Prisma client/,
    ],
  ])("%s may not: %s", async (file, code, why) => {
    const msgs = await restricted(file, code);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(why);
  });

  it.each([
    ["core/example.ts", 'import { x } from "./ports.js";\nvoid x;\n'],
    ["core/changes/example.ts", 'import { x } from "../render/index.js";\nvoid x;\n'],
    ["jobs/example.ts", 'import { x } from "../core/changes.js";\nvoid x;\n'],
    ["bot/slack/example.ts", 'import { x } from "../../commands/dispatch.js";\nvoid x;\n'],
    ["bot/services.ts", 'import { x } from "../drivers/router/factory.js";\nvoid x;\n'],
  ])("%s may: %s", async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
