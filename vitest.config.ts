// Test runner settings: every test runs offline against loopback servers the tests start themselves.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Two cores: stack synthesis (esbuild) and the servers share them.
    maxWorkers: 2,
    env: {
      POWERTOOLS_LOG_LEVEL: "SILENT",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  },
});
