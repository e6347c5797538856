// The notifier of a process's job messages: each message goes to the notifier of the chat
// platform it lives on. A module of its own, without the commands: `peerbot worker` makes one
// whether or not a chat platform is configured, and loads platforms.ts (the command registry
// behind the messages' buttons) only when one is.
import type { MessageRef, Notifier } from "../core/ports.js";
import type { Reply } from "../core/reply.js";

/** A notifier that hands each message to the notifier of the platform it was posted on. */
export class PlatformRouter implements Notifier {
  readonly byPlatform = new Map<string, Notifier>();

  /** Routes the messages of `platform` to `notifier`. */
  add(platform: string, notifier: Notifier): this {
    this.byPlatform.set(platform, notifier);
    return this;
  }

  private pick(platform: string): Notifier {
    const n = this.byPlatform.get(platform);
    if (!n) throw new Error(`no ${platform} platform is running in this process to update its message`);
    return n;
  }

  async update(ref: MessageRef, reply: Reply): Promise<void> {
    return this.pick(ref.platform).update(ref, reply);
  }

  async post(
    channel: { platform: string; channel: string; threadId?: string },
    reply: Reply,
  ): Promise<MessageRef> {
    return this.pick(channel.platform).post(channel, reply);
  }
}
