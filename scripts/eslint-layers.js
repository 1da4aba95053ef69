// ESLint rule enforcing the layers of ARCHITECTURE.md §3. A violating import fails lint.
import path from 'node:path';
import { builtinModules } from 'node:module';

/**
 * src/ modules bottom-up: a module imports only those listed before it. `engine` (src/engine/) holds the use cases
 * over an EngineContext, which `index` wires into the Engine. `api` (src/api/) is the façade's UI call surface (the
 * host dispatch derived from the API contract that the IPC and HTTP front ends share): above index, never imported
 * by the engine, importable by front ends.
 */
export const ENGINE_ORDER = [
  'shared',
  'i18n',
  'crypto',
  'secrets',
  'backend',
  'repository',
  'source',
  'pool',
  'archiver',
  'restorer',
  'checker',
  'policy',
  'scheduler',
  'catalog',
  'alerts',
  'sandbox',
  'drills',
  'doctor',
  'reports',
  'engine',
  'index',
  'api',
];
/** What front ends may import from src/: the façade (index.ts and api/) and the shared contract. */
const FACADE = new Set(['index', 'api', 'shared']);
/**
 * Front ends may also read the i18n catalogue through its public surface (src/i18n/index.ts) without the façade:
 * a CLI's usage texts and error messages then never load the engine (`clinic-backup --help` starts instantly).
 */
const isCatalogueSurface = (root, target) => /^src[\\/]i18n[\\/]index\.[cm]?[jt]s$/.test(path.relative(root, target));
/**
 * src/shared/portable/ holds pure code both the engine and the renderer run (the message formatter, the FHIR type
 * names, the locales): its files import only each other, so the renderer may import values from them without
 * pulling Node or the engine in (a departure from ARCHITECTURE.md §3's "types only", which made us keep copies).
 */
const isPortable = (root, target) => /^src[\\/]shared[\\/]portable[\\/]/.test(path.relative(root, target));
const FRONT_ENDS = new Set(['cli', 'serve']);
const FORBIDDEN_IN_ENGINE = new Set(['electron', 'react', 'react-dom']);
const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function projectPart(root, file) {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] === 'src') {
    if (rel.length === 2) return { area: 'src', module: rel[1].replace(/\.[cm]?[jt]sx?$/, '') };
    return { area: 'src', module: rel[1] };
  }
  return { area: rel[0], module: null };
}

function resolveTarget(file, spec) {
  if (!spec.startsWith('.')) return null;
  return path.resolve(path.dirname(file), spec);
}

/**
 * A module's public surface is its index.ts: another module imports nothing else of it (ARCHITECTURE.md §3).
 * Dynamic `import()` may reach inside a module, so heavy parts load only when used (a CLI command, the PDF maker).
 */
function isDeep(root, target, module) {
  return !/^index\.[cm]?[jt]s$/.test(path.relative(path.join(root, 'src', module), target));
}

function check(context, node, spec, isTypeOnly, isDynamic = false) {
  const root = context.cwd ?? process.cwd();
  const file = context.filename ?? context.getFilename();
  const from = projectPart(root, file);
  const report = (message) => context.report({ node, message });
  const target = resolveTarget(file, spec);
  const to = target ? projectPart(root, target) : null;

  if (from.area === 'src' && isPortable(root, file) && !(target && isPortable(root, target)))
    return report(`src/shared/portable/ imports only its own files (the renderer runs them; found "${spec}")`);
  if (from.area === 'src') {
    if (FORBIDDEN_IN_ENGINE.has(spec) || spec.startsWith('electron/') || spec.startsWith('react/')) return report(`src/ must not import "${spec}" (engine is plain Node; ARCHITECTURE.md §3)`);
    if (!to) return;
    if (to.area === 'main' || to.area === 'renderer') return report(`src/ must not import from ${to.area}/`);
    if (to.area !== 'src') return report(`src/ must not import from ${to.area}/`);
    if (FRONT_ENDS.has(from.module)) {
      if (!FACADE.has(to.module) && to.module !== from.module && !isCatalogueSurface(root, target))
        return report(`src/${from.module} is a front end: import only src/index.ts, src/api, src/shared and src/i18n/index.ts (found src/${to.module})`);
      if (to.module !== from.module && to.module !== 'index' && !isDynamic && isDeep(root, target, to.module))
        report(`import src/${to.module} through its public surface src/${to.module}/index.ts (found "${spec}")`);
      return;
    }
    if (FRONT_ENDS.has(to.module)) return report(`the engine must not import the front end src/${to.module}`);
    if (from.module === to.module) return;
    const a = ENGINE_ORDER.indexOf(from.module);
    const b = ENGINE_ORDER.indexOf(to.module);
    if (a < 0 || b < 0) return report(`unknown engine module in import: ${from.module} → ${to.module}`);
    if (b >= a) return report(`layer violation: src/${from.module} may not import src/${to.module} (imports point down the stack; ARCHITECTURE.md §2-3)`);
    if (to.module !== 'index' && !isDynamic && isDeep(root, target, to.module)) report(`import src/${to.module} through its public surface src/${to.module}/index.ts (found "${spec}")`);
    return;
  }
  if (from.area === 'main') {
    if (!to) return;
    if (to.area === 'src' && !FACADE.has(to.module)) report(`main/ imports src/index.ts, src/api and src/shared only (found src/${to.module})`);
    if (to.area === 'renderer') report('main/ must not import renderer/');
    return;
  }
  if (from.area === 'renderer') {
    if (NODE_BUILTINS.has(spec) || spec === 'electron') return report(`renderer/ must not use Node or Electron APIs ("${spec}")`);
    if (!to) return;
    if (to.area === 'src' && !(to.module === 'shared' && (isTypeOnly || isPortable(root, target))))
      report('renderer/ may import types from src/shared and values from src/shared/portable only (use "import type")');
    if (to.area === 'main') report('renderer/ must not import main/');
  }
}

const rule = {
  meta: { type: 'problem', docs: { description: 'Enforce the runtime layers of ARCHITECTURE.md' }, schema: [] },
  create(context) {
    return {
      ImportDeclaration(node) {
        const typeOnly = node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
        check(context, node, node.source.value, typeOnly);
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(context, node, node.source.value, node.exportKind === 'type');
      },
      ExportAllDeclaration(node) {
        check(context, node, node.source.value, node.exportKind === 'type');
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal' && typeof node.source.value === 'string') check(context, node, node.source.value, false, true);
      },
    };
  },
};

export default { rules: { layers: rule } };
