/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // One transpiled build of src/ for every test that runs the CLI or main.ts as a process.
  globalSetup: '<rootDir>/test/support/global-build.ts',
  globalTeardown: '<rootDir>/test/support/global-build-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/fail-on-unhandled.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
