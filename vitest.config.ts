// Test runner settings: every test runs offline against loopback servers the tests start themselves.
// Two projects: `unit` (modules, in-process integration against dynalite and loopback issuers) and
// `e2e` (`npm start` as a child process); `vitest run` runs both, `--project unit` just the first.
import { defineConfig } from "vitest/config";

const env = {
  POWERTOOLS_LOG_LEVEL: "SILENT",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

export default defineConfig({
  test: {
    environment: "node",
    // Two cores: stack synthesis (esbuild) and the servers share them.
    maxWorkers: 2,
    env,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 60_000 },
      },
    ],
  },
});
