// Inventory as code: the whole inventory as a YAML file (export), and a file applied to the
// database as a plan in one transaction (apply). See README "Onboarding your network — from a file".
export { exportInventory, inventoryObject, inventoryYaml, type ExportResult } from "./export.js";
export {
  applyInventory,
  applyParsed,
  invalid,
  planFor,
  type ApplyOptions,
  type ApplyOutcome,
  type ApplyStatus,
} from "./apply.js";
export { parseInventory, type ParseResult } from "./parse.js";
export { formatPlan, summary } from "./format.js";
export { KIND_NAMES, KINDS, kindCount, type Kind } from "./model.js";
export type { Plan, Op } from "./plan.js";
