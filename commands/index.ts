// The registry of every command and button action peerbot answers.
import { asCommand } from "./as.js";
import { addChangeCommands } from "./changes.js";
import { addPeeringdbCommands } from "./peeringdb.js";
import { addEmailCommands } from "./email.js";
import { helpCommand } from "./help.js";
import { ixCommand, ixpsCommand } from "./ix.js";
import { Registry } from "./registry.js";
import { routersCommand, sessionsCommand } from "./sessions.js";
import { statusCommand } from "./status.js";
import { inventoryFileCommand } from "./inventory-file.js";
import { addInventoryCommands } from "./inventory/index.js";
import { addPolicyCommands } from "./policy.js";
import { addDirectCommands } from "./direct.js";
import { importSessionsActions } from "./import-sessions.js";
import { routerTestActions } from "./router-test.js";
import { confirmRefusedActionDef } from "./confirm.js";
import { doctorCommand } from "./doctor.js";
import { irrCommand } from "./irr.js";
import { missingCommand } from "./missing.js";
import { requestActions, requestsCommand } from "./requests.js";
import { cleanupCommand } from "./cleanup.js";
import { driftCommand } from "./drift.js";

export function buildRegistry(): Registry {
  const r = new Registry();
  r.add(helpCommand(r));
  r.add(asCommand);
  r.add(ixCommand);
  r.add(ixpsCommand);
  r.add(sessionsCommand);
  r.add(routersCommand);
  r.add(statusCommand);
  r.add(inventoryFileCommand);
  r.add(doctorCommand);
  r.add(irrCommand);
  r.add(missingCommand);
  r.add(cleanupCommand);
  r.add(driftCommand);
  addChangeCommands(r);
  addPeeringdbCommands(r);
  addInventoryCommands(r);
  addPolicyCommands(r);
  addDirectCommands(r);
  for (const a of [...routerTestActions, ...importSessionsActions, confirmRefusedActionDef]) r.addAction(a);
  addEmailCommands(r);
  requestActions.reduce((reg, a) => reg.addAction(a), r.add(requestsCommand));
  return r;
}
