// The reconciler's timer: every process that runs workers (start, worker, console) runs core's
// reconcileChanges at start-up and then every PEERBOT_RECONCILE_INTERVAL, so that a change
// left queued, deploying or planning by a dead process, a lost Redis or a spent retry budget
// is finished (core takes an advisory lock, so several processes never do the same work).
// `also` runs on each tick too: the schedules that live in Redis are declared again there, so
// that a Redis restarted without persistence gets them back.
import { errorLine, reconcileChanges, type ChangeServices } from "../core/changes.js";
import { reconcileEmails } from "../core/email/recovery.js";

export function startReconciler(
  services: ChangeServices,
  opts: { everyMs?: number; also?: () => Promise<void> } = {},
): { stop(): Promise<void>; tick(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = (): Promise<void> => {
    if (running) return running;
    running = (async () => {
      try {
        const r = await reconcileChanges(services);
        if (r.requeued.length || r.failed.length || r.draftsEnded.length)
          services.log.info("reconciled changes", { ...r });
        await reconcileEmails(services); // e-mails left queued or sending by a dead worker
        await opts.also?.();
      } catch (err) {
        services.log.warn("the reconciler could not run; it tries again on its next tick", {
          err: errorLine(err),
        });
      } finally {
        running = null;
      }
    })();
    return running;
  };
  void tick();
  const timer = setInterval(
    () => void tick(),
    Math.max(1000, opts.everyMs ?? services.config.PEERBOT_RECONCILE_INTERVAL),
  );
  timer.unref?.();
  return {
    /** Ends the timer and waits for a run in progress, so that nothing runs on closed pools. */
    stop: async () => {
      clearInterval(timer);
      await running;
    },
    tick,
  };
}
