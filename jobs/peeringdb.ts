// The `peeringdb-sync` queue as peerbot runs it: the sync job of jobs/peeringdb-sync.ts, with
// its progress also drawn into the message of the `sync` command that asked for it, and the
// PeeringDB digest after it (PEERBOT_DIGEST_SCHEDULE=sync).
import type { Services } from "../core/services.js";
import { runDigest } from "../core/digest.js";
import { trackedMessage } from "../core/inventory.js";
import type { Reply } from "../core/reply.js";
import {
  PEERINGDB_SYNC_QUEUE,
  runPeeringdbSyncJob,
  type PeeringdbSyncData,
  type PeeringdbSyncResult,
} from "./peeringdb-sync.js";
import type { RunnableQueue } from "./queue.js";

function progressReply(lines: string[], done?: PeeringdbSyncResult): Reply {
  if (!done) return { kind: "info", title: "PeeringDB sync running", text: lines.join("\n") };
  const failed = done.types.filter((t) => !t.ok);
  return {
    kind: failed.length ? "error" : "success",
    title: done.skipped
      ? "PeeringDB sync skipped"
      : failed.length
        ? "PeeringDB sync finished with errors"
        : "PeeringDB sync finished",
    text:
      done.skipped ??
      `${(done.durationMs / 1000).toFixed(1)} s.${failed.length ? ` Failed: ${failed.map((t) => `${t.type} (${t.error ?? "error"})`).join(", ")}; the previous data of those types is kept.` : ""}`,
    table: done.types.length
      ? {
          columns: ["type", "mode", "fetched", "changed", "deleted", "skipped", "rows"],
          rows: done.types.map((t) => [
            t.type,
            t.mode,
            String(t.fetched),
            String(t.upserted),
            String(t.deleted),
            String(t.skipped),
            String(t.rows),
          ]),
          alignRight: [2, 3, 4, 5, 6],
        }
      : undefined,
  };
}

export function registerPeeringdbWorker(queue: RunnableQueue, s: Services): void {
  queue.register(
    PEERINGDB_SYNC_QUEUE,
    async (job) => {
      const data = (job.data ?? {}) as PeeringdbSyncData & { track?: string };
      const lines: string[] = [];
      let lastDraw = 0;
      const draw = async (reply: Reply) => {
        if (!data.track || !s.notifier) return;
        const ref = await trackedMessage(s.db, data.track);
        if (ref)
          await s.notifier
            .update(ref, reply)
            .catch((err: unknown) => s.log.warn("sync: message update failed", { err: String(err) }));
      };
      const result = await runPeeringdbSyncJob(
        { db: s.db, source: s.peeringdb, log: s.log },
        data,
        async (p) => {
          await job.progress(p);
          const line = `${p.type}: ${p.rows} rows`;
          if (lines[lines.length - 1]?.startsWith(`${p.type}:`)) lines[lines.length - 1] = line;
          else lines.push(line);
          if (Date.now() - lastDraw > 1000) {
            lastDraw = Date.now();
            await draw(progressReply(lines));
          }
        },
      );
      await draw(progressReply(lines, result));
      // The digest of what the sync changed (core/digest.ts), when it follows syncs.
      if (!result.skipped && s.config.PEERBOT_DIGEST_CHANNEL && s.config.PEERBOT_DIGEST_SCHEDULE === "sync")
        await runDigest(s, `sync:${job.id}`, s.clock.now()).catch((err: unknown) =>
          s.log.warn("digest: failed after the sync", { err: String(err) }),
        );
      return result;
    },
    { attempts: 1, concurrency: 1 },
  );
}
