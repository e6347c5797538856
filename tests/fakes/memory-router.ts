// A router whose configuration is whatever the test says, held in memory: plans and
// benchmarks that need no device I/O. Every deploy step succeeds and changes nothing.
import type { BgpNeighbor, CommitResult, RouterDriver } from "../../core/ports.js";

export class MemoryRouter implements RouterDriver {
  constructor(private readonly config = "") {}
  async getConfig() {
    return this.config;
  }
  async loadCandidate() {}
  async commit(): Promise<CommitResult> {
    return { output: "" };
  }
  async confirm() {}
  async rollback() {}
  async getBgpNeighbors(): Promise<BgpNeighbor[]> {
    return [];
  }
  async close() {}
}
