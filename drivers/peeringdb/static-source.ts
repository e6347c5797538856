// A PeeringDbSource over records already in memory or on disk (the bundled real records for
// `seed-demo`, fixtures in tests): the same validation as the HTTP client, and `since`
// answered as the API does (objects updated since then, deleted ones included).
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import {
  PDB_TYPES,
  type PageQuery,
  type PdbPage,
  type PdbType,
  type PeeringDbSource,
} from "../../core/peeringdb/types.js";
import { validatePage } from "./validate.js";
import { fromRoot } from "../../core/paths.js";

export type RawPeeringDbData = Partial<Record<PdbType, unknown[]>>;

/** Reads `<dir>/<type>.json` ({"meta": {}, "data": [...]}) for every mirrored type present. */
export function readPeeringDbDir(dir: string): RawPeeringDbData {
  const out: RawPeeringDbData = {};
  for (const type of PDB_TYPES) {
    const file = path.join(dir, `${type}.json`);
    if (!existsSync(file)) continue;
    const body = JSON.parse(readFileSync(file, "utf8")) as { data?: unknown };
    if (!Array.isArray(body.data)) throw new Error(`${file} holds no data list`);
    out[type] = body.data;
  }
  return out;
}

export class StaticPeeringDbSource implements PeeringDbSource {
  constructor(
    private readonly data: RawPeeringDbData,
    private readonly pageSize = 5000,
  ) {}

  async *pages<T extends PdbType>(type: T, query: PageQuery = {}): AsyncGenerator<PdbPage<T>> {
    const rows = (this.data[type] ?? []).filter((r) => {
      const o = r as { status?: unknown; updated?: unknown };
      if (query.since === undefined) return o.status !== "deleted";
      return typeof o.updated === "string" && Date.parse(o.updated) >= query.since * 1000;
    });
    for (let i = 0; i === 0 || i < rows.length; i += this.pageSize) {
      yield validatePage(type, rows.slice(i, i + this.pageSize));
    }
  }
}

/** The real PeeringDB records bundled for the demo (prisma/seed/peeringdb). */
export function bundledPeeringDb(): StaticPeeringDbSource {
  return new StaticPeeringDbSource(readPeeringDbDir(fromRoot("prisma", "seed", "peeringdb")));
}
