// One command line (or button press) as a console user, through the real dispatch, with the
// reply flattened the way the command tests read it: the table's rows as `a | b | c` lines,
// the text, the context line (where a change names its id), and all of it in one string.
import { dispatch } from "../../commands/dispatch.js";
import type { Registry } from "../../commands/registry.js";
import type { TestServices } from "./services.js";

export async function sayAs(
  registry: Registry,
  services: TestServices,
  user: string,
  text: string,
  action?: string,
) {
  const r = await dispatch(registry, services, {
    actor: { platform: "console", userId: user, userName: user },
    channel: "console",
    text,
    ...(action ? { action } : {}),
  });
  // The jobs a command queued (a deploy after an approval) have run when it returns.
  await services.queue.drain();
  const rows = r.reply.table?.rows.map((row) => row.join(" | ")) ?? [];
  const fields = (r.reply.fields ?? []).map((f) => `${f.label}: ${f.value}`);
  return {
    ...r,
    rows,
    text: r.reply.text ?? "",
    context: r.reply.context ?? "",
    all: [r.reply.text ?? "", ...rows, ...fields].join("\n"),
  };
}
