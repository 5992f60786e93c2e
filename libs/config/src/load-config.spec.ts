import { z } from 'zod';
import { databaseEnv, httpEnv, kafkaEnv, serviceEnv } from './env-fragments';
import { ConfigError, loadConfig, loadConfigOrExit } from './load-config';

const schema = z.object({
  ...serviceEnv.shape,
  ...httpEnv({ port: 3001 }).shape,
  ...kafkaEnv.shape,
  ...databaseEnv.shape,
});

const validEnv = {
  KAFKA_BROKERS: 'localhost:9092, kafka-2.internal:19092,[::1]:9093',
  DATABASE_URL: 'postgres://leads@127.0.0.1:5432/ingest',
};

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses a valid environment and applies defaults', () => {
    const config = loadConfig(schema, validEnv);
    expect(config).toEqual({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      PORT: 3001,
      HOST: '0.0.0.0',
      KAFKA_BROKERS: ['localhost:9092', 'kafka-2.internal:19092', '[::1]:9093'],
      DATABASE_URL: 'postgres://leads@127.0.0.1:5432/ingest',
    });
  });

  it('reads explicit values and ignores unrelated variables', () => {
    const config = loadConfig(schema, {
      ...validEnv,
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      PORT: '8080',
      HOST: '127.0.0.1',
      KAFKA_CLIENT_ID: 'ingest',
      DATABASE_URL: 'postgresql://u:p@db/leads?sslmode=disable',
      PATH: '/usr/bin',
    });
    expect(config).toMatchObject({
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      PORT: 8080,
      HOST: '127.0.0.1',
      KAFKA_CLIENT_ID: 'ingest',
      DATABASE_URL: 'postgresql://u:p@db/leads?sslmode=disable',
    });
    expect(config).not.toHaveProperty('PATH');
  });

  it('reads process.env by default', () => {
    const key = 'LEADS_CONFIG_SPEC_VALUE';
    process.env[key] = 'from-process-env';
    try {
      expect(loadConfig(z.object({ [key]: z.string() }))).toEqual({ [key]: 'from-process-env' });
    } finally {
      delete process.env[key];
    }
  });

  it('lists every missing variable as required', () => {
    const error = configErrorOf(() => loadConfig(schema, {}));
    expect(error.message).toContain('KAFKA_BROKERS: required');
    expect(error.message).toContain('DATABASE_URL: required');
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['DATABASE_URL', 'KAFKA_BROKERS']);
  });

  it('treats empty variables as unset: defaults apply, required ones are reported as required', () => {
    const config = loadConfig(schema, { ...validEnv, PORT: '', LOG_LEVEL: ' ' });
    expect(config.PORT).toBe(3001);
    expect(config.LOG_LEVEL).toBe('info');
    expect(configErrorOf(() => loadConfig(schema, { ...validEnv, KAFKA_BROKERS: '' })).message).toContain(
      'KAFKA_BROKERS: required',
    );
  });

  it('lists every malformed variable by name with the reason', () => {
    const error = configErrorOf(() =>
      loadConfig(schema, {
        KAFKA_BROKERS: 'localhost:9092,localhost,kafka:99999',
        DATABASE_URL: 'mysql://localhost/db',
        PORT: '70000',
        LOG_LEVEL: 'loud',
        NODE_ENV: 'staging',
      }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(
      'KAFKA_BROKERS: must be a comma-separated list of host:port (bad: "localhost", "kafka:99999")',
    );
    expect(error.message).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(error.message).toContain('PORT: must be an integer between 1 and 65535');
    expect(error.message).toContain('LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent');
    expect(error.message).toContain('NODE_ENV: must be one of development, production, test');
    expect(error.message.split('\n')[0]).toBe('Invalid configuration (5 problems):');
  });

  it.each(['0', '-1', '3.5', 'http', '65536'])('rejects PORT=%s', (value) => {
    expect(configErrorOf(() => loadConfig(schema, { ...validEnv, PORT: value })).message).toContain(
      'PORT: must be an integer between 1 and 65535',
    );
  });

  it.each(['not a url', 'http://localhost/db', 'localhost:5432/db'])('rejects DATABASE_URL=%s', (value) => {
    expect(configErrorOf(() => loadConfig(schema, { ...validEnv, DATABASE_URL: value })).message).toContain(
      'DATABASE_URL: must be a postgres:// URL',
    );
  });

  it.each(['localhost:9092,', 'a b:1', ':9092', 'host:'])('rejects KAFKA_BROKERS=%s', (value) => {
    expect(configErrorOf(() => loadConfig(schema, { ...validEnv, KAFKA_BROKERS: value })).message).toContain(
      'KAFKA_BROKERS: must be a comma-separated list of host:port',
    );
  });

  it('refuses an out-of-range default port at definition time', () => {
    expect(() => httpEnv({ port: 0 })).toThrow(RangeError);
  });

  it('accepts any zod schema, including non-object ones, and names nested paths', () => {
    const nested = z.object({ A: z.string().transform((value) => ({ inner: Number(value) })) }).pipe(
      z.object({ A: z.object({ inner: z.number().int() }) }),
    );
    expect(loadConfig(nested, { A: '3' })).toEqual({ A: { inner: 3 } });
    expect(configErrorOf(() => loadConfig(nested, { A: '3.5' })).issues[0]?.variable).toBe('A.inner');
  });
});

describe('loadConfigOrExit', () => {
  afterEach(() => jest.restoreAllMocks());

  it('returns the config when valid', () => {
    expect(loadConfigOrExit(schema, validEnv).PORT).toBe(3001);
  });

  it('prints the message to stderr and exits with code 1', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    expect(() => loadConfigOrExit(schema, { DATABASE_URL: 'nope' })).toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    const written = stderr.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(written).toContain('KAFKA_BROKERS: required');
    expect(written).toContain('DATABASE_URL: must be a postgres:// URL');
  });

  it('does not swallow errors other than ConfigError', () => {
    const crashing = { safeParse: () => { throw new TypeError('boom'); } } as unknown as z.ZodType;
    const exit = jest.spyOn(process, 'exit');
    expect(() => loadConfigOrExit(crashing, {})).toThrow(TypeError);
    expect(exit).not.toHaveBeenCalled();
  });
});
