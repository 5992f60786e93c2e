import { DEV_MODES, buildDevModel, type DevMode } from './dev-model.server';

/**
 * The dev model as a process: `node dist/services/dev-model/src/main.js`.
 * Env: PORT (3009), HOST (127.0.0.1), DEV_MODEL_NAME (dev-model-1), DEV_MODEL_LATENCY_MS (0),
 * DEV_MODEL_MODE (normal). Point the scoring service at it with
 * OPENAI_BASE_URL=http://127.0.0.1:3009/v1, OPENAI_API_KEY=dev, SCORING_MODEL=dev-model-1.
 */
function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`dev-model: ${name} must be a non-negative integer, got ${JSON.stringify(raw)}\n`);
    process.exit(1);
  }
  return value;
}

async function main(): Promise<void> {
  const port = intFromEnv('PORT', 3009);
  const host = process.env.HOST?.trim() || '127.0.0.1';
  const modelName = process.env.DEV_MODEL_NAME?.trim() || 'dev-model-1';
  const mode = (process.env.DEV_MODEL_MODE?.trim() || 'normal') as DevMode;
  if (!DEV_MODES.includes(mode)) {
    process.stderr.write(`dev-model: DEV_MODEL_MODE must be one of ${DEV_MODES.join(', ')}\n`);
    process.exit(1);
  }
  if (!modelName.startsWith('dev-model')) {
    process.stderr.write('dev-model: DEV_MODEL_NAME must start with "dev-model" so that every score it produces says where it came from\n');
    process.exit(1);
  }
  const app = buildDevModel({ modelName, initial: { mode, latencyMs: intFromEnv('DEV_MODEL_LATENCY_MS', 0) } });
  await app.listen({ port, host });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(
    `dev-model listening on http://${host}:${actualPort}/v1 as "${modelName}" (mode ${mode}): DETERMINISTIC FAKE SCORES, NOT A REAL AI\n`,
  );
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`dev-model failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
