// NestJS 12 is ESM-only: jest runs with --experimental-vm-modules (see package.json "test")
// and ts-jest compiles TypeScript to ESM. Imports carry ".js" suffixes (NodeNext), which the
// mapper strips so that jest finds the .ts sources.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  testTimeout: 60000,
  // Now and then (seen only with DATABASE_URL, never under --detectOpenHandles) a handle from the
  // spawned-service tests keeps jest alive after the run; every test has finished by then.
  forceExit: true,
};
