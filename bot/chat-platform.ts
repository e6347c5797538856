// The contract every chat platform keeps: the console (console/), Slack (slack/) and Discord
// (discord/). A platform receives events (a terminal's lines; Slack's requests through a Bolt
// receiver; Discord's interactions through an InteractionReceiver), turns each into an
// Invocation, runs it with `handle` and hands the Reply to the shared delivery (delivery.ts),
// which its Notifier uses too. How events arrive is the platform's receiver, a part of its own
// that can be replaced (HTTP, Socket Mode, a Gateway connection) without touching the rest.
//
// startPlatforms (platforms.ts) starts the configured ones for `peerbot start`; workerNotifiers
// gives `peerbot worker` the same notifiers without receivers.
import type { Invocation } from "../commands/registry.js";
import type { Notifier } from "../core/ports.js";
import type { Reply } from "../core/reply.js";
import { failedReply, type DeliveryOptions } from "./delivery.js";

export interface ChatPlatform {
  /** "console", "slack", "discord": the `platform` of the MessageRefs it makes. */
  readonly name: string;
  /** Posts and updates messages for jobs, through the shared delivery. */
  readonly notifier: Notifier;
  /** Starts receiving events; resolves once the platform is ready for them. */
  start(): Promise<void>;
  /** Stops receiving events and lets go of what it holds. */
  stop(): Promise<void>;
  /**
   * Whether it can receive events now (its HTTP server listens, its Socket Mode or Gateway
   * connection is up), for /readyz; a sentence saying why not otherwise. Without it, a
   * platform that has started counts as ready.
   */
  ready?(): true | string;
}

/** What every platform is given, whatever its receiver. */
export interface PlatformDeps extends DeliveryOptions {
  /** Runs one invocation: `(inv) => dispatch(registry, services, inv).then((r) => r.reply)`. */
  handle(inv: Invocation): Promise<Reply>;
  /**
   * Every command slot of this process is taken (commands/dispatch.ts commandsBusy): a new
   * invocation would wait its turn, so a platform that may defer its answer does so at once.
   */
  busy?(): boolean;
}

/** Runs an invocation; a handler that throws instead of answering gets the one failure sentence. */
export async function answer(deps: PlatformDeps, platform: string, inv: Invocation): Promise<Reply> {
  try {
    return await deps.handle(inv);
  } catch (err) {
    deps.log.error(`${platform}: command failed`, { err });
    return failedReply();
  }
}
