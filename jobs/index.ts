// Every queue's worker function, registered on whichever queue implementation is running.
import type { Services } from "../core/services.js";
import { registerDeployWorker } from "./deploy.js";
import { registerEmailWorker } from "./email.js";
import { registerIrrWorker } from "./irr.js";
import { registerIxApiWorker } from "./ixapi.js";
import { registerDigestWorker } from "./digest.js";
import { registerPeeringdbWorker } from "./peeringdb.js";
import { registerPollWorker } from "./poll-sessions.js";
import type { RunnableQueue } from "./queue.js";

export function registerAllWorkers(queue: RunnableQueue, services: Services): void {
  registerDeployWorker(queue, services);
  registerPeeringdbWorker(queue, services);
  registerPollWorker(queue, services);
  registerEmailWorker(queue, services);
  registerIrrWorker(queue, services);
  registerIxApiWorker(queue, services);
  registerDigestWorker(queue, services);
}
