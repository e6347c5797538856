// Turns the `data` array of one API answer into a validated page: valid records, the ids of
// deleted objects, and the skipped ones with the reason.
import type { PdbPage, PdbRecordMap, PdbType, SkippedRecord } from "../../core/peeringdb/types.js";
import { SCHEMAS, describeIssues, envelopeSchema } from "./schemas.js";

function rawId(o: unknown): number | null {
  if (o && typeof o === "object" && "id" in o) {
    const v = (o as { id: unknown }).id;
    if (typeof v === "number" && Number.isInteger(v)) return v;
  }
  return null;
}

export function validatePage<T extends PdbType>(type: T, data: readonly unknown[]): PdbPage<T> {
  const schema = SCHEMAS[type];
  const records: PdbRecordMap[T][] = [];
  const deleted: number[] = [];
  const skipped: SkippedRecord[] = [];
  let maxUpdated: string | null = null;
  let maxMs = -Infinity;
  const seen = (updated: string) => {
    const ms = Date.parse(updated);
    if (ms > maxMs) {
      maxMs = ms;
      maxUpdated = updated;
    }
  };
  for (const raw of data) {
    if ((raw as { status?: unknown } | null)?.status === "deleted") {
      // A deleted object only has to say which one it is; the rest of it may be stale.
      const env = envelopeSchema.safeParse(raw);
      if (env.success) {
        seen(env.data.updated);
        deleted.push(env.data.id);
      } else skipped.push({ type, id: rawId(raw), reason: describeIssues(env.error) });
      continue;
    }
    const r = schema.safeParse(raw);
    if (r.success) {
      seen(r.data.updated);
      records.push(r.data);
    } else skipped.push({ type, id: rawId(raw), reason: describeIssues(r.error) });
  }
  return { records, deleted, skipped, received: data.length, maxUpdated };
}
