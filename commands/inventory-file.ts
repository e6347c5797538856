// `inventory export`: the whole inventory as a YAML file attached to the reply, with counts per
// type. Operators and up: it names every router, host, contact and credential variable (never
// a secret). A file is applied from the shell (`peerbot inventory apply`), where its plan is read.
import { z } from "zod";
import { exportInventory, summary } from "../core/inventory-file/index.js";
import { clip } from "../core/text.js";
import { withUsageHint } from "./action-helpers.js";
import { defineCommand } from "./registry.js";

const usage = "inventory export";
const APPLY_HINT = "peerbot inventory apply inventory.yaml --dry-run";

export const inventoryFileCommand = withUsageHint(
  defineCommand({
    name: "inventory",
    summary:
      "The whole inventory as a YAML file (routers, ASes, IXPs, policies, sessions, contacts), to edit and apply from the shell.",
    usage,
    examples: ["inventory export"],
    role: "operator",
    args: { positional: ["action"] },
    schema: z.object({
      action: z
        .string({ error: "Say what to do: `inventory export` attaches the inventory as a YAML file." })
        .transform((s, ctx) => {
          const a = s.toLowerCase();
          if (a === "export") return a;
          ctx.addIssue({
            code: "custom",
            message:
              a === "apply"
                ? `A file is applied from the shell, where its plan can be read first: \`${APPLY_HINT}\`.`
                : `There is no \`inventory ${clip(s, 20)}\`: \`inventory export\` attaches the inventory as a YAML file.`,
          });
          return z.NEVER;
        }),
    }),
    async handler(_args, ctx) {
      const { yaml, counts } = await exportInventory(ctx.services.db);
      const what = summary(counts);
      return {
        kind: "info",
        title: "Inventory",
        text: what ? `${what}.` : "The inventory is empty.",
        code: { language: "yaml", content: yaml, filename: "inventory.yaml", attach: true },
        context: `Edit it and apply it from the shell: ${APPLY_HINT}`,
      };
    },
  }),
);
