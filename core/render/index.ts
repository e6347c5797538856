// Router configuration rendering: context loading, templates, escaping and secret masking.
// The template contract (every field a template sees) is contract.ts; the database load is
// load.ts; context.ts builds the context from the loaded rows.
export {
  RENDERED_STATUSES,
  type ChainContext,
  type CommunityContext,
  type ConnectionContext,
  type GroupContext,
  type IxpContext,
  type PeerContext,
  type PolicyContext,
  type RenderContext,
  type SessionContext,
} from "./contract.js";
export { buildRenderContext, loadRenderContext, type LoadOptions } from "./context.js";
export { loadRenderRows, type RenderRows } from "./load.js";
export {
  dialectFor,
  maskSecrets,
  PLATFORM_DIALECTS,
  RenderError,
  safeText,
  type Dialect,
  type PlatformDialect,
} from "./escape.js";
export {
  builtinTemplatesDir,
  renderContext,
  renderRouterConfig,
  sha256Hex,
  templateNameFor,
  type RenderOptions,
  type RenderResult,
} from "./render.js";
