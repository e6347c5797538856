// Routing policies, communities and BGP groups as inventory objects: values (validated as the
// render reads them), add and remove, attach and detach at each level, and their listings.
export * from "./values.js";
export * from "./objects.js";
export * from "./attach.js";
export * from "./list.js";
