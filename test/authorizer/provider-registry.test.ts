// Which providers can be told apart by a token: providers of one issuer share its metadata URL and differ in client id.
import { describe, expect, it } from "vitest";
import { usableProviders } from "../../functions/authorizer/provider-registry";
import { acceptedIssuers, providerSchema, type ProviderInput } from "../../functions/config/schema";
import { capturingLogger } from "../kit/authorizer-fixture";

const provider = (input: Partial<ProviderInput> & { name: string }) =>
  providerSchema.parse({
    metadataUrl: "https://idp.example/.well-known/openid-configuration",
    clientId: input.name,
    ...input,
  });

describe("usableProviders", () => {
  it("keeps two clients of one issuer that share its metadata URL", () => {
    const logger = capturingLogger();
    const kept = usableProviders([provider({ name: "app-a" }), provider({ name: "app-b" })], logger);
    expect(kept.map((p) => p.name)).toEqual(["app-a", "app-b"]);
    expect(logger.lines).toEqual([]);
  });

  it("disables providers that claim one issuer from different metadata URLs, with an error line each", () => {
    const logger = capturingLogger();
    const corp = provider({ name: "corp" });
    // An admin pinning corp's issuer on another host's document would let that host sign as corp.
    const pinned = provider({
      name: "pinned",
      metadataUrl: "https://elsewhere.example/.well-known/openid-configuration",
      issuer: "https://idp.example",
    });
    const other = provider({ name: "other", metadataUrl: "https://other.example/.well-known/openid-configuration" });

    expect(usableProviders([corp, pinned, other], logger).map((p) => p.name)).toEqual(["other"]);
    expect(
      logger.lines.map((line) => [line.level, line.message, (line.attributes[0] as { provider: string }).provider]),
    ).toEqual([
      ["error", "provider disabled: shares its issuer with another provider", "corp"],
      ["error", "provider disabled: shares its issuer with another provider", "pinned"],
    ]);
  });

  it("disables providers of one issuer with the same client id (a token could not say which it is for)", () => {
    const logger = capturingLogger();
    const kept = usableProviders(
      [provider({ name: "one", clientId: "c" }), provider({ name: "two", clientId: "c" })],
      logger,
    );
    expect(kept).toEqual([]);
    expect(logger.lines).toHaveLength(2);
  });

  it("ignores inactive providers, so disabling one of a clashing pair restores the other", () => {
    const logger = capturingLogger();
    const kept = usableProviders(
      [provider({ name: "one", clientId: "c" }), provider({ name: "two", clientId: "c", active: false })],
      logger,
    );
    expect(kept.map((p) => p.name)).toEqual(["one"]);
  });
});

describe("acceptedIssuers", () => {
  it.each([
    [
      "https://idp.example/.well-known/openid-configuration",
      undefined,
      ["https://idp.example", "https://idp.example/"],
    ],
    [
      "https://idp.example/realms/acme/.well-known/openid-configuration",
      undefined,
      ["https://idp.example/realms/acme", "https://idp.example/realms/acme/"],
    ],
    ["https://idp-admin.example/.well-known/openid-configuration", "https://idp.example", ["https://idp.example"]],
  ])("%s (pinned %s)", (metadataUrl, issuer, expected) => {
    expect(acceptedIssuers({ metadataUrl, issuer })).toEqual(expected);
  });

  it("requires a pinned issuer when the metadata URL is not a well-known discovery URL", () => {
    const parsed = providerSchema.safeParse({
      name: "x",
      metadataUrl: "https://idp.example/discovery?appid=1",
      clientId: "c",
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["issuer"]);
    expect(
      providerSchema.safeParse({
        name: "x",
        metadataUrl: "https://idp.example/discovery?appid=1",
        clientId: "c",
        issuer: "https://idp.example",
      }).success,
    ).toBe(true);
  });
});
