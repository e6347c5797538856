// Entry point of the compiled build (dist/bot/main.js), used by the Docker image: the same
// CLI as bin/peerbot.js without tsx, which saves start-up time and about 35 MB of memory.
import { main } from "./cli.js";

const code = await main(process.argv.slice(2));
process.exit(code);
