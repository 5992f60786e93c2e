#!/usr/bin/env node
// Local single-node Kafka (KRaft, combined broker+controller) run straight from its
// Maven Central jars on the machine's Java — no Docker needed.
//
//   node deploy/local/kafka.mjs start  --name <name> --port <port> --controller-port <port>
//                                      [--heap 512m] [--fresh] [--timeout <seconds>]
//   node deploy/local/kafka.mjs stop   --name <name> [--timeout <seconds>]
//   node deploy/local/kafka.mjs status --name <name>
//
// Everything is written under <repo>/.data/ (git-ignored):
//   .data/kafka-lib/               runtime jars (+ .pom.sha256 marker), fetched by Maven
//   .data/kafka/<name>/            server.properties, data/, server.log, kafka.pid
//
// Exit codes: 0 ok (status: running), 1 failure, 2 usage error, 3 (status) stopped.
// Progress goes to stderr; the single result line goes to stdout.
// Plain Node ESM: builtins + kafkajs (resolved from the repo's node_modules).

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const DATA = path.join(REPO, '.data');
const LIB_DIR = path.join(DATA, 'kafka-lib');
const LIB_MARKER = path.join(LIB_DIR, '.pom.sha256');
const LIB_LOCK = path.join(DATA, 'kafka-lib.lock');
const POM = path.join(HERE, 'kafka', 'pom.xml');
const LOG4J2 = path.join(HERE, 'kafka', 'log4j2.xml');
const NODE_ID = 1;

const require = createRequire(path.join(REPO, 'package.json'));

// kafkajs 2.2.4 on Node 24 emits TimeoutNegativeWarning (known, harmless): drop only that one.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const name = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (name === 'TimeoutNegativeWarning' || warning?.name === 'TimeoutNegativeWarning') return;
  emitWarning(warning, ...rest);
};

const log = (msg) => process.stderr.write(`[kafka] ${msg}\n`);

class UsageError extends Error {}
class Failure extends Error {}

// ---------------------------------------------------------------- paths & process helpers

function brokerPaths(name) {
  const dir = path.join(DATA, 'kafka', name);
  return {
    dir,
    props: path.join(dir, 'server.properties'),
    dataDir: path.join(dir, 'data'),
    log: path.join(dir, 'server.log'),
    pid: path.join(dir, 'kafka.pid'),
  };
}

function readPid(pidFile) {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie still answers kill(0); treat it as dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no /proc: trust kill(0) */
  }
  return true;
}

/** True when pid is alive AND is our broker for this name (guards against pid reuse). */
function isOurBroker(pid, p) {
  if (!pid || !isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(p.props);
  } catch {
    return true; // no /proc to check against: trust the pid file
  }
}

function runningPid(p) {
  const pid = readPid(p.pid);
  if (pid && isOurBroker(pid, p)) return pid;
  if (pid) fs.rmSync(p.pid, { force: true }); // stale
  return null;
}

async function waitFor(cond, { timeoutMs, intervalMs = 200 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

function tail(file, lines = 40) {
  try {
    const text = fs.readFileSync(file, 'utf8').replace(/\n$/, '');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function readProps(file) {
  const out = {};
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const m = /^\s*([^#=\s][^=]*?)\s*=\s*(.*)$/.exec(line);
      if (m) out[m[1]] = m[2];
    }
  } catch {
    /* missing */
  }
  return out;
}

/**
 * Keep the JVM from writing outside .data/: no hsperfdata file in /tmp (jps/jcmd won't list
 * the broker; use the pid file), and native libs that snappy/zstd/lz4 extract on first use
 * go to .data/kafka/<name>/tmp instead of /tmp.
 */
function jvmContainment(p) {
  fs.mkdirSync(path.join(p.dir, 'tmp'), { recursive: true });
  return ['-XX:-UsePerfData', `-Djava.io.tmpdir=${path.join(p.dir, 'tmp')}`];
}

function javaBin() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

// ---------------------------------------------------------------- jars (Maven)

function pomHash() {
  return createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
}

function jarsCurrent(hash) {
  try {
    if (fs.readFileSync(LIB_MARKER, 'utf8').trim() !== hash) return false;
    const jars = fs.readdirSync(LIB_DIR);
    return (
      jars.some((f) => /^kafka_2\.13-.*\.jar$/.test(f)) &&
      jars.some((f) => /^log4j-slf4j2-impl-.*\.jar$/.test(f)) &&
      // slf4j-api 1.x would ignore the SLF4J 2 provider: the broker would log nothing.
      jars.some((f) => /^slf4j-api-2\..*\.jar$/.test(f)) &&
      !jars.some((f) => /^slf4j-api-1\..*\.jar$/.test(f))
    );
  } catch {
    return false;
  }
}

/** Copy the runtime jars into .data/kafka-lib unless they are present for this exact pom. */
async function ensureJars() {
  const hash = pomHash();
  if (jarsCurrent(hash)) return;
  fs.mkdirSync(DATA, { recursive: true });

  // Several launchers may start at once (dev broker + test broker): one fetches, others wait.
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(LIB_LOCK);
      fs.writeFileSync(path.join(LIB_LOCK, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = readPid(path.join(LIB_LOCK, 'pid'));
    if (holder && !isAlive(holder)) {
      fs.rmSync(LIB_LOCK, { recursive: true, force: true }); // stale lock
      continue;
    }
    if (Date.now() > deadline) throw new Failure(`timed out waiting for ${LIB_LOCK}`);
    await delay(500);
    if (jarsCurrent(hash)) return;
  }

  try {
    if (jarsCurrent(hash)) return;
    log(`fetching Kafka jars with Maven into ${path.relative(REPO, LIB_DIR)}/ ...`);
    // Fetch into a staging dir and swap it in, so a broker being started from the old jars
    // never sees a half-filled directory, and no stale jar from an older pom survives.
    const staging = `${LIB_DIR}.staging-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    const mvn = spawnSync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        POM,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
        '-Dstyle.color=never',
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    // Maven 3.8 prints bare ANSI resets even with -B -q: strip them, and send whatever is
    // left to stderr (stdout carries only the launcher's result line).
    const mvnOut = `${mvn.stdout ?? ''}${mvn.stderr ?? ''}`.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '').trim();
    if (mvnOut) process.stderr.write(`${mvnOut}\n`);
    if (mvn.error) throw new Failure(`cannot run mvn: ${mvn.error.message}`);
    if (mvn.status !== 0) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw new Failure(`mvn dependency:copy-dependencies failed (exit ${mvn.status})`);
    }
    fs.writeFileSync(path.join(staging, path.basename(LIB_MARKER)), `${hash}\n`);
    const old = `${LIB_DIR}.old-${process.pid}`;
    if (fs.existsSync(LIB_DIR)) fs.renameSync(LIB_DIR, old);
    fs.renameSync(staging, LIB_DIR);
    fs.rmSync(old, { recursive: true, force: true });
    if (!jarsCurrent(hash)) throw new Failure(`Maven ran but ${LIB_DIR} lacks kafka_2.13 / log4j-slf4j2-impl / slf4j-api 2.x jars`);
  } finally {
    fs.rmSync(LIB_LOCK, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- server.properties & format

function serverProperties(p, { port, controllerPort }) {
  return `# Generated by deploy/local/kafka.mjs — rewritten on every start; edit the launcher instead.
process.roles=broker,controller
node.id=${NODE_ID}
# Static quorum (one voter): storage format needs no --standalone.
controller.quorum.voters=${NODE_ID}@127.0.0.1:${controllerPort}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=${p.dataDir}
num.partitions=12
default.replication.factor=1
min.insync.replicas=1
# libs/messaging creates topics explicitly.
auto.create.topics.enable=false
delete.topic.enable=true

# One node: internal topics with replication factor 1, kept small.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1

# Fast first consumer-group join (tests).
group.initial.rebalance.delay.ms=0

num.network.threads=3
num.io.threads=8
num.recovery.threads.per.data.dir=1
log.retention.hours=168
`;
}

/** Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'. */
function randomClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function formatStorageIfNeeded(p) {
  if (fs.existsSync(path.join(p.dataDir, 'meta.properties'))) return false;
  const clusterId = randomClusterId();
  log(`formatting storage (cluster id ${clusterId})`);
  const res = spawnSync(
    javaBin(),
    [
      '-Xmx256m',
      ...jvmContainment(p),
      '-cp',
      path.join(LIB_DIR, '*'),
      `-Dlog4j2.configurationFile=${LOG4J2}`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      p.props,
      '--ignore-formatted',
    ],
    { cwd: p.dir, encoding: 'utf8' },
  );
  fs.appendFileSync(p.log, `--- StorageTool format ---\n${res.stdout ?? ''}${res.stderr ?? ''}`);
  if (res.error) throw new Failure(`cannot run java: ${res.error.message}`);
  if (res.status !== 0) {
    throw new Failure(`StorageTool format failed (exit ${res.status}):\n${res.stdout}${res.stderr}`);
  }
  return true;
}

// ---------------------------------------------------------------- readiness (kafkajs admin)

let kafkajs;
function loadKafkajs() {
  kafkajs ??= require('kafkajs');
  return kafkajs;
}

async function probe(port) {
  const { Kafka, logLevel } = loadKafkajs();
  const kafka = new Kafka({
    clientId: 'deploy-local-probe',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers.some((b) => b.nodeId === NODE_ID)) return false;
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

// ---------------------------------------------------------------- commands

async function stopBroker(name, { timeoutMs = 60_000, quiet = false } = {}) {
  const p = brokerPaths(name);
  const pid = runningPid(p);
  if (!pid) {
    fs.rmSync(p.pid, { force: true });
    if (!quiet) console.log(`kafka ${name} not running`);
    return;
  }
  log(`stopping ${name} (pid ${pid})`);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const t0 = Date.now();
  if (!(await waitFor(() => !isAlive(pid), { timeoutMs }))) {
    log(`pid ${pid} still alive after ${timeoutMs / 1000}s: SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (!(await waitFor(() => !isAlive(pid), { timeoutMs: 10_000 }))) {
      throw new Failure(`pid ${pid} survived SIGKILL`);
    }
  }
  fs.rmSync(p.pid, { force: true });
  if (!quiet) console.log(`kafka ${name} stopped (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
}

async function start(opts) {
  const { name, port, controllerPort, heap, fresh, timeoutMs } = opts;
  const p = brokerPaths(name);
  const t0 = Date.now();

  if (fresh) {
    await stopBroker(name, { quiet: true });
    fs.rmSync(p.dir, { recursive: true, force: true });
  }

  const existing = runningPid(p);
  if (existing) {
    const props = readProps(p.props);
    const want = `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`;
    if (props.listeners !== want) {
      throw new Failure(
        `kafka ${name} is already running (pid ${existing}) with listeners ${props.listeners}; ` +
          `stop it first or use --fresh`,
      );
    }
    if (await waitFor(() => probe(port), { timeoutMs, intervalMs: 250 })) {
      console.log(`kafka ${name} already running (pid ${existing}), ready at 127.0.0.1:${port}`);
      return;
    }
    throw new Failure(
      `kafka ${name} is running (pid ${existing}) but not ready after ${timeoutMs / 1000}s\n` +
        `--- last 40 lines of ${p.log} ---\n${tail(p.log)}`,
    );
  }

  for (const port_ of [port, controllerPort]) {
    if (!(await portFree(port_))) {
      throw new Failure(`port ${port_} on 127.0.0.1 is already in use (another broker? try 'status' for other names)`);
    }
  }

  await ensureJars();

  fs.mkdirSync(p.dir, { recursive: true });
  fs.writeFileSync(p.props, serverProperties(p, { port, controllerPort }));
  formatStorageIfNeeded(p);

  const logFd = fs.openSync(p.log, 'a');
  fs.writeSync(logFd, `--- ${new Date().toISOString()} starting kafka ${name} on 127.0.0.1:${port} ---\n`);
  const child = spawn(
    javaBin(),
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      ...jvmContainment(p),
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${LOG4J2}`,
      '-cp',
      path.join(LIB_DIR, '*'),
      'kafka.Kafka',
      p.props,
    ],
    { cwd: p.dir, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  fs.closeSync(logFd);
  let exited = null;
  child.on('exit', (code, signal) => (exited = signal ?? code));
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Failure(`cannot run java: ${err.message}`)));
  });
  child.unref();
  fs.writeFileSync(p.pid, `${child.pid}\n`);
  log(`started ${name} (pid ${child.pid}), waiting for 127.0.0.1:${port} (deadline ${timeoutMs / 1000}s)`);

  const ready = await waitFor(
    async () => {
      if (exited !== null || !isAlive(child.pid)) throw new Failure(`kafka ${name} exited (${exited ?? 'unknown'}) during startup`);
      return probe(port);
    },
    { timeoutMs, intervalMs: 250 },
  ).catch((err) => {
    fs.rmSync(p.pid, { force: true });
    throw new Failure(`${err.message}\n--- last 40 lines of ${p.log} ---\n${tail(p.log)}`);
  });
  if (!ready) {
    const logTail = tail(p.log);
    await stopBroker(name, { quiet: true });
    throw new Failure(
      `kafka ${name} not ready after ${timeoutMs / 1000}s (stopped it)\n--- last 40 lines of ${p.log} ---\n${logTail}`,
    );
  }
  log(`${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  console.log(`kafka ${name} ready at 127.0.0.1:${port}`);
}

function status(name) {
  const p = brokerPaths(name);
  const pid = runningPid(p);
  if (pid) {
    const port = /:(\d+)$/.exec(readProps(p.props)['advertised.listeners'] ?? '')?.[1] ?? '?';
    console.log(`kafka ${name} running (pid ${pid}) at 127.0.0.1:${port}`);
    return 0;
  }
  console.log(`kafka ${name} stopped`);
  return 3;
}

// ---------------------------------------------------------------- CLI

const USAGE = `usage:
  node deploy/local/kafka.mjs start  --name <name> --port <port> --controller-port <port>
                                     [--heap 512m] [--fresh] [--timeout <seconds, default 180>]
  node deploy/local/kafka.mjs stop   --name <name> [--timeout <seconds, default 60>]
  node deploy/local/kafka.mjs status --name <name>`;

function parsePort(value, flag) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} must be a TCP port, got '${value}'`);
  return n;
}

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      port: { type: 'string' },
      'controller-port': { type: 'string' },
      heap: { type: 'string', default: '512m' },
      fresh: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [cmd, ...extra] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!cmd || extra.length) throw new UsageError(cmd ? `unexpected argument '${extra[0]}'` : 'missing command');
  const name = values.name;
  if (!name || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new UsageError('--name <name> is required ([A-Za-z0-9_.-]+)');
  let timeoutMs;
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!(s > 0)) throw new UsageError(`--timeout must be a positive number of seconds`);
    timeoutMs = s * 1000;
  }

  switch (cmd) {
    case 'start': {
      if (values.port === undefined || values['controller-port'] === undefined) {
        throw new UsageError('start needs --port and --controller-port');
      }
      const port = parsePort(values.port, '--port');
      const controllerPort = parsePort(values['controller-port'], '--controller-port');
      if (port === controllerPort) throw new UsageError('--port and --controller-port must differ');
      if (!/^\d+[kmgKMG]?$/.test(values.heap)) throw new UsageError(`--heap must look like 512m, got '${values.heap}'`);
      await start({ name, port, controllerPort, heap: values.heap, fresh: values.fresh, timeoutMs: timeoutMs ?? 180_000 });
      return 0;
    }
    case 'stop':
      await stopBroker(name, { timeoutMs: timeoutMs ?? 60_000 });
      return 0;
    case 'status':
      return status(name);
    default:
      throw new UsageError(`unknown command '${cmd}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || err?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${err instanceof Failure ? err.message : err?.stack ?? err}\n`);
    process.exit(1);
  },
);
