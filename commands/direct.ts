// `direct <AS> on <router> <remote-ip> …`: a direct session (transit, customer, PNI, …) in
// provisioning, and the change with the router's diff, exactly as `peer` does for IXPs. A
// password is never typed in chat: `password env:<VAR>` names an environment variable that
// holds it, `password generate` makes one, shown once, to the requester only.
import { z } from "zod";
import {
  addDirectSession,
  parseRelationship,
  RELATIONSHIP_LABEL,
  type PasswordSpec,
} from "../core/direct.js";
import { ENV_NAME } from "../core/direct-password.js";
import { changeReply } from "../core/changes.js";
import type { Relationship } from "../core/db.js";
import type { Reply } from "../core/reply.js";
import { parseIp } from "../core/render/ip.js";
import { clip } from "../core/text.js";
import { withUsageHint } from "./action-helpers.js";
import { asnArg } from "./args.js";
import { defineCommand, type Registry } from "./registry.js";

const usage =
  "direct <AS> on <router> <remote-ip> [local <ip>] [transit|customer|private-peering|peering|internal|other] [group <name>] [password env:<VAR>|generate] [multihop <ttl>]";

const RELATIONSHIPS = "transit, customer, private-peering, peering, internal or other";

const passwordArg = z
  .string()
  .optional()
  .transform((s, ctx): PasswordSpec | undefined => {
    if (s === undefined) return undefined;
    if (s.toLowerCase() === "generate") return { generate: true };
    const env = /^env:(.*)$/i.exec(s);
    if (env) {
      const name = env[1] ?? "";
      if (!ENV_NAME.test(name)) {
        ctx.addIssue({
          code: "custom",
          message: `"${clip(name, 40)}" is not an environment variable name: use letters, digits and "_", e.g. password env:PEERBOT_BGP_AS174.`,
        });
        return z.NEVER;
      }
      return { env: name };
    }
    // The value is not repeated: it may be a real password.
    ctx.addIssue({
      code: "custom",
      message:
        "A BGP password is never typed in chat: say `password generate`, or `password env:<VAR>` naming an environment variable that holds it.",
    });
    return z.NEVER;
  });

const relationshipArg = z
  .string()
  .optional()
  .transform((s, ctx): Relationship => {
    if (s === undefined) return "peering";
    const r = parseRelationship(s);
    if (!r) {
      ctx.addIssue({
        code: "custom",
        message: `"${clip(s, 30)}" is not a relationship: say ${RELATIONSHIPS}.`,
      });
      return z.NEVER;
    }
    return r;
  });

const ttlArg = z
  .string()
  .optional()
  .transform((s, ctx): number | undefined => {
    if (s === undefined) return undefined;
    if (!/^\d{1,3}$/.test(s) || Number(s) < 1 || Number(s) > 255) {
      ctx.addIssue({
        code: "custom",
        message: `"${clip(s, 20)}" is not a multihop TTL: a whole number from 1 to 255.`,
      });
      return z.NEVER;
    }
    return Number(s);
  });

export const directCommand = withUsageHint(
  defineCommand({
    name: "direct",
    summary:
      "Create a direct BGP session (transit, customer, private peering, …) on a router, and post the diff for approval.",
    usage,
    examples: [
      "direct AS174 on edge1.lon 192.0.2.1 transit group transit password generate",
      "direct AS3356 on edge1.fra 2001:db8:3356::1 local 2001:db8:3356::2 transit password env:PEERBOT_BGP_AS3356",
      "direct AS64512 on edge1.lon 198.51.100.9 customer group customers",
      "direct AS6939 on edge1.lon 203.0.113.5 private-peering multihop 2",
    ],
    role: "operator",
    args: {
      positional: ["asn", "router", "ip", "relationship"],
      keywords: [{ name: "local" }, { name: "group" }, { name: "password" }, { name: "multihop" }],
    },
    schema: z
      .object({
        asn: asnArg("the neighbour's AS number"),
        router: z
          .string({ error: "Say on which router, e.g. direct AS174 on edge1.lon 192.0.2.1 transit." })
          .max(100, "That router name is too long."),
        ip: z
          .string({
            error:
              "Say the neighbour's address after the router, e.g. direct AS174 on edge1.lon 192.0.2.1 transit.",
          })
          .max(60, "That is not an IP address."),
        relationship: relationshipArg,
        local: z.string().max(60, "That is not an IP address.").optional(),
        group: z.string().max(100, "That group name is too long.").optional(),
        password: passwordArg,
        multihop: ttlArg,
      })
      .superRefine((a, ctx) => {
        if (parseRelationship(a.ip) && !parseIp(a.ip))
          ctx.addIssue({
            code: "custom",
            message: `Say the neighbour's address after the router, e.g. direct AS${a.asn} on ${clip(a.router, 30)} 192.0.2.1 ${clip(a.ip, 20)}.`,
          });
      }),
    async handler(a, ctx) {
      const s = ctx.services;
      const r = await addDirectSession(s, {
        asn: a.asn,
        routerName: a.router,
        remote: a.ip,
        local: a.local,
        relationship: a.relationship,
        group: a.group,
        password: a.password,
        multihopTtl: a.multihop,
        actor: ctx.actor,
      });
      ctx.objects.push(`as:${a.asn}`, `direct-session:${r.sessionId}`);
      for (const c of r.changes) ctx.objects.push(`change:${c.id}`);
      const parts = [r.address, RELATIONSHIP_LABEL[r.relationship], r.group ? `group ${r.group}` : ""].filter(
        Boolean,
      );
      const password = r.generatedPassword
        ? " A TCP-MD5 password was generated; only you are shown it, once, in a message of its own."
        : a.password && "env" in a.password
          ? ` Its TCP-MD5 password is read from ${a.password.env} when the configuration is rendered.`
          : "";
      const lead =
        `New direct session with AS${a.asn} (${r.asName}) on ${r.routerName}: ${parts.join(", ")}, in provisioning.` +
        password +
        (r.notes.length ? ` ${r.notes.join(" ")}` : "") +
        (r.changes.length ? " An approver other than you must approve the diff." : "");
      const [first, ...rest] = r.changes.map((c) => changeReply(c, s.config));
      const followUps: Reply[] = [...rest];
      if (r.generatedPassword)
        followUps.push({
          kind: "info",
          ephemeral: true,
          title: "BGP password (shown once)",
          text:
            `The TCP-MD5 password of the session with AS${a.asn} on ${r.routerName} ${r.address}: \`${r.generatedPassword}\`\n` +
            `Give it to AS${a.asn} over a safe channel. peerbot keeps it encrypted and will not show it again.`,
        });
      if (!first) return { kind: "info", text: lead, followUps };
      return { ...first, text: `${lead}\n${first.text ?? ""}`, followUps };
    },
  }),
);

export function addDirectCommands(r: Registry): void {
  r.add(directCommand);
}
