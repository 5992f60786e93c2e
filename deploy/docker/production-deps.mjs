#!/usr/bin/env node
// What one service needs at run time, computed from its compiled code (used by deploy/docker/Dockerfile):
//
//   node deploy/docker/production-deps.mjs <build dir> <service> <out dir>
//
// Follows the require() graph of <build dir>/services/<service>/src/main.js (swc's CommonJS
// output) and writes to <out dir>:
//   dist/…        the compiled files it reaches, with their source maps, at the same paths;
//   package.json  the npm packages those files load, at the versions of the root package.json.
// `npm install --omit=dev` of that package.json against the root package-lock.json installs the
// service's production dependencies and nothing else. Run it from the repository root, after
// `npm ci` (it reads the installed packages' peer dependencies).

import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const REQUIRE = /\brequire(?:\.resolve)?\(\s*(["'`])([^"'`$]+)\1\s*\)/g;

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(specifier) {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);
}

function resolveRelative(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  const found = ['', '.js', '.json', '/index.js'].map((suffix) => base + suffix).find((file) => fs.statSync(file, { throwIfNoEntry: false })?.isFile());
  if (!found) throw new Error(`${from}: cannot resolve require("${specifier}")`);
  return found;
}

function walk(buildDir, service, root) {
  const production = root.dependencies ?? {};
  const declared = { ...root.devDependencies, ...production };
  const entry = path.join(buildDir, 'services', service, 'src', 'main.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} does not exist: is ${service} a folder under services/ with src/main.ts?`);
  const files = new Set();
  const packages = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith('.js')) continue;
    const code = fs.readFileSync(file, 'utf8');
    for (const [, , specifier] of code.matchAll(REQUIRE)) {
      if (specifier.startsWith('.')) pending.push(resolveRelative(file, specifier));
      else if (!isBuiltin(specifier)) packages.add(packageName(specifier));
    }
    // A package named in a string and loaded through a variable (e.g. require.resolve(`${PKG}/file`)).
    for (const name of Object.keys(production)) {
      if (['"', "'", '`'].some((quote) => code.includes(`${quote}${name}${quote}`) || code.includes(`${quote}${name}/`))) packages.add(name);
    }
  }
  // Packages load some of their peers by name at run time (@nestjs/swagger loads @fastify/static
  // on Fastify): npm leaves optional peers out, so the ones the project declares come along.
  for (const name of packages) {
    const { peerDependencies = {} } = JSON.parse(fs.readFileSync(path.join('node_modules', name, 'package.json'), 'utf8'));
    for (const peer of Object.keys(peerDependencies)) if (production[peer]) packages.add(peer);
  }
  const undeclared = [...packages].filter((name) => !declared[name]);
  if (undeclared.length > 0) throw new Error(`${service} loads packages that package.json does not declare: ${undeclared.join(', ')}`);
  const dependencies = Object.fromEntries([...packages].sort().map((name) => [name, declared[name]]));
  return { files: [...files], dependencies, fromDevDependencies: [...packages].filter((name) => !production[name]) };
}

function main([buildDir, service, outDir]) {
  if (!buildDir || !service || !outDir) {
    process.stderr.write('usage: node deploy/docker/production-deps.mjs <build dir> <service> <out dir>\n');
    process.exit(2);
  }
  const root = JSON.parse(fs.readFileSync('package.json', 'utf8'));
  const { files, dependencies, fromDevDependencies } = walk(buildDir, service, root);
  for (const file of files) {
    for (const source of [file, `${file}.map`].filter((candidate) => fs.existsSync(candidate))) {
      const target = path.join(outDir, 'dist', path.relative(buildDir, source));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
  const manifest = { name: `${root.name}-${service}`, version: root.version, private: true, license: root.license, engines: root.engines, dependencies };
  fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (fromDevDependencies.length > 0) process.stderr.write(`note: ${service} loads devDependencies at run time: ${fromDevDependencies.join(', ')}\n`);
  process.stdout.write(`${service}: ${files.length} files, ${Object.keys(dependencies).length} packages\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`production-deps: ${error.message}\n`);
  process.exit(1);
}
