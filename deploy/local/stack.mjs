#!/usr/bin/env node
// The local stack behind `make up` / `make down` / `make status`:
//
//   node deploy/local/stack.mjs up       Kafka (unless KAFKA_BROKERS is given), one database per
//                                        service, migrations, every service that exists; prints URLs
//   node deploy/local/stack.mjs down     stops what `up` started
//   node deploy/local/stack.mjs status
//
// Settings come from the environment, with the project's names: KAFKA_BROKERS,
// <SERVICE>_DATABASE_URL (e.g. INGEST_DATABASE_URL; default
// postgres://postgres@127.0.0.1:5432/leads_<service>), OPENAI_API_KEY, OPENAI_BASE_URL,
// SCORING_MODEL, SMTP_URL (unset: the local mail catcher), MAIL_FROM, PUBLIC_URL, DNS_SERVERS and the standard OTEL_* variables. Each service process
// gets its own DATABASE_URL, PORT and OTEL_SERVICE_NAME. Run it with the project's Node 24.
// Services must be built first (`npm run build`, done by `make up`).

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUN_DIR = path.join(REPO, '.data', 'run');
const DEV_BROKER = { name: 'dev', port: 9092, controllerPort: 9093 };
const DEV_MODEL = { name: 'dev-model', port: 3009, model: 'dev-model-1' };
const MAIL_CATCHER = { name: 'mail-catcher', smtpPort: 1025, httpPort: 1080 };
const PUBLIC_URL = 'http://localhost:3000';
const READY_DEADLINE_MS = 90_000;
const PASSED_THROUGH = /^(OPENAI_API_KEY|OPENAI_BASE_URL|SCORING_MODEL|SMTP_URL|MAIL_FROM|PUBLIC_URL|DNS_SERVERS|WEBHOOK_ALLOW_PRIVATE_TARGETS|LOG_LEVEL|OTEL_.*)$/;

const log = (message) => process.stderr.write(`[stack] ${message}\n`);

function services() {
  const { services: all } = JSON.parse(fs.readFileSync(path.join(REPO, 'deploy/local/services.json'), 'utf8'));
  return all.filter(({ name }) => fs.existsSync(path.join(REPO, 'services', name, 'src', 'main.ts')));
}

function databaseUrl(name) {
  return process.env[`${name.toUpperCase()}_DATABASE_URL`] || `postgres://postgres@127.0.0.1:5432/leads_${name}`;
}

function runLauncher(script, args) {
  const result = spawnSync(process.execPath, [path.join(REPO, 'deploy/local', script), ...args], { cwd: REPO, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${script} ${args.join(' ')} failed`);
}

const pidFile = (name) => path.join(RUN_DIR, `${name}.pid`);

function runningPid(name) {
  try {
    const pid = Number(fs.readFileSync(pidFile(name), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Secrets shared by the local services (the internal token between the gateway and the internal
 * services, the key that encrypts webhook secrets at rest): generated once, kept in .data/run.
 */
function localSecret(name, bytes, encoding) {
  if (process.env[name]) return process.env[name];
  const file = path.join(RUN_DIR, `${name.toLowerCase()}`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(bytes).toString(encoding), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8');
}

function serviceEnv(service, brokers) {
  const passed = Object.fromEntries(Object.entries(process.env).filter(([key]) => PASSED_THROUGH.test(key)));
  const urls = Object.fromEntries(services().map(({ name, port }) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${port}`]));
  return {
    PATH: process.env.PATH,
    NODE_ENV: process.env.NODE_ENV || 'development',
    PUBLIC_URL,
    // Locally, outbound webhooks may target this machine (a receiver under development).
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    ...passed,
    ...urls,
    INTERNAL_TOKEN: localSecret('INTERNAL_TOKEN', 24, 'hex'),
    SECRETS_KEY: localSecret('SECRETS_KEY', 32, 'base64'),
    KAFKA_BROKERS: brokers,
    DATABASE_URL: databaseUrl(service.name),
    PORT: String(service.port),
    OTEL_SERVICE_NAME: service.name,
  };
}

function entry(service) {
  const file = path.join(REPO, 'dist/services', service.name, 'src/main.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  return file;
}

async function waitReady(service, pid) {
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      throw new Error(`${service.name} exited during start; see .data/run/${service.name}.log`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${service.port}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await delay(250);
  }
  throw new Error(`${service.name} not ready after ${READY_DEADLINE_MS / 1000}s; see .data/run/${service.name}.log`);
}

async function up() {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    runLauncher('kafka.mjs', ['start', '--name', DEV_BROKER.name, '--port', String(DEV_BROKER.port), '--controller-port', String(DEV_BROKER.controllerPort)]);
    brokers = `127.0.0.1:${DEV_BROKER.port}`;
  }
  const list = services();
  if (!process.env.OPENAI_API_KEY && list.some(({ name }) => name === 'scoring')) await startDevModel();
  if (!process.env.SMTP_URL) await startMailCatcher();
  const localDatabases = list
    .filter(({ name }) => !process.env[`${name.toUpperCase()}_DATABASE_URL`])
    .map(({ name }) => `leads_${name}`);
  runLauncher('postgres.mjs', ['ensure', ...localDatabases]);
  for (const service of list) {
    const migrate = spawnSync(process.execPath, [entry(service), 'migrate'], { cwd: REPO, env: serviceEnv(service, brokers), stdio: 'inherit' });
    if (migrate.status !== 0) throw new Error(`migrations of ${service.name} failed`);
  }
  for (const service of list) {
    if (runningPid(service.name)) {
      log(`${service.name} already running`);
      continue;
    }
    const out = fs.openSync(path.join(RUN_DIR, `${service.name}.log`), 'a');
    const child = spawn(process.execPath, ['--enable-source-maps', entry(service)], {
      cwd: REPO,
      env: serviceEnv(service, brokers),
      detached: true,
      stdio: ['ignore', out, out],
    });
    fs.writeFileSync(pidFile(service.name), String(child.pid));
    child.unref();
    await waitReady(service, child.pid);
    log(`${service.name} ready on :${service.port}`);
  }
  const lines = [`Kafka        ${brokers}`];
  for (const service of list) lines.push(`${service.name.padEnd(12)} http://localhost:${service.port}${service.public ? '  (public gateway: API, /docs, console)' : ''}`);
  if (list.length === 0) lines.push('(no services yet: services/<name>/src/main.ts appear as their issues land)');
  lines.push('logs: .data/run/<service>.log   stop: make down');
  if (mailCatcherInUse) lines.push(`mail         http://localhost:${MAIL_CATCHER.httpPort}  (SMTP_URL is not set: the local mail catcher keeps sent mail; nothing is delivered)`);
  if (devModelInUse) {
    lines.push('');
    lines.push('!!! OPENAI_API_KEY is not set: scores come from the DEV MODEL (deterministic fakes, model');
    lines.push(`!!! "${DEV_MODEL.model}" on :${DEV_MODEL.port}), not from a real AI. Set OPENAI_API_KEY for real scores.`);
  }
  process.stdout.write(`\n500 Leads is up\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
}

/**
 * Without OPENAI_API_KEY, scores come from the dev model: a deterministic OpenAI-compatible
 * server. Every score it produces carries its model name; the banner says so loudly.
 */
async function startDevModel() {
  Object.assign(process.env, {
    OPENAI_BASE_URL: `http://127.0.0.1:${DEV_MODEL.port}/v1`,
    OPENAI_API_KEY: 'dev-model',
    SCORING_MODEL: DEV_MODEL.model,
  });
  devModelInUse = true;
  await startLocalProcess(DEV_MODEL.name, [entry(DEV_MODEL)], { PORT: String(DEV_MODEL.port), DEV_MODEL_NAME: DEV_MODEL.model }, `http://127.0.0.1:${DEV_MODEL.port}/_dev/requests`);
}

/** Without SMTP_URL, mail goes to the local mail catcher: accepted, kept, shown on a web page, never delivered. */
async function startMailCatcher() {
  process.env.SMTP_URL = `smtp://127.0.0.1:${MAIL_CATCHER.smtpPort}`;
  mailCatcherInUse = true;
  await startLocalProcess(
    MAIL_CATCHER.name,
    [path.join(REPO, 'deploy/local/mail-catcher.mjs')],
    { SMTP_PORT: String(MAIL_CATCHER.smtpPort), HTTP_PORT: String(MAIL_CATCHER.httpPort) },
    `http://127.0.0.1:${MAIL_CATCHER.httpPort}/messages`,
  );
}

/** Starts a detached helper process (unless it runs already) and waits until `readyUrl` answers. */
async function startLocalProcess(name, args, env, readyUrl) {
  if (runningPid(name)) return;
  const out = fs.openSync(path.join(RUN_DIR, `${name}.log`), 'a');
  const child = spawn(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH, ...env }, detached: true, stdio: ['ignore', out, out] });
  fs.writeFileSync(pidFile(name), String(child.pid));
  child.unref();
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    try {
      await fetch(readyUrl);
      return;
    } catch {
      await delay(250);
    }
  }
  throw new Error(`${name} did not start; see .data/run/${name}.log`);
}

let devModelInUse = false;
let mailCatcherInUse = false;

async function stopProcess(name) {
  const pid = runningPid(name);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (runningPid(name) && Date.now() < deadline) await delay(100);
    if (runningPid(name)) process.kill(pid, 'SIGKILL');
    log(`${name} stopped`);
  }
  fs.rmSync(pidFile(name), { force: true });
}

async function down() {
  const { services: all } = JSON.parse(fs.readFileSync(path.join(REPO, 'deploy/local/services.json'), 'utf8'));
  for (const { name } of [...all].reverse()) await stopProcess(name);
  await stopProcess(DEV_MODEL.name);
  await stopProcess(MAIL_CATCHER.name);
  runLauncher('kafka.mjs', ['stop', '--name', DEV_BROKER.name]);
}

function status() {
  for (const { name, port } of services()) log(`${name.padEnd(12)} ${runningPid(name) ? `running on :${port}` : 'stopped'}`);
  spawnSync(process.execPath, [path.join(REPO, 'deploy/local/kafka.mjs'), 'status', '--name', DEV_BROKER.name], { stdio: 'inherit' });
}

const commands = { up, down, status };
const command = commands[process.argv[2]];
if (!command) {
  process.stderr.write('usage: node deploy/local/stack.mjs up|down|status\n');
  process.exit(2);
}
try {
  await command();
} catch (error) {
  log(error.message);
  process.exit(1);
}
