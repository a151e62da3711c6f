// Load .ts files in plain node (`node --require ./test/support/register-ts.js file.ts`): transpile-only via typescript, @ledger/* aliases from tsconfig paths.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const root = path.resolve(__dirname, '..', '..');
const configPath = path.join(root, 'tsconfig.json');
// Transpiled output is cached on disk: loading typescript itself costs ~0.4 s, which matters for
// tests that start many child processes (test/crash). The key covers the source and this setup.
const cacheDir = path.join(root, 'node_modules', '.cache', 'register-ts');
const setupKey = fs.readFileSync(configPath, 'utf8') + fs.readFileSync(__filename, 'utf8');

let typescript;
let compilerOptions;
function compiler() {
  if (typescript === undefined) {
    typescript = require('typescript');
    const { config } = typescript.readConfigFile(configPath, typescript.sys.readFile);
    const parsed = typescript.parseJsonConfigFileContent(config, typescript.sys, root);
    compilerOptions = {
      ...parsed.options,
      module: typescript.ModuleKind.CommonJS,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
      declaration: false,
      noEmit: false,
    };
  }
  return { typescript, compilerOptions };
}

function readPaths() {
  try {
    // tsconfig.json is plain JSON here; with comments in it, fall back to typescript's reader.
    return JSON.parse(fs.readFileSync(configPath, 'utf8')).compilerOptions;
  } catch {
    const { typescript: ts } = compiler();
    return ts.readConfigFile(configPath, ts.sys.readFile).config.compilerOptions;
  }
}

// "@ledger/event-store/*" -> "libs/event-store/src/*": longest prefix first, as tsc matches.
const { paths = {}, baseUrl = '.' } = readPaths();
const aliases = Object.entries(paths)
  .map(([pattern, targets]) => ({
    prefix: pattern.replace(/\*$/, ''),
    wildcard: pattern.endsWith('*'),
    target: path.resolve(root, baseUrl, targets[0]),
  }))
  .sort((a, b) => b.prefix.length - a.prefix.length);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveWithAliases(request, ...rest) {
  for (const alias of aliases) {
    if (alias.wildcard ? request.startsWith(alias.prefix) : request === alias.prefix) {
      const mapped = alias.wildcard
        ? alias.target.replace(/\*$/, request.slice(alias.prefix.length))
        : alias.target;
      return resolveFilename.call(this, mapped, ...rest);
    }
  }
  return resolveFilename.call(this, request, ...rest);
};

function transpile(filename, source) {
  const key = crypto.createHash('sha256').update(setupKey).update(filename).update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    const { typescript: ts, compilerOptions: options } = compiler();
    const { outputText } = ts.transpileModule(source, { compilerOptions: options, fileName: filename });
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      // Write then rename: concurrent processes never read a half-written cache file.
      const temporary = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, outputText);
      fs.renameSync(temporary, cached);
    } catch {
      // A read-only checkout only loses the cache.
    }
    return outputText;
  }
}

require.extensions['.ts'] = function compileTs(module, filename) {
  module._compile(transpile(filename, fs.readFileSync(filename, 'utf8')), filename);
};
