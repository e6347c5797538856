// The PeeringDB area of core: mirror sync, available peers, linking, import of our
// footprint, hidden peers and lookups. Plain functions taking a Database.
export * from "./types.js";
export { TABLES, columnNames } from "./tables.js";
export {
  runSync,
  isSyncRunning,
  syncStatus,
  SyncBusyError,
  type SyncOptions,
  type SyncProgress,
  type SyncReport,
  type TypeSyncResult,
} from "./sync.js";
export { refreshFromMirror, type LinkReport } from "./link.js";
export * from "./available.js";
export * from "./hidden.js";
export * from "./import.js";
export * from "./lookup.js";
