// Handlebars, loaded on its first use rather than at start-up: a worker that only polls or
// sends e-mail never renders, and the library costs about 10 MB of RSS once loaded. It is a
// CommonJS package, so createRequire loads it synchronously where the renderers need it.
import { createRequire } from "node:module";
import type HandlebarsModule from "handlebars";

const require = createRequire(import.meta.url);
let loaded: typeof HandlebarsModule | undefined;

/** The Handlebars module (each renderer makes its own environment with `.create()`). */
export function handlebars(): typeof HandlebarsModule {
  loaded ??= require("handlebars") as typeof HandlebarsModule;
  return loaded;
}
