// Unit tests (*.spec.ts) run in parallel; integration tests (test/*.int-spec.ts) share one
// provisioned Kafka broker and PostgreSQL server and run in band.
const fs = require('node:fs');
const path = require('node:path');

// .swcrc leaves specs out of the build; Jest compiles them with the same options.
const { exclude: _buildOnly, ...swcOptions } = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swcOptions, swcrc: false }] };
const moduleNameMapper = { '^@leads/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' };
const common = { rootDir: __dirname, transform, moduleNameMapper, testEnvironment: 'node' };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,deploy}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services}/**/test/**/*.int-spec.ts', '<rootDir>/tests/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/integration-timeout.ts'],
    },
  ],
};
