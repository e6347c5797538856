// Where replies that track an object were posted, so that jobs can update them later.
import { recordChangeMessage } from "../core/changes.js";
import type { Database } from "../core/db.js";
import { claimTrackedKey, recordTrackedMessage } from "../core/inventory.js";
import type { MessageRef } from "../core/ports.js";
import type { Reply } from "../core/reply.js";
import type { Services } from "./registry.js";

export function messageTracker(db: Database): NonNullable<Services["messages"]> {
  return {
    async posted(reply: Reply, ref: MessageRef) {
      if (!reply.track) return;
      const m = /^change:(\d+)$/.exec(reply.track);
      if (m) return recordChangeMessage(db, Number(m[1]), ref);
      await recordTrackedMessage(db, reply.track, ref);
    },
  };
}

/**
 * Claims outcome keys on the message tracker's table (TrackedMessage): the first insert of a
 * key wins, in every process sharing the database; the outcome's own `posted` report then fills
 * in where it went.
 */
export function trackerClaim(db: Pick<Database, "pool">): (key: string) => Promise<boolean> {
  return (key) => claimTrackedKey(db, key);
}
