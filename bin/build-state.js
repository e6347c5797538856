// Whether the compiled build (dist/) is current: newer than every TypeScript source it is
// compiled from, with the Prisma client generated for the current schema. bin/peerbot.js
// runs the build when it is; the start-up benchmark checks the same before it measures.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE_DIRS = ["bot", "commands", "core", "jobs", "drivers", "prisma"];
/** Data folders without TypeScript: not walked. */
const SKIP = new Set(["migrations", "seed", "node_modules"]);

/** The newest modification time of a TypeScript source (or tsconfig) the build compiles. */
export function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a folder the image leaves out
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) walk(path.join(dir, e.name));
      } else if (e.name.endsWith(".ts")) {
        newest = Math.max(newest, statSync(path.join(dir, e.name)).mtimeMs);
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(path.join(root, d));
  for (const f of ["tsconfig.json", "tsconfig.build.json"])
    newest = Math.max(newest, statSync(path.join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  return newest;
}

/** prisma/generated matches schema.prisma (the stamp prisma/generate.ts writes). */
export function clientGenerated() {
  try {
    const stamp = readFileSync(path.join(root, "prisma/generated/.schema-hash"), "utf8");
    const hash = createHash("sha256")
      .update(readFileSync(path.join(root, "prisma/schema.prisma")))
      .digest("hex");
    return stamp === hash;
  } catch {
    return false;
  }
}

/**
 * The compiled CLI module (dist/bot/cli.js) when it is current, else undefined.
 * PEERBOT_USE_BUILD=false always answers undefined (run the sources); =true answers the
 * build whenever it exists, current or not (the benchmark, in a tree being edited).
 */
export function currentBuild() {
  const use = process.env.PEERBOT_USE_BUILD;
  if (use === "false") return undefined;
  const entry = path.join(root, "dist/bot/cli.js");
  const built = statSync(entry, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return undefined;
  if (use === "true") return entry;
  if (!clientGenerated()) return undefined;
  return built >= newestSource() ? entry : undefined;
}
