// `npm run build` ends here: an empty embedded database (PGlite) with every migration
// applied, dumped to dist/embedded/ under a name keyed by the PGlite version and the
// migrations (drivers/embedded-postgres.ts), so that a new data folder starts from it
// instead of running initdb and the migrations. Older snapshots are removed.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { snapshotPath, startEmbeddedPostgres } from "../drivers/embedded-postgres.js";
import { migrate } from "./migrate.js";

export async function makeEmbeddedSnapshot(): Promise<string> {
  const file = snapshotPath();
  const work = mkdtempSync(path.join(tmpdir(), "peerbot-snapshot-"));
  try {
    const pg = await startEmbeddedPostgres(work, { snapshot: false });
    try {
      await migrate(pg.url, { lock: false });
      await pg.idle();
      const tarball = await pg.dump();
      mkdirSync(path.dirname(file), { recursive: true });
      for (const old of readdirSync(path.dirname(file)))
        if (old !== path.basename(file) && old.startsWith("pgdata-"))
          rmSync(path.join(path.dirname(file), old), { force: true });
      writeFileSync(`${file}.tmp`, tarball);
      renameSync(`${file}.tmp`, file);
    } finally {
      await pg.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = await makeEmbeddedSnapshot();
  process.stdout.write(`embedded database snapshot: ${path.relative(process.cwd(), file)}\n`);
  process.exit(0);
}
