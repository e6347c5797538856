// `doctor` (admin): the checks of `peerbot doctor` (core/doctor.ts), run from this process,
// one row each with what to do when it fails.
import { z } from "zod";
import { defaultProbes, doctorFailed, runDoctor, type CheckStatus } from "../core/doctor.js";
import { defineCommand } from "./registry.js";

const MARK: Record<CheckStatus, string> = { ok: "ok", fail: "FAILED", skip: "skipped" };

export const doctorCommand = defineCommand({
  name: "doctor",
  summary:
    "Check what peerbot depends on (admin): PostgreSQL and migrations, Redis, Slack, Discord, SMTP, PeeringDB, and each router's DNS, TCP, SSH host key and login.",
  usage: "doctor",
  examples: ["doctor"],
  role: "admin",
  args: {},
  schema: z.object({}),
  async handler(_args, ctx) {
    const s = ctx.services;
    const lines = await runDoctor(s, s.config, defaultProbes(s));
    const failed = lines.filter((l) => l.status === "fail").length;
    return {
      kind: doctorFailed(lines) ? "error" : "success",
      title: failed
        ? `doctor: ${failed} of ${lines.length} checks failed`
        : `doctor: all ${lines.length} checks passed`,
      table: {
        columns: ["check", "result", "found", "to fix"],
        rows: lines.map((l) => [l.name, MARK[l.status], l.detail, l.fix ?? ""]),
      },
    };
  },
});
