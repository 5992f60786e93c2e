import fs from 'node:fs';
import os from 'node:os';
import type { DataSource } from 'typeorm';

/** Linux clock ticks per second (`getconf CLK_TCK`); 100 on every mainstream kernel. */
const CLK_TCK = 100;

/** Where CPU time goes during a stage: the whole machine, and the three parties of the bench. */
export interface CpuSnapshot {
  readonly at: number;
  /** Busy and total jiffies of all CPUs, from /proc/stat. */
  readonly machineBusy: number;
  readonly machineTotal: number;
  /** CPU seconds (user + system) so far. */
  readonly node: number;
  readonly kafka: number;
  /** CPU seconds of every `postgres` process, by pid. */
  readonly postgres: ReadonlyMap<number, number>;
  /** The PostgreSQL processes that work for the bench: backends of its database and the server's own background processes. */
  readonly benchPostgresPids: ReadonlySet<number>;
  readonly eventLoop: EventLoopUtilization;
}

type EventLoopUtilization = ReturnType<typeof performance.eventLoopUtilization>;

export interface CpuUsage {
  readonly wallSeconds: number;
  /** Share of all CPUs busy, 0..1 (1 = both cores saturated). */
  readonly machineBusy: number;
  /** CPU seconds per party, and what the rest of the machine used (other sessions' work included). */
  readonly node: number;
  readonly kafka: number;
  readonly postgres: number;
  readonly other: number;
  /** Share of the wall time the bench's event loop was busy, 0..1 (1 = the single Node thread is the bottleneck). */
  readonly eventLoop: number;
}

/** CPU seconds (user + system) a process has used, from /proc; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 (utime) and 15 (stime) of proc(5); the slice starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** CPU seconds per PostgreSQL server process, by pid. */
export function postgresCpuSeconds(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const seconds = processCpuSeconds(Number(entry));
      if (seconds !== undefined) byPid.set(Number(entry), seconds);
    } catch {
      /* gone meanwhile */
    }
  }
  return byPid;
}

function machineJiffies(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export async function cpuSnapshot(kafkaPid: number | undefined, dataSource: DataSource): Promise<CpuSnapshot> {
  const rows: Array<{ pid: number }> = await dataSource.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL`,
  );
  const machine = machineJiffies();
  return {
    at: performance.now(),
    machineBusy: machine.busy,
    machineTotal: machine.total,
    node: processCpuSeconds(process.pid) ?? 0,
    kafka: (kafkaPid && processCpuSeconds(kafkaPid)) || 0,
    postgres: postgresCpuSeconds(),
    benchPostgresPids: new Set(rows.map((row) => Number(row.pid))),
    eventLoop: performance.eventLoopUtilization(),
  };
}

/**
 * CPU seconds PostgreSQL's processes spent between two readings of postgresCpuSeconds(), per
 * process: one that exits meanwhile (another session's backend) does not subtract, one that
 * started meanwhile counts from zero. `pids` limits it to those processes (default: all).
 */
export function postgresCpuDelta(from: ReadonlyMap<number, number>, to: ReadonlyMap<number, number>, pids: Iterable<number> = to.keys()): number {
  let seconds = 0;
  for (const pid of pids) {
    const end = to.get(pid);
    if (end !== undefined) seconds += end - (from.get(pid) ?? 0);
  }
  return seconds;
}

export function cpuUsage(from: CpuSnapshot, to: CpuSnapshot): CpuUsage {
  const wallSeconds = (to.at - from.at) / 1000;
  const totalJiffies = to.machineTotal - from.machineTotal;
  const busyJiffies = to.machineBusy - from.machineBusy;
  const node = to.node - from.node;
  const kafka = to.kafka - from.kafka;
  const postgres = postgresCpuDelta(from.postgres, to.postgres, new Set([...from.benchPostgresPids, ...to.benchPostgresPids]));
  return {
    wallSeconds,
    machineBusy: totalJiffies > 0 ? busyJiffies / totalJiffies : 0,
    node,
    kafka,
    postgres,
    other: Math.max(0, busyJiffies / CLK_TCK - node - kafka - postgres),
    eventLoop: performance.eventLoopUtilization(to.eventLoop, from.eventLoop).utilization,
  };
}

/**
 * Server-side counters. WAL bytes come from the WAL position (exact, but server-wide: other
 * databases on the shared server count too). Commits (this database) and WAL syncs (server-wide)
 * come from the statistics system, which backends flush at most once a second and idle ones only
 * after up to 10 s: approximate at the edges of a stage.
 */
export interface DbSnapshot {
  readonly commits: number;
  readonly walBytes: number;
  readonly walSyncs: number;
}

export async function dbSnapshot(dataSource: DataSource): Promise<DbSnapshot> {
  await dataSource.query(`SELECT pg_stat_clear_snapshot()`);
  const [row] = await dataSource.query(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::bigint AS commits,
            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal_bytes,
            (SELECT wal_sync FROM pg_stat_wal)::bigint AS wal_syncs`,
  );
  return { commits: Number(row.commits), walBytes: Number(row.wal_bytes), walSyncs: Number(row.wal_syncs) };
}

export function dbDelta(from: DbSnapshot, to: DbSnapshot): DbSnapshot {
  return { commits: to.commits - from.commits, walBytes: to.walBytes - from.walBytes, walSyncs: to.walSyncs - from.walSyncs };
}

/** One line about the machine, for the report. */
export function machineDescription(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() || 'unknown CPU';
  return `${cpus.length} × ${model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
