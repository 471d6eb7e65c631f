import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The machine has 2 cores; engine tests open many sockets and measure timeouts,
    // so they must not fight each other for the CPU.
    pool: 'forks',
    maxWorkers: 2,
  },
});
