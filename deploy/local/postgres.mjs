#!/usr/bin/env node
// Local PostgreSQL helper: wait for the server, create / drop per-service databases.
//
//   node deploy/local/postgres.mjs ensure <db> [<db>...]   wait for the server, create missing DBs
//   node deploy/local/postgres.mjs drop   <db> [<db>...]   DROP DATABASE IF EXISTS ... WITH (FORCE)
//
// PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be able to create
// databases. If the server is unreachable and pg_ctlcluster exists (Debian/Ubuntu), the
// cluster is started once. Database names must match [a-z0-9_]+ (they are interpolated as
// identifiers). Exit codes: 0 ok, 1 failure, 2 usage error.
// Plain Node ESM: builtins + pg (resolved from the repo's node_modules).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(REPO, 'package.json'));
const pg = require('pg');

const ADMIN_URL = process.env.PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const WAIT_MS = 60_000;
const DB_NAME = /^[a-z0-9_]{1,63}$/;

const USAGE = `usage:
  node deploy/local/postgres.mjs ensure <db> [<db>...]
  node deploy/local/postgres.mjs drop   <db> [<db>...]
env: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres)`;

const log = (msg) => process.stderr.write(`[postgres] ${msg}\n`);

class UsageError extends Error {}

function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable PG_ADMIN_URL)';
  }
}

function isLocal(url) {
  try {
    const host = new URL(url).hostname;
    return host === '' || host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}

function findPgCtlcluster() {
  for (const dir of (process.env.PATH || '').split(path.delimiter).concat('/usr/bin', '/usr/sbin')) {
    const candidate = path.join(dir, 'pg_ctlcluster');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

/** `pg_ctlcluster --skip-systemctl-redirect <version> main start`, once. */
function tryStartCluster() {
  const bin = findPgCtlcluster();
  if (!bin) return;
  let versions;
  try {
    versions = fs
      .readdirSync('/etc/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return;
  }
  if (!versions.length) return;
  const version = versions[0];
  log(`server not reachable; trying: pg_ctlcluster --skip-systemctl-redirect ${version} main start`);
  const res = spawnSync(bin, ['--skip-systemctl-redirect', version, 'main', 'start'], { encoding: 'utf8' });
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim();
  if (res.error) log(`pg_ctlcluster failed: ${res.error.message}`);
  else if (res.status !== 0) log(`pg_ctlcluster exited ${res.status}${out ? `: ${out}` : ''}`);
}

async function tryConnect() {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { client };
  } catch (error) {
    await client.end().catch(() => {});
    return { error };
  }
}

/** Poll until the server accepts connections (deadline 60 s); returns a connected client. */
async function connectWhenReady() {
  const deadline = Date.now() + WAIT_MS;
  let triedStart = false;
  let lastError;
  for (;;) {
    const { client, error } = await tryConnect();
    if (client) return client;
    lastError = error;
    // Auth / missing role / missing DB will not fix themselves: fail fast.
    if (['28P01', '28000', '3D000'].includes(error.code)) break;
    const unreachable = ['ECONNREFUSED', 'ENOENT', 'ECONNRESET'].includes(error.code);
    if (unreachable && !triedStart && isLocal(ADMIN_URL)) {
      triedStart = true;
      tryStartCluster();
      continue;
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(250, Math.max(0, deadline - Date.now())));
  }
  throw new Error(`PostgreSQL at ${redact(ADMIN_URL)} not ready: ${lastError?.code ?? ''} ${lastError?.message ?? ''}`.trim());
}

async function ensure(client, names) {
  for (const name of names) {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) {
      console.log(`database ${name} exists`);
      continue;
    }
    try {
      await client.query(`CREATE DATABASE "${name}"`);
      console.log(`database ${name} created`);
    } catch (err) {
      // A concurrent `ensure` won the race: 42P04 duplicate_database, or 23505 on pg_database.
      if (err.code !== '42P04' && err.code !== '23505') throw err;
      console.log(`database ${name} exists`);
    }
  }
}

async function drop(client, names) {
  for (const name of names) {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    console.log(rowCount ? `database ${name} dropped` : `database ${name} absent`);
  }
}

async function main(argv) {
  const [cmd, ...names] = argv;
  if (cmd === '-h' || cmd === '--help') {
    console.log(USAGE);
    return 0;
  }
  if (cmd !== 'ensure' && cmd !== 'drop') throw new UsageError(cmd ? `unknown command '${cmd}'` : 'missing command');
  if (!names.length) throw new UsageError(`${cmd} needs at least one database name`);
  for (const name of names) {
    if (!DB_NAME.test(name)) throw new UsageError(`invalid database name '${name}' (allowed: [a-z0-9_]+, max 63)`);
  }
  if (names.includes('postgres') || names.some((n) => n.startsWith('template'))) {
    if (cmd === 'drop') throw new UsageError('refusing to drop postgres / template databases');
  }

  const client = await connectWhenReady();
  try {
    if (cmd === 'ensure') await ensure(client, names);
    else await drop(client, names);
  } finally {
    await client.end().catch(() => {});
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${err?.message ?? err}\n`);
    process.exit(1);
  },
);
