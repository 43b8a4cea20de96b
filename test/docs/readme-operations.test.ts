// The numbers the README promises about operations (its timeouts table, CORS max-age, throttling) are the
// constants the code uses.
import { describe, expect, it } from "vitest";
import { STORE_BUDGET_MS } from "../../functions/authorizer/store-budget";
import { DEFAULT_FETCH_POLICY } from "../../functions/authorizer/http";
import { CONFIG_REFRESH_WAIT_MS } from "../../functions/config/store";
import { CORS_MAX_AGE_SECONDS } from "../../functions/http/cors";
import { FUNCTION_TIMEOUT_SECONDS, INTEGRATION_TIMEOUT_SECONDS, THROTTLING } from "../../functions/http/routes";
import { AUTHORIZER_CALL_DEADLINE, BACKEND_CALL_DEADLINE, type CallDeadline } from "../../functions/shared/dynamo";
import { durationMs, readmeCell, readmeSection, readmeText } from "./readme-text";

const CACHING = readmeSection("## Caching and availability");
const OPERATIONS = readmeSection("## Operations");

const deadlineText = (deadline: CallDeadline) =>
  `connect ${deadline.connectionTimeoutMs} ms, each attempt ${deadline.requestTimeoutMs} ms, ${deadline.maxAttempts} attempts`;

describe("README: timeouts", () => {
  it("states each DynamoDB deadline and the decision's store budget as the code has them", () => {
    expect(readmeCell(CACHING, "DynamoDB, one call of the authorizer", "deadline")).toBe(
      deadlineText(AUTHORIZER_CALL_DEADLINE),
    );
    expect(readmeCell(CACHING, "DynamoDB, one call of a backend or the admin CLI", "deadline")).toBe(
      deadlineText(BACKEND_CALL_DEADLINE),
    );
    expect(durationMs(readmeCell(CACHING, "DynamoDB, all store time of one decision", "deadline"))).toBe(
      STORE_BUDGET_MS,
    );
  });

  it("states the provider fetch timeout, the config refresh wait and API Gateway's timeouts", () => {
    expect(
      durationMs(
        readmeText(/^(\d+ ms) each/, readmeCell(CACHING, "provider documents (discovery, key set)", "deadline")),
      ),
    ).toBe(DEFAULT_FETCH_POLICY.timeoutMs);
    expect(
      durationMs(
        readmeText(/waits for the refresh at most (\d+ ms)/, readmeCell(CACHING, "config table", "refreshed")),
      ),
    ).toBe(CONFIG_REFRESH_WAIT_MS);
    expect(durationMs(readmeText(/^(\d+ s)/, readmeCell(CACHING, "the authorizer Lambda", "deadline")))).toBe(
      FUNCTION_TIMEOUT_SECONDS * 1000,
    );
    expect(durationMs(readmeText(/^(\d+ s)/, readmeCell(CACHING, "a backend", "deadline")))).toBe(
      INTEGRATION_TIMEOUT_SECONDS * 1000,
    );
  });
});

describe("README: operations", () => {
  it("states the throttling limits and the preflight max-age the stack and the local gateway use", () => {
    const { stage, writes } = THROTTLING;
    expect(OPERATIONS).toContain(`the stage at ${stage.rateLimit} requests/s with bursts of ${stage.burstLimit}`);
    expect(OPERATIONS).toContain(`at ${writes.rateLimit}/s with bursts of ${writes.burstLimit}`);
    expect(OPERATIONS).toContain(`Access-Control-Max-Age: ${CORS_MAX_AGE_SECONDS}`);
  });
});
