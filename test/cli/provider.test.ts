// provider add|update|show|list|remove|enable|disable against dynalite: validated before any write, conditional writes.
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JsonFetcher } from "../../functions/authorizer/http";
import { providerKey, providerSchema } from "../../functions/config/schema";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { OKTA_ISSUER, oktaDocuments, useCliHarness, writeTemp as tempFile } from "./cli-fixture";

const OKTA_FLAGS = [
  "--metadata-url",
  "https://dev-934121-admin.oktapreview.com/.well-known/openid-configuration",
  "--client-id",
  "0oagd8o97kiBOwpwB0h7",
];
const okta = providerSchema.parse({
  name: "okta",
  metadataUrl: "https://dev-934121-admin.oktapreview.com/.well-known/openid-configuration",
  clientId: "0oagd8o97kiBOwpwB0h7",
});

const cli = useCliHarness();

describe("provider add", () => {
  it("stores the parsed provider, defaults applied, under provider#<name>", async () => {
    const result = await cli.run(["provider", "add", "okta", ...OKTA_FLAGS, "--json"]);

    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ provider: okta });
    expect(await cli.items("config")).toEqual([{ pk: providerKey("okta"), ...okta }]);
  });

  it("reads a JSON file, and flags override its fields", async () => {
    const file = tempFile("provider.json", {
      name: "okta",
      metadataUrl: okta.metadataUrl,
      clientId: "from-file",
      enableJtiVerification: true,
    });

    const result = await cli.run(["provider", "add", "--file", file, "--client-id", "from-flag", "--json"]);

    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ provider: { ...okta, clientId: "from-flag", enableJtiVerification: true } });
  });

  it("reads the file from standard input with --file -", async () => {
    const result = await cli.run(["provider", "add", "okta", "--file", "-"], {
      stdinText: JSON.stringify({ metadataUrl: okta.metadataUrl, clientId: okta.clientId }),
    });

    expect(result.code).toBe(0);
    expect(await cli.items("config")).toEqual([{ pk: providerKey("okta"), ...okta }]);
  });

  it("maps every field flag onto its schema field", async () => {
    const result = await cli.run([
      "provider",
      "add",
      "kc",
      "--metadata-url",
      "https://kc.example/realms/a/.well-known/openid-configuration",
      "--client-id",
      "api",
      "--client-secret-ref",
      "arn:aws:secretsmanager:eu-west-1:1:secret:kc",
      "--user-claim",
      "preferred_username",
      "--user-field",
      "user_name",
      "--jti-verification",
      "--claim-validations",
      '[{"claim":"email_verified","operator":"equals","value":true}]',
      "--auto-provision",
      "--algorithms",
      "RS256, ES256",
      "--clock-skew",
      "30",
      "--issuer",
      "https://kc.example/realms/a",
      "--accept-missing-email-verified",
      "--link-to-providers",
      "okta, azure",
      "--json",
    ]);

    expect(result.code).toBe(0);
    expect(result.json<{ provider: Record<string, unknown> }>().provider).toMatchObject({
      clientSecretRef: "arn:aws:secretsmanager:eu-west-1:1:secret:kc",
      userClaim: "preferred_username",
      userField: "user_name",
      enableJtiVerification: true,
      claimValidations: [{ claim: "email_verified", operator: "equals", value: true }],
      autoProvision: { enabled: true },
      allowedAlgorithms: ["RS256", "ES256"],
      clockSkewSeconds: 30,
      issuer: "https://kc.example/realms/a",
      acceptMissingEmailVerified: true,
      linkToProviders: ["okta", "azure"],
    });
  });

  it("refuses invalid input naming each field and what it allows, and writes nothing", async () => {
    const result = await cli.run([
      "provider",
      "add",
      "okta",
      "--metadata-url",
      "not a url",
      "--client-id",
      "c",
      "--user-field",
      "mail",
      "--clock-skew",
      "soon",
      "--algorithms",
      "HS256",
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("metadataUrl: Invalid URL");
    expect(result.stderr).toMatch(/userField: .*"email"/);
    expect(result.stderr).toContain("clockSkewSeconds");
    expect(result.stderr).toMatch(/allowedAlgorithms\.0: .*"RS256"/);
    expect(await cli.items("config")).toEqual([]);
  });

  it("refuses unknown fields (a client secret has no place here)", async () => {
    const file = tempFile("provider.json", {
      name: "okta",
      metadataUrl: okta.metadataUrl,
      clientId: "c",
      clientSecret: "s3cret",
    });

    const result = await cli.run(["provider", "add", "--file", file]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unrecognized key: "clientSecret"');
    expect(result.stderr).not.toContain("s3cret");
    expect(await cli.items("config")).toEqual([]);
  });

  it("refuses a file that is not JSON, and a name that disagrees with the file", async () => {
    const notJson = await cli.run(["provider", "add", "okta", "--file", tempFile("p.json", "{nope")]);
    const renamed = await cli.run([
      "provider",
      "add",
      "okta",
      "--file",
      tempFile("p.json", { ...okta, name: "other" }),
    ]);

    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain("is not JSON");
    expect(renamed.code).toBe(1);
    expect(renamed.stderr).toContain("name:");
    expect(await cli.items("config")).toEqual([]);
  });

  it("fails when the provider exists, leaving it as it was", async () => {
    await cli.run(["provider", "add", "okta", ...OKTA_FLAGS]);

    const result = await cli.run(["provider", "add", "okta", ...OKTA_FLAGS.slice(0, 2), "--client-id", "other"]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("already exists");
    expect(await cli.items("config")).toEqual([{ pk: providerKey("okta"), ...okta }]);
  });

  it("warns when the metadata URL is http outside loopback (stored: the schema allows it, the authorizer will not fetch it)", async () => {
    const result = await cli.run([
      "provider",
      "add",
      "plain",
      "--metadata-url",
      "http://idp.example/.well-known/openid-configuration",
      "--client-id",
      "c",
    ]);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain("warning: metadataUrl: only https URLs are allowed");
  });
});

describe("provider update, enable, disable", () => {
  beforeEach(async () => {
    await cli.run(["provider", "add", "okta", ...OKTA_FLAGS, "--client-secret-ref", "arn:aws:secretsmanager:x"]);
  });

  it("merges the given fields into the stored provider and keeps the rest", async () => {
    const result = await cli.run([
      "provider",
      "update",
      "okta",
      "--user-claim",
      "preferred_username",
      "--jti-verification",
      "--json",
    ]);

    expect(result.code).toBe(0);
    expect(result.json()).toEqual({
      provider: {
        ...okta,
        clientSecretRef: "arn:aws:secretsmanager:x",
        userClaim: "preferred_username",
        enableJtiVerification: true,
      },
    });
  });

  it("turns a boolean off with --no-<flag> and removes a field with --unset", async () => {
    await cli.run(["provider", "update", "okta", "--jti-verification"]);

    const result = await cli.run([
      "provider",
      "update",
      "okta",
      "--no-jti-verification",
      "--unset",
      "clientSecretRef",
      "--json",
    ]);

    expect(result.json()).toEqual({ provider: okta });
  });

  it("--link-to-providers '' clears the links, --no-accept-missing-email-verified turns it off", async () => {
    await cli.run(["provider", "update", "okta", "--link-to-providers", "azure", "--accept-missing-email-verified"]);

    const result = await cli.run([
      "provider",
      "update",
      "okta",
      "--link-to-providers",
      "",
      "--no-accept-missing-email-verified",
      "--json",
    ]);

    expect(result.json()).toMatchObject({ provider: { linkToProviders: [], acceptMissingEmailVerified: false } });
  });

  it("--auto-provision switches autoProvision.enabled only, keeping the transform map and roles", async () => {
    const settings = { transformMap: { user_name: "preferred_username" }, defaultRoles: ["itil"] };
    await cli.run(["provider", "update", "okta", "--file", tempFile("p.json", { autoProvision: settings })]);

    const result = await cli.run(["provider", "update", "okta", "--auto-provision", "--json"]);

    expect(result.json()).toMatchObject({ provider: { autoProvision: { ...settings, enabled: true } } });
  });

  it("re-validates the whole provider and writes nothing when it is invalid", async () => {
    const before = await cli.items("config");

    const result = await cli.run(["provider", "update", "okta", "--user-field", "phone"]);
    const unsetUnknown = await cli.run(["provider", "update", "okta", "--unset", "colour"]);
    const rename = await cli.run(["provider", "update", "okta", "--file", tempFile("p.json", { name: "renamed" })]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("userField");
    expect(unsetUnknown.code).toBe(1);
    expect(unsetUnknown.stderr).toContain("colour");
    expect(rename.code).toBe(1);
    expect(rename.stderr).toContain("cannot be renamed");
    expect(await cli.items("config")).toEqual(before);
  });

  it("fails for a provider that does not exist, creating nothing", async () => {
    const result = await cli.run(["provider", "update", "nobody", "--client-id", "x"]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no provider named nobody");
    expect(await cli.items("config")).toHaveLength(1);
  });

  it("disable and enable set active", async () => {
    const disabled = await cli.run(["provider", "disable", "okta", "--json"]);
    const listed = await cli.run(["provider", "list"]);
    const enabled = await cli.run(["provider", "enable", "okta", "--json"]);

    expect(disabled.json()).toMatchObject({ provider: { active: false } });
    expect(listed.stdout).toMatch(/okta\s+disabled/);
    expect(enabled.json()).toMatchObject({ provider: { active: true } });
  });
});

describe("provider show, list, remove", () => {
  it("shows one provider's fields, rules and nested settings", async () => {
    await cli.run([
      "provider",
      "add",
      "okta",
      ...OKTA_FLAGS,
      "--claim-validations",
      '[{"claim":"name","operator":"equals","value":"imran ali"}]',
    ]);

    const human = await cli.run(["provider", "show", "okta"]);
    const json = await cli.run(["provider", "show", "okta", "--json"]);

    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/clientId\s+0oagd8o97kiBOwpwB0h7/);
    expect(human.stdout).toMatch(/claimValidations\s+name equals "imran ali"/);
    expect(human.stdout).toMatch(/autoProvision\.enabled\s+false/);
    expect(json.json()).toMatchObject({ provider: { name: "okta", claimValidations: [{ claim: "name" }] } });
  });

  it("lists providers by name, and items the authorizer ignores with the reason", async () => {
    await cli.run(["provider", "add", "zeta", ...OKTA_FLAGS]);
    await cli.run(["provider", "add", "alpha", ...OKTA_FLAGS]);
    await cli.dynamo.doc.send(
      new PutCommand({
        TableName: cli.tables.config,
        Item: { pk: providerKey("typo"), name: "typo", metadataUrl: "x", clientId: "c" },
      }),
    );

    const human = await cli.run(["provider", "list"]);
    const json = await cli.run(["provider", "list", "--json"]);
    const show = await cli.run(["provider", "show", "typo"]);

    expect(
      human.stdout
        .trimEnd()
        .split("\n")
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(["NAME", "alpha", "zeta", "typo"]);
    expect(human.stdout).toMatch(/typo\s+INVALID\s+metadataUrl/);
    const listed = json.json<{ providers: { name: string }[]; invalid: { pk: string; problems: string }[] }>();
    expect(listed.providers.map((p) => p.name)).toEqual(["alpha", "zeta"]);
    expect(listed.invalid).toEqual([{ pk: providerKey("typo"), problems: expect.stringContaining("metadataUrl") }]);
    expect(show.code).toBe(1);
    expect(show.stdout).toContain("INVALID");
  });

  it("says so when there are none", async () => {
    expect((await cli.run(["provider", "list"])).stdout).toBe("no providers\n");
  });

  it("removes a provider; removing it again fails", async () => {
    await cli.run(["provider", "add", "okta", ...OKTA_FLAGS]);

    const removed = await cli.run(["provider", "remove", "okta"]);
    const again = await cli.run(["provider", "remove", "okta"]);
    const show = await cli.run(["provider", "show", "okta"]);

    expect(removed.code).toBe(0);
    expect(await cli.items("config")).toEqual([]);
    expect(again.code).toBe(1);
    expect(show.code).toBe(1);
    expect(show.stderr).toContain("no provider named okta");
  });
});

describe("provider add and update: the issuer the discovery document states (OpenID Connect Discovery 4.3)", () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await startTestIssuer({ algs: ["RS256"] });
  });
  afterAll(() => idp?.close());
  beforeEach(() => {
    idp.setDown(false);
    idp.setDiscoveryOverride(null);
  });
  const addLocal = (...flags: string[]) =>
    cli.run(["provider", "add", "local", "--metadata-url", idp.metadataUrl, "--client-id", "client-1", ...flags]);
  const errorOf = (stderr: string) =>
    (JSON.parse(stderr) as { error: { code: string; message: string; problems?: string[] } }).error;

  it("refuses the Okta -admin metadata URL without a pinned issuer, naming the --issuer that fixes it, and writes nothing", async () => {
    const result = await cli.run(["provider", "add", "okta", ...OKTA_FLAGS, "--json"], { fetcher: oktaDocuments });

    expect(result.code).toBe(1);
    const error = errorOf(result.stderr);
    expect(error.code).toBe("invalid");
    expect(error.message).toContain(`states issuer ${OKTA_ISSUER}, not the issuer its metadata URL implies`);
    expect(error.problems).toEqual([expect.stringContaining(`pin it: --issuer ${OKTA_ISSUER}`)]);
    expect(await cli.items("config")).toEqual([]);
  });

  it("accepts it once the issuer is pinned, without a warning", async () => {
    const result = await cli.run(["provider", "add", "okta", ...OKTA_FLAGS, "--issuer", OKTA_ISSUER, "--json"], {
      fetcher: oktaDocuments,
    });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(await cli.items("config")).toEqual([{ pk: providerKey("okta"), ...okta, issuer: OKTA_ISSUER }]);
  });

  it("accepts the issuer the metadata URL implies, with or without the one trailing /", async () => {
    const plain = await addLocal();
    idp.setDiscoveryOverride({ issuer: `${idp.issuer}/`, jwks_uri: idp.jwksUri });
    const slashed = await cli.run(["provider", "update", "local", "--client-id", "client-2"]);

    expect([plain.code, slashed.code]).toEqual([0, 0]);
    expect(plain.stderr + slashed.stderr).toBe("");
  });

  it("warns, and still writes, when the document advertises none of the allowed algorithms", async () => {
    idp.setDiscoveryOverride({
      issuer: idp.issuer,
      jwks_uri: idp.jwksUri,
      id_token_signing_alg_values_supported: ["RS256"],
    });
    const result = await addLocal("--algorithms", "ES256,EdDSA");

    expect(result.code).toBe(0);
    expect(result.stderr).toContain("advertises ID token algorithms RS256, none of the allowed ones (ES256, EdDSA)");
    expect(await cli.items("config")).toHaveLength(1);
    expect((await addLocal("--algorithms", "RS256")).stderr).not.toContain("advertises");
  });

  it("refuses an update that would make the stated issuer unacceptable, keeping the stored provider", async () => {
    await cli.run(["provider", "add", "okta", ...OKTA_FLAGS, "--issuer", OKTA_ISSUER], { fetcher: oktaDocuments });
    const before = await cli.items("config");

    const unpinned = await cli.run(["provider", "update", "okta", "--unset", "issuer"], { fetcher: oktaDocuments });
    const mispinned = await cli.run(
      ["provider", "update", "okta", "--issuer", "https://dev-934121-admin.oktapreview.com"],
      {
        fetcher: oktaDocuments,
      },
    );

    expect([unpinned.code, mispinned.code]).toEqual([1, 1]);
    expect(unpinned.stderr).toContain(`--issuer ${OKTA_ISSUER}`);
    expect(mispinned.stderr).toContain("not the pinned issuer (https://dev-934121-admin.oktapreview.com)");
    expect(mispinned.stderr).toContain(`--issuer ${OKTA_ISSUER}`);
    expect(await cli.items("config")).toEqual(before);
  });

  it("warns and writes when the document cannot be fetched (an IdP may be registered before it is up)", async () => {
    idp.setDown(true);

    const result = await addLocal();

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: issuer not checked \(.*503/);
    expect(await cli.items("config")).toHaveLength(1);
  });

  it("with --no-check fetches nothing and writes", async () => {
    const fetched: string[] = [];
    const recording: JsonFetcher = {
      fetchJson: async (url) => {
        fetched.push(url);
        return oktaDocuments.fetchJson(url);
      },
    };

    const added = await cli.run(["provider", "add", "okta", ...OKTA_FLAGS, "--no-check"], { fetcher: recording });
    const updated = await cli.run(["provider", "update", "okta", "--client-id", "other", "--no-check"], {
      fetcher: recording,
    });

    expect([added.code, updated.code]).toEqual([0, 0]);
    expect(fetched).toEqual([]);
  });

  it("bounds and escapes the stated issuer, and offers no --issuer it cannot give exactly", async () => {
    await addLocal();
    const long = `${idp.issuer}/${"x".repeat(5000)}`;
    idp.setDiscoveryOverride({ issuer: long, jwks_uri: idp.jwksUri });
    const longResult = await cli.run(["provider", "update", "local", "--client-id", "c2", "--json"]);
    const escaping = `${idp.issuer}/\u001b[2J\u202e`;
    idp.setDiscoveryOverride({ issuer: escaping, jwks_uri: idp.jwksUri });
    const escapingResult = await cli.run(["provider", "update", "local", "--client-id", "c2"]);

    expect([longResult.code, escapingResult.code]).toEqual([1, 1]);
    const error = errorOf(longResult.stderr);
    expect(error.message.length).toBeLessThan(600);
    expect(error.problems).toEqual([expect.stringContaining("cannot be pinned")]);
    expect(escapingResult.stderr).not.toContain("\u001b");
    expect(escapingResult.stderr).not.toContain("\u202e");
    expect(escapingResult.stderr).toContain("\\u{1b}[2J\\u{202e}");
    expect(escapingResult.stderr).toContain("cannot be pinned");
  });
});
