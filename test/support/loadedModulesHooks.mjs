// Module hooks of loadedModules.mjs (they run on the loader's thread): report every resolved module URL.
let port = null;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  port?.postMessage(result.url);
  return result;
}
