import { Counter, Gauge, Histogram } from 'prom-client';
import { defineCounter, defineGauge, defineHistogram, metricsRegistry } from './metrics';

describe('metrics', () => {
  it('registers default Node metrics on the shared registry', async () => {
    const text = await metricsRegistry.metrics();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    expect(metricsRegistry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('defines counters, gauges and histograms idempotently', async () => {
    const lag = defineGauge({ name: 'messaging_consumer_lag', help: 'Lag', labelNames: ['topic', 'partition'] });
    expect(defineGauge({ name: 'messaging_consumer_lag', help: 'Lag', labelNames: ['partition', 'topic'] })).toBe(lag);
    expect(lag).toBeInstanceOf(Gauge);

    const dlq = defineCounter({ name: 'messaging_dlq_messages_total', help: 'DLQ', labelNames: ['topic'] });
    expect(defineCounter({ name: 'messaging_dlq_messages_total', help: 'DLQ', labelNames: ['topic'] })).toBe(dlq);
    expect(dlq).toBeInstanceOf(Counter);

    const latency = defineHistogram({ name: 'scoring_latency_seconds', help: 'Latency', buckets: [0.1, 1, 10] });
    expect(defineHistogram({ name: 'scoring_latency_seconds', help: 'Latency' })).toBe(latency);
    expect(latency).toBeInstanceOf(Histogram);

    lag.set({ topic: 'lead.created', partition: '3' }, 7);
    dlq.inc({ topic: 'lead.created' });
    latency.observe(0.5);
    const text = await metricsRegistry.metrics();
    expect(text).toContain('messaging_consumer_lag{topic="lead.created",partition="3"} 7');
    expect(text).toContain('messaging_dlq_messages_total{topic="lead.created"} 1');
    expect(text).toContain('scoring_latency_seconds_bucket{le="1"} 1');
  });

  it('uses the collect callback of the latest definition (the app created last)', async () => {
    const first = defineGauge({ name: 'spec_backlog', help: 'x', collect() { this.set(1); } });
    expect(await metricsRegistry.getSingleMetricAsString('spec_backlog')).toContain('spec_backlog 1');
    const second = defineGauge({ name: 'spec_backlog', help: 'x', collect() { this.set(2); } });
    expect(second).toBe(first);
    expect(await metricsRegistry.getSingleMetricAsString('spec_backlog')).toContain('spec_backlog 2');
    defineGauge({ name: 'spec_backlog', help: 'x' }); // no collect: keeps the current one
    expect(await metricsRegistry.getSingleMetricAsString('spec_backlog')).toContain('spec_backlog 2');
  });

  it('refuses a conflicting redefinition', () => {
    defineCounter({ name: 'spec_conflict_total', help: 'x', labelNames: ['a'] });
    expect(() => defineGauge({ name: 'spec_conflict_total', help: 'x', labelNames: ['a'] })).toThrow(
      'already registered with another type',
    );
    expect(() => defineCounter({ name: 'spec_conflict_total', help: 'x', labelNames: ['b'] })).toThrow(
      'already registered with labels [a], not [b]',
    );
  });

  it('shares one registry between copies of the module', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const copy = require('./metrics') as typeof import('./metrics');
      expect(copy.metricsRegistry).toBe(metricsRegistry);
      expect(copy.defineGauge({ name: 'messaging_outbox_backlog', help: 'Backlog' })).toBe(
        defineGauge({ name: 'messaging_outbox_backlog', help: 'Backlog' }),
      );
    });
  });
});
