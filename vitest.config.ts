import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Vitest's default (cores − 1) runs test files one at a time on 2 cores; two at a time take
    // npm test from about 12.5 to about 10 minutes there (the files wait on child processes and browsers).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
