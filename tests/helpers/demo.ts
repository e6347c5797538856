// The demo network with its PeeringDB mirror, as `peerbot seed-demo` loads it.
import { seedDemo } from "../../core/demo.js";
import type { Database } from "../../core/db.js";
import { bundledPeeringDb } from "../../drivers/peeringdb/static-source.js";

export function seedDemoDb(db: Database, dataDir = "/tmp/peerbot-test-unused") {
  return seedDemo(db, { dataDir, mirror: bundledPeeringDb() });
}
