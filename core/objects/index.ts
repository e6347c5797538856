// The write side of the inventory: every create, update and delete of a router, an autonomous
// system, a connection or a contact is one of these functions, validated with zod (one sentence
// per mistake), in one transaction with its row in the change history (core/history.ts). Each
// takes `tx` to join a larger transaction (a file apply, an import).
export * from "./autonomous-systems.js";
export * from "./connections.js";
export * from "./contacts.js";
export * from "./history-targets.js";
export * from "./routers.js";
export { checkIxpAddress, hostOf, parseCidr } from "./addresses.js";
export { repr } from "./repr.js";
export { CONTACT_ROLES, PEERING_POLICIES } from "./validate.js";
export * as fields from "./validate.js";
