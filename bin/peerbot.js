#!/usr/bin/env -S node --max-semi-space-size=64
// The `peerbot` command. It runs the compiled build (dist/, made by `npm run build`, which
// `npm ci` and `npm install` run through the `prepare` script) when that build is newer than
// every TypeScript source; otherwise it runs the sources through tsx, after making sure the
// Prisma client has been generated for the current schema. The build answers a first console
// line about a second sooner: no TypeScript is transformed at start-up.
// --max-semi-space-size=64 (MiB; V8's default is 16) lets the young generation hold a
// whole render of a large router: a 5,000-session render spends 25 ms in GC with the default
// and 13 ms with it. `npm start` and the image's `start` pass the same flag; a worker started
// by `npm run worker` or the image takes 4 instead, for a smaller RSS (bin/container-entry.sh).
import { currentBuild } from "./build-state.js";

let main;
const build = currentBuild();
if (build) {
  ({ main } = await import(build));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { ensureGenerated, isGenerated } = await import("../prisma/generate.ts");
  if (!isGenerated()) {
    process.stderr.write("peerbot: generating the Prisma client for this schema (first run only)…\n");
    ensureGenerated({ quiet: true });
  }
  ({ main } = await import("../bot/cli.ts"));
}
const code = await main(process.argv.slice(2));
// Exit now: idle pool timers and the schema engine would otherwise keep the process alive.
process.exit(code);
