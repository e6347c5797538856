// The registry of every command and button action peerbot answers.
import { asCommand } from "./as.js";
import { addChangeCommands } from "./changes.js";
import { addPeeringdbCommands } from "./peeringdb.js";
import { helpCommand } from "./help.js";
import { ixCommand, ixpsCommand } from "./ix.js";
import { Registry } from "./registry.js";
import { routersCommand, sessionsCommand } from "./sessions.js";
import { statusCommand } from "./status.js";

export function buildRegistry(): Registry {
  const r = new Registry();
  r.add(helpCommand(r));
  r.add(asCommand);
  r.add(ixCommand);
  r.add(ixpsCommand);
  r.add(sessionsCommand);
  r.add(routersCommand);
  r.add(statusCommand);
  addChangeCommands(r);
  addPeeringdbCommands(r);
  return r;
}
