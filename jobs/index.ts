// Every queue's worker function, registered on whichever queue implementation is running.
import type { Services } from "../commands/registry.js";
import type { RunnableQueue } from "./queue.js";

export function registerAllWorkers(_queue: RunnableQueue, _services: Services): void {
  // Queues are added by their features (deploy, email, peeringdb-sync, poll-sessions).
}
