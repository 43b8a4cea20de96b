// provider test: discovery and key set fetched now, against loopback issuers (good and broken) and the saved Okta documents.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProviderTestReport } from "../../cli/commands/provider-test";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { OKTA_DOCUMENTS, OKTA_ISSUER, OKTA_METADATA_URL, useCliHarness } from "./cli-fixture";
import { createAuthorizerFixture } from "../kit/authorizer-fixture";
import { putUser } from "../kit/authorizer-fixture";

const OKTA_FLAGS = ["--metadata-url", OKTA_METADATA_URL, "--client-id", "0oagd8o97kiBOwpwB0h7"];

const cli = useCliHarness();
let idp: TestIssuer;
beforeAll(async () => {
  idp = await startTestIssuer({ algs: ["RS256", "ES256"] });
});
afterAll(() => idp?.close());
beforeEach(() => {
  idp.setDown(false);
  idp.setJwksOverride(null);
  idp.setDiscoveryOverride(null);
});

const addProvider = (name: string, metadataUrl: string, ...flags: string[]) =>
  cli.run(["provider", "add", name, "--metadata-url", metadataUrl, "--client-id", "client-1", ...flags]);
const errorsOf = (report: ProviderTestReport) =>
  report.problems.filter((p) => p.level === "error").map((p) => p.message);

describe("provider test", () => {
  it("reports issuer, jwks_uri, every key and the usable algorithms of a working provider", async () => {
    await addProvider("local", idp.metadataUrl);

    const result = await cli.run(["provider", "test", "local", "--json"]);

    expect(result.code).toBe(0);
    const report = result.json<ProviderTestReport>();
    expect(report).toMatchObject({ issuer: idp.issuer, jwksUri: idp.jwksUri, idTokenSigningAlgs: ["RS256", "ES256"] });
    expect(report.keys.map((key) => key.kid)).toEqual(idp.publicJwks().keys.map((key) => key["kid"]));
    expect(report.keys.map((key) => key.verifies)).toEqual([["RS256"], ["ES256"]]);
    expect(report.usableAlgorithms).toEqual(["RS256", "ES256"]);
    expect(report.problems).toEqual([]);
  });

  it("prints a readable report ending in the result", async () => {
    await addProvider("local", idp.metadataUrl);

    const result = await cli.run(["provider", "test", "local"]);

    expect(result.stdout).toMatch(/issuer\s+http:\/\/127\.0\.0\.1/);
    expect(result.stdout).toMatch(/usable algs\s+RS256, ES256/);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("result: OK");
  });

  it("fails when the provider is down", async () => {
    await addProvider("local", idp.metadataUrl);
    idp.setDown(true);

    const result = await cli.run(["provider", "test", "local", "--json"]);

    expect(result.code).toBe(1);
    expect(errorsOf(result.json())).toEqual([expect.stringMatching(/^discovery: .*status 503/)]);
  });

  it("fails when the key set has no keys", async () => {
    await addProvider("local", idp.metadataUrl);
    idp.setJwksOverride({ keys: [] });

    const result = await cli.run(["provider", "test", "local"]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("error: the key set has no keys");
    expect(result.stdout).toContain("result: FAILED (1 error)");
  });

  it("warns when the provider signs with none of the allowed algorithms, and fails for want of a usable key", async () => {
    await addProvider("local", idp.metadataUrl, "--algorithms", "ES512");

    const result = await cli.run(["provider", "test", "local", "--json"]);

    const report = result.json<ProviderTestReport>();
    expect(result.code).toBe(1);
    expect(report.problems).toEqual([
      { level: "warning", message: expect.stringContaining("none of the allowed algorithms (ES512)") },
      { level: "error", message: expect.stringContaining("no signing key") },
    ]);
  });

  it("refuses http outside loopback without fetching anything", async () => {
    await addProvider("plain", "http://idp.example/.well-known/openid-configuration");
    const fetched: string[] = [];

    const result = await cli.run(["provider", "test", "plain", "--json"], {
      fetcher: {
        fetchJson: async (url) => {
          fetched.push(url);
          return {};
        },
      },
    });

    expect(result.code).toBe(1);
    expect(errorsOf(result.json())).toEqual([expect.stringContaining("only https URLs are allowed")]);
    expect(fetched).toEqual([]);
  });

  it("refuses a discovery document whose issuer is http outside loopback", async () => {
    await addProvider("local", idp.metadataUrl);
    idp.setDiscoveryOverride({ issuer: "http://idp.example", jwks_uri: idp.jwksUri });

    const result = await cli.run(["provider", "test", "local", "--json"]);

    expect(result.code).toBe(1);
    expect(errorsOf(result.json())).toEqual([expect.stringMatching(/^discovery: only https URLs are allowed/)]);
  });

  it("notes, without failing, the Okta metadata URL whose host differs from the pinned issuer (saved documents)", async () => {
    await cli.run(["provider", "add", "okta", ...OKTA_FLAGS, "--issuer", OKTA_ISSUER]);

    const result = await cli.run(["provider", "test", "okta", "--documents", OKTA_DOCUMENTS, "--json"]);

    expect(result.code).toBe(0);
    const report = result.json<ProviderTestReport>();
    expect(report.issuer).toBe("https://dev-934121.oktapreview.com");
    expect(report.keys.map((key) => [key.kid, key.verifies])).toEqual([
      ["c56me9WSLOVv7PS0q88C9uoIs61Pa7fPn2dUE9oQ5H8", ["RS256"]],
      ["37MlHqZbKAYCLHmsEuPsYQhBIQjDhjEa8yH9MFhJC8U", ["RS256"]],
    ]);
    expect(report.problems).toEqual([{ level: "note", message: expect.stringContaining("differs from the issuer's") }]);
  });

  it("fails when the discovery document states another issuer, naming the --issuer to pin, and reads no key set", async () => {
    await addProvider("local", idp.metadataUrl);
    idp.setDiscoveryOverride({ issuer: "https://other.example", jwks_uri: idp.jwksUri });
    const keySetRequests = idp.requests.jwks;

    const result = await cli.run(["provider", "test", "local", "--json"]);

    expect(result.code).toBe(1);
    const report = result.json<ProviderTestReport>();
    expect(errorsOf(report)).toEqual([
      expect.stringMatching(
        /^the discovery document states issuer https:\/\/other\.example, not the issuer its metadata URL implies/,
      ),
    ]);
    expect(errorsOf(report)[0]).toContain("pin it: oidc-admin provider update local --issuer https://other.example");
    expect(report.keys).toEqual([]);
    expect(idp.requests.jwks).toBe(keySetRequests);
  });

  it("fails on the Okta documents without the pinned issuer, in the readable report too", async () => {
    await cli.run(["provider", "add", "okta", ...OKTA_FLAGS, "--no-check"]);

    const result = await cli.run(["provider", "test", "okta", "--documents", OKTA_DOCUMENTS]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`--issuer ${OKTA_ISSUER}`);
    expect(result.stdout).not.toContain("differs from the issuer's");
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("result: FAILED (1 error)");
  });

  it("accepts the issuer the metadata URL implies with the one trailing / (Auth0's form)", async () => {
    await addProvider("local", idp.metadataUrl);
    idp.setDiscoveryOverride({ issuer: `${idp.issuer}/`, jwks_uri: idp.jwksUri });

    const result = await cli.run(["provider", "test", "local", "--json"]);

    expect(result.code).toBe(0);
    expect(result.json<ProviderTestReport>()).toMatchObject({ issuer: `${idp.issuer}/`, problems: [] });
  });

  it("fails for an unknown provider", async () => {
    const result = await cli.run(["provider", "test", "nobody"]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no provider named nobody");
  });
});

describe("provider test: quirks and persisted state", () => {
  it("reports each quirk it applied: keys without alg or use, an x5c-only key, a stated trailing /, aliases", async () => {
    await addProvider("local", idp.metadataUrl, "--json");
    await cli.run(["provider", "update", "local", "--issuer-aliases", "accounts.example"]);
    const [rsa] = idp.publicJwks().keys;
    const { alg: _alg, use: _use, ...bare } = rsa as Record<string, unknown>;
    idp.setJwksOverride({ keys: [bare] });
    idp.setDiscoveryOverride({ issuer: `${idp.issuer}/`, jwks_uri: idp.jwksUri });

    const result = await cli.run(["provider", "test", "local", "--json"]);

    const report = result.json<ProviderTestReport>();
    expect(report.quirks).toEqual(
      expect.arrayContaining([
        expect.stringContaining("1 key(s) without alg"),
        expect.stringContaining("1 key(s) without use"),
        expect.stringContaining("ends with /"),
        expect.stringContaining("alias accounts.example"),
      ]),
    );
    expect(result.code).toBe(0);
  });

  it("reports a {tenantid} issuer and its tenants", async () => {
    idp.setDiscoveryOverride({ issuer: `${new URL(idp.issuer).origin}/{tenantid}/v2.0`, jwks_uri: idp.jwksUri });
    const added = await cli.run([
      "provider",
      "add",
      "entra",
      "--metadata-url",
      idp.metadataUrl,
      "--client-id",
      "client-1",
      "--issuer",
      `${new URL(idp.issuer).origin}/{tenantid}/v2.0`,
      "--tenants",
      "all",
    ]);
    expect(added.code).toBe(0);
    const report = (await cli.run(["provider", "test", "entra", "--json"])).json<ProviderTestReport>();
    expect(report.quirks).toEqual(expect.arrayContaining([expect.stringContaining("{tenantid}: any tenant")]));
  });

  it("shows the persisted state: fetched at, key ids, fresh or stale; none before the authorizer's first read", async () => {
    await addProvider("local", idp.metadataUrl);
    const before = (await cli.run(["provider", "test", "local", "--json"])).json<ProviderTestReport>();
    expect(before.persisted).toEqual({ state: "none" });

    const authorizer = createAuthorizerFixture(cli.testDynamo, { persistProviderState: true });
    await putUser(cli.testDynamo, { user_name: "alice", email: "alice@example.com" });
    await authorizer.authorize(await idp.mint({ email: "alice@example.com" }));

    const after = (await cli.run(["provider", "test", "local", "--json"])).json<ProviderTestReport>();
    expect(after.persisted).toMatchObject({
      state: "fresh",
      keys: { kids: idp.publicJwks().keys.map((key) => key["kid"]) },
    });
    expect(Date.parse(after.persisted?.keys?.fetchedAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    const text = await cli.run(["provider", "test", "local"]);
    expect(text.stdout).toMatch(/persisted\s+fresh/);
  });
});
