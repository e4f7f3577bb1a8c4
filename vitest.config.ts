import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The type tests start compilers and the package test runs npm: generous, but bounded.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
