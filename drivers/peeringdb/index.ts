export * from "./client.js";
export * from "./static-source.js";
export { SCHEMAS, envelopeSchema, describeIssues } from "./schemas.js";
export { validatePage } from "./validate.js";
