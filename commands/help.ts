import { z } from "zod";
import { UserError } from "../core/errors.js";
import { clip } from "../core/text.js";
import { levenshtein } from "./grammar.js";
import { defineCommand, type Registry } from "./registry.js";

export function helpCommand(registry: Registry) {
  return defineCommand({
    name: "help",
    aliases: ["?", "commands"],
    summary: "List the commands, or explain one.",
    usage: "help [command]",
    examples: ["help", "help peer"],
    role: "viewer",
    args: { positional: ["command"] },
    schema: z.object({ command: z.string().max(40, "That is not a command name.").optional() }),
    async handler({ command }) {
      if (!command) {
        const rows = registry.commands.map((c) => [c.usage, c.summary, c.role]);
        return {
          title: "peerbot commands",
          table: { columns: ["command", "what it does", "role"], rows },
          context: "Type `help <command>` for examples. Buttons are pressed with `click <n>` in the console.",
        };
      }
      const def = registry.find(command.replace(/^\//, ""));
      if (!def) {
        const near = registry
          .names()
          .sort((a, b) => levenshtein(a, command) - levenshtein(b, command))
          .slice(0, 3);
        throw new UserError(
          `There is no command "${clip(command, 30)}".`,
          `Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?`,
        );
      }
      return {
        title: def.name,
        text: def.summary,
        fields: [
          { label: "Usage", value: `\`${def.usage}\`` },
          { label: "Examples", value: def.examples.map((e) => `\`${e}\``).join("\n") },
          { label: "Needs role", value: def.role, inline: true },
          ...(def.aliases?.length ? [{ label: "Also", value: def.aliases.join(", "), inline: true }] : []),
        ],
      };
    },
  });
}
