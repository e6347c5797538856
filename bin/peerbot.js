#!/usr/bin/env -S node --max-semi-space-size=64
// The `peerbot` command. It runs the TypeScript sources through tsx (no build step), after
// making sure the Prisma client has been generated for the current schema.
// --max-semi-space-size=64 (MiB; V8's default is 16) lets the young generation hold a
// whole render of a large router: a 5,000-session render spends 25 ms in GC with the default
// and 13 ms with it, while an idle process keeps the same RSS. The Dockerfile and
// `npm start` pass the same flag.
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
