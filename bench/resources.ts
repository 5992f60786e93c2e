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
  /** Every process named `postgres` (the server is shared: other databases' backends count too). */
  readonly postgres: number;
}

export interface CpuUsage {
  readonly wallSeconds: number;
  /** Share of all CPUs busy, 0..1 (1 = both cores saturated). */
  readonly machineBusy: number;
  /** CPU seconds per party, and what the rest of the machine used. */
  readonly node: number;
  readonly kafka: number;
  readonly postgres: number;
  readonly other: number;
}

function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 (utime) and 15 (stime) of proc(5); the slice starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += processCpuSeconds(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
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

export function cpuSnapshot(kafkaPid: number | undefined): CpuSnapshot {
  const machine = machineJiffies();
  return {
    at: performance.now(),
    machineBusy: machine.busy,
    machineTotal: machine.total,
    node: processCpuSeconds(process.pid),
    kafka: kafkaPid ? processCpuSeconds(kafkaPid) : 0,
    postgres: postgresCpuSeconds(),
  };
}

export function cpuUsage(from: CpuSnapshot, to: CpuSnapshot): CpuUsage {
  const wallSeconds = (to.at - from.at) / 1000;
  const totalJiffies = to.machineTotal - from.machineTotal;
  const busyJiffies = to.machineBusy - from.machineBusy;
  const node = to.node - from.node;
  const kafka = to.kafka - from.kafka;
  const postgres = to.postgres - from.postgres;
  return {
    wallSeconds,
    machineBusy: totalJiffies > 0 ? busyJiffies / totalJiffies : 0,
    node,
    kafka,
    postgres,
    other: Math.max(0, busyJiffies / CLK_TCK - node - kafka - postgres),
  };
}

/** Server-side counters of the bench database and of the WAL (the WAL is server-wide). */
export interface DbSnapshot {
  readonly commits: number;
  readonly walBytes: number;
  readonly walSyncs: number;
}

export async function dbSnapshot(dataSource: DataSource): Promise<DbSnapshot> {
  // Statistics are flushed by backends at most once a second: force ours, read fresh values.
  await dataSource.query(`SELECT pg_stat_clear_snapshot()`);
  const [db] = await dataSource.query(`SELECT xact_commit::bigint AS commits FROM pg_stat_database WHERE datname = current_database()`);
  const [wal] = await dataSource.query(`SELECT wal_bytes::bigint AS bytes, wal_sync::bigint AS syncs FROM pg_stat_wal`);
  return { commits: Number(db.commits), walBytes: Number(wal.bytes), walSyncs: Number(wal.syncs) };
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
