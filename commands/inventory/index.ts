// The inventory commands: `router`, `connection`, `contact` and `history` (`as add|set` live
// under `as`, commands/as.ts).
import type { Registry } from "../registry.js";
import { connectionCommand } from "./connection.js";
import { contactCommand } from "./contact.js";
import { historyCommand } from "./history.js";
import { routerCommand } from "./router.js";

export function addInventoryCommands(r: Registry): void {
  r.add(routerCommand).add(connectionCommand).add(contactCommand).add(historyCommand);
}
