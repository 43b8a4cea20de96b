// The authorizer's EMF metrics, parsed from what Powertools writes to stdout: per decision one Decisions
// count by outcome and reason, InternalFailures for our side's failures, StoreLatency, fetches by document
// and result, users provisioned; one namespace, and no dimension that names a user, token or issuer.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { StoreError } from "../../functions/shared/errors";
import { createMetrics, METRIC, METRICS_NAMESPACE } from "../../functions/shared/metrics";
import { createAuthorizerFixture, putProvider, putUser } from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";

interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [field: string]: unknown;
}

let dynamo: TestDynamo;
let issuer: TestIssuer;
let emitted: EmfLine[];

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  await putProvider(dynamo, {
    name: "corp",
    metadataUrl: issuer.metadataUrl,
    clientId: "client-1",
    autoProvision: { enabled: true },
  });
  await putUser(dynamo, { user_name: "alice", email: "alice@example.com" });
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Captures the EMF lines Powertools writes to stdout (other output passes through). */
function captureEmf(): void {
  emitted = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const line of String(chunk).split("\n")) {
      if (line.startsWith("{") && line.includes('"_aws"')) emitted.push(JSON.parse(line) as EmfLine);
    }
    return write(chunk, ...(rest as []));
  });
}

/** Each emitted metric as { name, unit, value, dimensions } (dimension values by name). */
const metricsOf = (lines: readonly EmfLine[]) =>
  lines.flatMap((line) =>
    line._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Metrics.map((metric) => ({
        namespace: directive.Namespace,
        name: metric.Name,
        unit: metric.Unit,
        value: line[metric.Name],
        dimensions: Object.fromEntries((directive.Dimensions[0] ?? []).map((name) => [name, line[name]])),
      })),
    ),
  );

const named = (name: string) => metricsOf(emitted).filter((metric) => metric.name === name);

describe("authorizer metrics (EMF)", () => {
  it("counts each decision by outcome and reason, in one namespace, with low-cardinality dimensions", async () => {
    captureEmf();
    const fixture = createAuthorizerFixture(dynamo, { metrics: createMetrics("oidc-auth-test") });

    await fixture.authorize(await issuer.mint({ sub: "sub-alice", email: "alice@example.com" }));
    await expect(
      fixture.authorize(await issuer.mint({ sub: "sub-alice", email: "alice@example.com" }, { key: "foreign" })),
    ).rejects.toThrow("Unauthorized");
    await expect(fixture.authorize("not-a-jwt")).rejects.toThrow("Unauthorized");
    await fixture.authorize(await issuer.mint({ sub: "sub-new", email: "newcomer@example.com" }));

    expect(named(METRIC.decisions).map(({ value, dimensions }) => ({ value, ...dimensions }))).toEqual([
      { value: 1, service: "oidc-auth-test", outcome: "allow", reason: "authenticated" },
      { value: 1, service: "oidc-auth-test", outcome: "deny", reason: "signature_invalid" },
      { value: 1, service: "oidc-auth-test", outcome: "deny", reason: "token_malformed" },
      { value: 1, service: "oidc-auth-test", outcome: "allow", reason: "authenticated" },
    ]);
    expect(named(METRIC.internalFailures)).toEqual([]);
    expect(named(METRIC.usersProvisioned).map((metric) => metric.value)).toEqual([1]);
    // Two allows reached the stores; a store latency is a duration, in milliseconds.
    expect(named(METRIC.storeLatency).map((metric) => metric.unit)).toEqual(["Milliseconds", "Milliseconds"]);
    for (const metric of named(METRIC.storeLatency)) expect(metric.value).toBeGreaterThan(0);
    // One discovery and one key-set fetch, both answered.
    expect(named(METRIC.providerFetches).map((metric) => metric.dimensions)).toEqual([
      { service: "oidc-auth-test", document: "discovery", result: "ok" },
      { service: "oidc-auth-test", document: "jwks", result: "ok" },
    ]);

    const all = metricsOf(emitted);
    expect(new Set(all.map((metric) => metric.namespace))).toEqual(new Set([METRICS_NAMESPACE]));
    const dimensionNames = new Set(all.flatMap((metric) => Object.keys(metric.dimensions)));
    expect([...dimensionNames].sort()).toEqual(["document", "outcome", "reason", "result", "service"]);
    // No line carries a user, an issuer or a token, as a dimension or otherwise.
    const text = JSON.stringify(emitted);
    for (const secret of ["alice", "sub-alice", "newcomer", issuer.issuer, fixture.decisions[0]?.tokenFingerprint])
      expect(text).not.toContain(secret);
  });

  it("counts an internal failure once, and a key set that cannot be fetched as a failed jwks fetch", async () => {
    captureEmf();
    const broken = await startTestIssuer({ clientId: "client-9" });
    try {
      await putProvider(dynamo, { name: "broken", metadataUrl: broken.metadataUrl, clientId: "client-9" });
      broken.setJwksOverride("not json");
      const fixture = createAuthorizerFixture(dynamo, { metrics: createMetrics("oidc-auth-test") });

      await expect(fixture.authorize(await broken.mint())).rejects.toThrow("Unauthorized");
      const failing = createAuthorizerFixture(dynamo, {
        metrics: createMetrics("oidc-auth-test"),
        configSource: { load: () => Promise.reject(new StoreError("config table could not be read")) },
      });
      await expect(failing.authorize(await broken.mint())).rejects.toThrow("Unauthorized");

      expect(named(METRIC.decisions).map((metric) => metric.dimensions.reason)).toEqual([
        "jwks_unavailable",
        "config_store_error",
      ]);
      expect(named(METRIC.internalFailures).map((metric) => metric.value)).toEqual([1, 1]);
      expect(named(METRIC.providerFetches).map((metric) => metric.dimensions)).toEqual([
        { service: "oidc-auth-test", document: "discovery", result: "ok" },
        { service: "oidc-auth-test", document: "jwks", result: "failed" },
      ]);
    } finally {
      await putProvider(dynamo, {
        name: "broken",
        metadataUrl: broken.metadataUrl,
        clientId: "client-9",
        active: false,
      });
      await broken.close();
    }
  });
});
