// Router configuration rendering: context loading, templates, escaping and secret masking.
export {
  buildRenderContext,
  loadRenderContext,
  loadRenderRows,
  RENDERED_STATUSES,
  type ChainContext,
  type CommunityContext,
  type ConnectionContext,
  type GroupContext,
  type IxpContext,
  type LoadOptions,
  type PeerContext,
  type PolicyContext,
  type RenderContext,
  type RenderRows,
  type SessionContext,
} from "./context.js";
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
