// Where replies that track an object were posted, so that jobs can update them later.
import { recordChangeMessage } from "../core/changes.js";
import type { Database } from "../core/db.js";
import { recordTrackedMessage } from "../core/inventory.js";
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
