// Where replies that track an object were posted, so that jobs can update them later.
import { recordChangeMessage } from "../core/changes.js";
import type { Database } from "../core/db.js";
import type { MessageRef } from "../core/ports.js";
import type { Reply } from "../core/reply.js";
import type { Services } from "./registry.js";

export function messageTracker(db: Database): NonNullable<Services["messages"]> {
  return {
    async posted(reply: Reply, ref: MessageRef) {
      if (!reply.track) return;
      const m = /^change:(\d+)$/.exec(reply.track);
      if (m) return recordChangeMessage(db, Number(m[1]), ref);
      const data = {
        platform: ref.platform,
        channel: ref.channel,
        messageId: ref.messageId,
        threadId: ref.threadId ?? "",
      };
      await db.prisma.trackedMessage.upsert({
        where: { key: reply.track },
        update: data,
        create: { key: reply.track, ...data },
      });
    },
  };
}

/** Where the message tracking `key` lives, once its platform has posted it. */
export async function trackedMessage(db: Database, key: string): Promise<MessageRef | null> {
  const t = await db.prisma.trackedMessage.findUnique({ where: { key } });
  return t
    ? { platform: t.platform, channel: t.channel, messageId: t.messageId, threadId: t.threadId || undefined }
    : null;
}
