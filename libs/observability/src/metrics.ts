import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/*
 * Metrics are Prometheus, scraped from GET /metrics (MetricsController); they do not go through
 * OpenTelemetry. Everything registers on the one registry below, never on prom-client's global
 * `register`, so what /metrics serves is exactly what this process defined.
 */

const REGISTRY_KEY = Symbol.for('@leads/observability.metricsRegistry');

type GlobalWithRegistry = typeof globalThis & { [REGISTRY_KEY]?: Registry };

function processRegistry(): Registry {
  const holder = globalThis as GlobalWithRegistry;
  let registry = holder[REGISTRY_KEY];
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
    holder[REGISTRY_KEY] = registry;
  }
  return registry;
}

/**
 * The process's single Prometheus registry, with the default Node.js metrics (CPU, memory, event
 * loop lag, GC, handles). Shared through `globalThis`, so even a second copy of this module (two
 * bundles, `jest.isolateModules`) sees the same registry.
 */
export const metricsRegistry: Registry = processRegistry();

type MetricKind = 'counter' | 'gauge' | 'histogram';
type MetricConstructor<M> = abstract new (...args: never[]) => M;

function existingMetric<M>(
  kind: MetricKind,
  type: MetricConstructor<M>,
  name: string,
  labelNames: readonly string[] | undefined,
): M | undefined {
  const existing = metricsRegistry.getSingleMetric(name);
  if (existing === undefined) return undefined;
  // By class name, not instanceof: the registry is shared through globalThis and may hold metrics
  // built by another copy of prom-client.
  if (!(existing instanceof type) && (existing as object).constructor?.name !== type.name) {
    throw new Error(`Metric ${name} is already registered with another type (wanted a ${kind})`);
  }
  const wanted = [...(labelNames ?? [])].sort().join(',');
  const actual = [...((existing as { labelNames?: readonly string[] }).labelNames ?? [])].sort().join(',');
  if (wanted !== actual) {
    throw new Error(`Metric ${name} is already registered with labels [${actual}], not [${wanted}]`);
  }
  return existing as M;
}

type Definition<C> = Omit<C, 'registers'>;

/** Redefining with a `collect` callback replaces the previous one (see the note above). */
function adoptCollect<M>(metric: M, collect: unknown): M {
  if (typeof collect === 'function') (metric as { collect?: unknown }).collect = collect;
  return metric;
}

/*
 * define* return the metric registered under that name if there is one (same type and labels
 * required, else they throw), or create and register it. Defining at module load or in a
 * provider constructor is therefore safe however many times a module or app is instantiated
 * (tests start many apps in one process). Values are shared by every definer; `help` and
 * `buckets` are those of the first definition; a `collect` callback is that of the LATEST
 * definition, so that a gauge reading from a DataSource follows the app created last instead of
 * calling into a closed one. Two live apps in one process therefore cannot both feed one gauge
 * through `collect`: have the owner `set()` it, or give the instances distinct label values.
 */

export function defineCounter<T extends string = string>(config: Definition<CounterConfiguration<T>>): Counter<T> {
  const existing = existingMetric<Counter<T>>('counter', Counter, config.name, config.labelNames);
  if (existing) return adoptCollect(existing, config.collect);
  return new Counter<T>({ ...config, registers: [metricsRegistry] });
}

export function defineGauge<T extends string = string>(config: Definition<GaugeConfiguration<T>>): Gauge<T> {
  const existing = existingMetric<Gauge<T>>('gauge', Gauge, config.name, config.labelNames);
  if (existing) return adoptCollect(existing, config.collect);
  return new Gauge<T>({ ...config, registers: [metricsRegistry] });
}

export function defineHistogram<T extends string = string>(
  config: Definition<HistogramConfiguration<T>>,
): Histogram<T> {
  const existing = existingMetric<Histogram<T>>('histogram', Histogram, config.name, config.labelNames);
  if (existing) return adoptCollect(existing, config.collect);
  return new Histogram<T>({ ...config, registers: [metricsRegistry] });
}
