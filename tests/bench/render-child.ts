// Times the Junos render of an already seeded router in a process of its own, started by
// render.bench.ts without peerbot's V8 flag, to show what the flag is worth. Reads
// PEERBOT_BENCH_DB, PEERBOT_BENCH_ROUTER and PEERBOT_BENCH_KEY; prints the median in ms.
import { SecretBox } from "../../core/crypto.js";
import { openDatabase } from "../../core/db.js";
import { renderRouterConfig } from "../../core/render/index.js";
import { timeMedian } from "./result.js";

const db = openDatabase(process.env.PEERBOT_BENCH_DB ?? "", { poolSize: 1 });
const routerId = Number(process.env.PEERBOT_BENCH_ROUTER);
const opts = { secretBox: SecretBox.fromString(process.env.PEERBOT_BENCH_KEY ?? ""), templatesDir: null };
const ms = await timeMedian(() => renderRouterConfig(db, routerId, opts), 30, 5);
await db.close();
process.stdout.write(`${ms}\n`);
