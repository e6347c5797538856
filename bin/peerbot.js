#!/usr/bin/env node
// The `peerbot` command. It runs the TypeScript sources through tsx (no build step), after
// making sure the Prisma client has been generated for the current schema.
import { register } from "tsx/esm/api";

register();
const { ensureGenerated, isGenerated } = await import("../prisma/generate.ts");
if (!isGenerated()) {
  process.stderr.write("peerbot: generating the Prisma client for this schema (first run only)…\n");
  ensureGenerated({ quiet: true });
}
const { main } = await import("../bot/cli.ts");
const code = await main(process.argv.slice(2));
// Exit now: idle pool timers and the schema engine would otherwise keep the process alive.
process.exit(code);
