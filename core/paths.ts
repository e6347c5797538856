// The project's root folder (where package.json is), found from this file whether it runs
// from the sources (tsx) or from the compiled build (dist/), so that data folders
// (prisma/migrations, prisma/seed, templates) resolve the same way in both.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "prisma", "schema.prisma")))
      return dir;
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error("cannot find peerbot's project folder (package.json beside prisma/schema.prisma)");
    dir = up;
  }
}

export const projectRoot = findRoot();
export const fromRoot = (...parts: string[]) => path.join(projectRoot, ...parts);
