// Generates the Prisma client (prisma/generated) without downloading anything.
//
// `prisma generate` never runs the schema engine, but the CLI insists on finding one before
// it starts; PRISMA_SCHEMA_ENGINE_BINARY pointing at any existing file satisfies it. The
// client is the Rust-free `prisma-client` generator used through @prisma/adapter-pg.
// A stamp (hash of schema.prisma) lets callers skip the work when nothing changed.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { prismaDir, schemaPath } from "./migrations-folder.js";

const require = createRequire(import.meta.url);
const stampPath = path.join(prismaDir, "generated", ".schema-hash");

function schemaHash(): string {
  return createHash("sha256").update(readFileSync(schemaPath)).digest("hex");
}

export function isGenerated(): boolean {
  return existsSync(stampPath) && readFileSync(stampPath, "utf8") === schemaHash();
}

export function generate(opts: { quiet?: boolean } = {}): void {
  const cli = require.resolve("prisma/build/index.js");
  execFileSync(process.execPath, [cli, "generate", "--schema", schemaPath], {
    cwd: path.dirname(prismaDir),
    stdio: opts.quiet ? "ignore" : "inherit",
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
      PRISMA_GENERATE_NO_ENGINE: "1",
    },
  });
  writeFileSync(stampPath, schemaHash());
}

export function ensureGenerated(opts: { quiet?: boolean } = {}): void {
  if (!isGenerated()) generate(opts);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--if-needed")) ensureGenerated();
  else generate();
}
