// explain: the authorizer's decision as a dry run, on the real Okta tokens and on tokens failing at each step.
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExplainReport } from "../../cli/explain-report";
import { putUser } from "../kit/authorizer-fixture";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  OKTA_DOCUMENTS,
  OKTA_ISSUER,
  OKTA_METADATA_URL,
  oktaDocuments,
  readOktaFixture,
  useCliHarness,
  writeTemp,
} from "./cli-fixture";

const token1 = readOktaFixture("id-token-1.jwt");
const token2 = readOktaFixture("id-token-2.jwt");
/** Inside token 1's lifetime: iat + 60 s. */
const AT_TOKEN_1 = "2018-09-26T03:43:06Z";
const AT_TOKEN_2 = String(1544562618 + 60);

const cli = useCliHarness();
let idp: TestIssuer;
beforeAll(async () => {
  idp = await startTestIssuer({ algs: ["RS256"] });
});
afterAll(() => idp?.close());

const addOkta = (...flags: string[]) =>
  cli.run(
    [
      "provider",
      "add",
      "okta",
      "--metadata-url",
      OKTA_METADATA_URL,
      "--issuer",
      OKTA_ISSUER,
      "--client-id",
      "0oagd8o97kiBOwpwB0h7",
      ...flags,
    ],
    { fetcher: oktaDocuments },
  );
const addOktaUser = () =>
  putUser(cli.testDynamo, { user_name: "oauth.admin", email: "imron543@gmail.com", roles: ["admin"] });
const explainOkta = (token: string, ...flags: string[]) =>
  cli.run(["explain", token, "--provider", "okta", "--documents", OKTA_DOCUMENTS, ...flags]);
const segmentsOf = (token: string): string[] => token.split(".");

function expectNoTokenBytes(output: string, token: string): void {
  for (const segment of segmentsOf(token)) expect(output).not.toContain(segment);
}

describe("explain on the real Okta tokens", () => {
  beforeEach(async () => {
    await addOkta("--jti-verification");
    await addOktaUser();
  });

  it("allows token 1 with the clock pinned inside its lifetime, step by step", async () => {
    const result = await explainOkta(token1, "--at", AT_TOKEN_1);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Clock: 2018-09-26T03:43:06.000Z (pinned with --at)");
    expect(result.stdout).toMatch(/alg\s+RS256/);
    expect(result.stdout).toMatch(/kid\s+c56me9WSLOVv7PS0q88C9uoIs61Pa7fPn2dUE9oQ5H8/);
    expect(result.stdout).toMatch(/email\s+"imron543@gmail\.com"/);
    const steps = result.stdout.split("\n").filter((line) => /^\s+\d+\. /.test(line));
    // The provider is chosen from the config alone, so discovery comes after the match; a user found by the
    // user claim is then bound to the token's identity (a dry run: not written).
    expect(
      steps.map((line) =>
        line
          .replace(/^\s+\d+\. /, "")
          .split(" ")
          .slice(0, 2)
          .join(" "),
      ),
    ).toEqual([
      "Provider okta",
      "JWT info.",
      "Discovery document",
      "Key set",
      "JWT token",
      "Going to",
      "All claims",
      "jti claim",
      "User lookup",
      "User bound",
      "HTTP authorization",
    ]);
    expect(result.stdout).toContain("Provisioning: not configured (autoProvision.enabled is false)");
    expect(result.stdout).toMatch(
      /Decision: allow \(authenticated\) as oauth\.admin, sys_id [0-9a-f]{32}, roles admin, provider okta/,
    );
    expectNoTokenBytes(result.stdout + result.stderr, token1);
  });

  it("consumes nothing: explained twice, allowed twice, and the jti table stays empty", async () => {
    const first = await explainOkta(token1, "--at", AT_TOKEN_1);
    const second = await explainOkta(token1, "--at", AT_TOKEN_1);
    const other = await explainOkta(token2, "--at", AT_TOKEN_2);

    expect([first.code, second.code, other.code]).toEqual([0, 0, 0]);
    expect(await cli.items("jti")).toEqual([]);
    const users = await cli.items("users");
    expect(users).toHaveLength(1);
    // The user claim found the user and explain bound it in the dry run only: nothing bound in the table.
    expect(users[0]).not.toHaveProperty("oidc_subject");
    expect(users[0]).not.toHaveProperty("oidc_identity");
  });

  it("refuses as replayed a token whose jti the authorizer has recorded", async () => {
    const jti = "ID.y8UuzV5H6nmzK4l925DUkBrhGZ52bsUZFTtULJaB87k";
    await cli.dynamo.doc.send(
      new PutCommand({
        TableName: cli.tables.jti,
        Item: { pk: `https://dev-934121.oktapreview.com#jti#${jti}`, expiresAt: 1537936926 + 60 },
      }),
    );

    const result = await explainOkta(token1, "--at", AT_TOKEN_1, "--json");

    expect(result.code).toBe(1);
    expect(result.json<ExplainReport>().decision.reason).toBe("jti_replayed");
  });

  it.each([
    ["token 1", token1],
    ["token 2", token2],
  ])("denies %s at today's clock as expired", async (_, token) => {
    const result = await explainOkta(token, "--json");

    expect(result.code).toBe(1);
    const report = result.json<ExplainReport>();
    expect(report.clock.pinned).toBe(false);
    expect(report.decision).toMatchObject({ outcome: "deny", reason: "token_expired", provider: "okta" });
    expectNoTokenBytes(result.stdout, token);
  });

  it("serves the documents through an injected fetcher as well, with no --provider", async () => {
    const result = await cli.run(["explain", token1, "--at", AT_TOKEN_1, "--json"], { fetcher: oktaDocuments });

    expect(result.code).toBe(0);
    expect(result.json<ExplainReport>().decision).toMatchObject({
      outcome: "allow",
      reason: "authenticated",
      kid: "c56me9WSLOVv7PS0q88C9uoIs61Pa7fPn2dUE9oQ5H8",
    });
  });

  it("reads the token from standard input (-) or a file, and accepts a pasted `Bearer ` header value", async () => {
    const tokenFile = writeTemp("token.jwt", `${token1}\n`);
    const flags = ["--provider", "okta", "--documents", OKTA_DOCUMENTS, "--at", AT_TOKEN_1];

    const fromStdin = await cli.run(["explain", "-", ...flags], { stdinText: `Bearer ${token1}\n` });
    const fromFile = await cli.run(["explain", "--token-file", tokenFile, ...flags]);

    expect([fromStdin.code, fromFile.code]).toEqual([0, 0]);
    expectNoTokenBytes(fromStdin.stdout + fromFile.stdout, token1);
  });

  it("prints one JSON document with --json, without the token", async () => {
    const result = await explainOkta(token1, "--at", AT_TOKEN_1, "--json");

    const report = result.json<ExplainReport>();
    expect(report.token.header).toEqual({ alg: "RS256", kid: "c56me9WSLOVv7PS0q88C9uoIs61Pa7fPn2dUE9oQ5H8" });
    expect(report.token.claims).toMatchObject({
      name: "imran ali",
      jti: "ID.y8UuzV5H6nmzK4l925DUkBrhGZ52bsUZFTtULJaB87k",
    });
    expect(report.user).toMatchObject({ user_name: "oauth.admin", roles: ["admin"] });
    expect(report.steps.length).toBeGreaterThan(5);
    expectNoTokenBytes(result.stdout, token1);
  });
});

describe("explain on tokens that fail at each step", () => {
  it("unknown issuer: a token from a provider nobody registered", async () => {
    await addOkta();
    const token = await idp.mint({ email: "imron543@gmail.com" });

    const result = await cli.run(["explain", token, "--json"], { fetcher: oktaDocuments });

    expect(result.code).toBe(1);
    expect(result.json<ExplainReport>().decision.reason).toBe("unknown_issuer");
  });

  it("with --provider, an iss that is not that provider's is an error", async () => {
    await addOkta();
    const token = await idp.mint({});

    const result = await explainOkta(token);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Decision: deny (unknown_issuer)");
    expect(result.stderr).toContain(`the token's iss (${idp.issuer}) is not provider okta's issuer`);
  });

  it("bad signature: one byte of token 1's signature changed", async () => {
    await addOkta();
    await addOktaUser();
    const i = token1.length - 20;
    const tampered = token1.slice(0, i) + (token1[i] === "A" ? "B" : "A") + token1.slice(i + 1);

    const result = await explainOkta(tampered, "--at", AT_TOKEN_1);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED signature_invalid/);
    expect(result.stdout).toContain("Decision: deny (signature_invalid)");
    expectNoTokenBytes(result.stdout + result.stderr, tampered);
  });

  it("claim rule mismatch: name = 'someone else', each rule shown with its result", async () => {
    await addOkta(
      "--claim-validations",
      JSON.stringify([
        { claim: "email_verified", operator: "equals", value: true },
        { claim: "name", operator: "equals", value: "someone else" },
      ]),
    );
    await addOktaUser();

    const result = await explainOkta(token1, "--at", AT_TOKEN_1);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Going to verify claims:[email_verified,name]");
    expect(result.stdout).toContain("pass  email_verified equals true");
    expect(result.stdout).toContain('FAIL  name equals "someone else"');
    expect(result.stdout).toContain("Decision: deny (claim_mismatch): claim rule failed: name equals");
  });

  it("user not found, with provisioning not configured", async () => {
    await addOkta();

    const result = await explainOkta(token1, "--at", AT_TOKEN_1, "--json");

    expect(result.code).toBe(1);
    const report = result.json<ExplainReport>();
    expect(report.decision.reason).toBe("user_not_found");
    expect(report.steps.at(-1)?.message).toBe("User lookup email -> email: no user");
    expect(report.provisioning).toBe("not configured (autoProvision.enabled is false)");
  });

  it("user not found but auto-provisioning on: says what would be created, and creates nothing", async () => {
    await addOkta("--auto-provision");

    const result = await explainOkta(token1, "--at", AT_TOKEN_1, "--json");

    expect(result.code).toBe(0);
    const report = result.json<ExplainReport>();
    expect(report.provisioning).toMatch(/^would create user [0-9a-f]{32} \(dry run: not created\)/);
    expect(report.provisioning).toContain('"user_name":"imron543@gmail.com"');
    expect(report.provisioning).toContain('"first_name":"imran"');
    expect(report.user).toMatchObject({ user_name: "imron543@gmail.com" });
    expect(await cli.items("users")).toEqual([]);
  });

  it("a user bound to the token's identity is found by it, whatever the user claim says", async () => {
    await addOkta();
    const sub = "00ugd8585ds25YzTJ0h7";
    await putUser(cli.testDynamo, {
      user_name: "bound.admin",
      email: "elsewhere@example.com",
      oidc_issuer: OKTA_ISSUER,
      oidc_subject: sub,
      oidc_provider: "okta",
    });

    const result = await explainOkta(token1, "--at", AT_TOKEN_1, "--json");

    expect(result.code).toBe(0);
    const report = result.json<ExplainReport>();
    expect(report.steps.map((step) => step.message)).toContain(
      "User found by the token's identity (iss + sub): 'bound.admin'",
    );
    expect(report.steps.map((step) => step.message).filter((message) => message.startsWith("User lookup"))).toEqual([]);
    expect(report.user).toMatchObject({ user_name: "bound.admin" });
  });

  it("a user the user claim finds but bound to another identity: identity_conflict", async () => {
    await addOkta();
    await putUser(cli.testDynamo, {
      user_name: "oauth.admin",
      email: "imron543@gmail.com",
      oidc_issuer: OKTA_ISSUER,
      oidc_subject: "someone-else",
      oidc_provider: "okta",
    });

    const result = await explainOkta(token1, "--at", AT_TOKEN_1, "--json");

    expect(result.code).toBe(1);
    expect(result.json<ExplainReport>().decision).toMatchObject({ outcome: "deny", reason: "identity_conflict" });
  });

  it("a malformed token: no header to show, token_malformed", async () => {
    const result = await cli.run(["explain", "not-a-jwt"]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("(not a compact JWS with a JSON header and payload)");
    expect(result.stdout).toContain("Decision: deny (token_malformed)");
  });

  it("a loopback issuer, fetched for real: allowed", async () => {
    await cli.run(["provider", "add", "local", "--metadata-url", idp.metadataUrl, "--client-id", "client-1"]);
    await putUser(cli.testDynamo, { user_name: "local.user", email: "someone@example.com" });
    const token = await idp.mint({ email: "someone@example.com" });

    const result = await cli.run(["explain", "-"], { stdinText: token });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Discovery document (fetched) ${idp.metadataUrl}`);
    expect(result.stdout).toContain("Decision: allow (authenticated) as local.user");
    expectNoTokenBytes(result.stdout, token);
  });
});

describe("explain usage", () => {
  it("needs exactly one token source, a valid --at, and --provider with --documents", async () => {
    const none = await cli.run(["explain"]);
    const both = await cli.run(["explain", token1, "--token-file", "x"]);
    const badAt = await cli.run(["explain", token1, "--at", "yesterday-ish"]);
    const documents = await cli.run(["explain", token1, "--documents", OKTA_DOCUMENTS]);

    expect([none.code, both.code, badAt.code, documents.code]).toEqual([2, 2, 2, 2]);
    expect(badAt.stderr).toContain("--at yesterday-ish");
    expect(documents.stderr).toContain("--documents needs --provider");
    expectNoTokenBytes(both.stderr + badAt.stderr + documents.stderr, token1);
  });

  it("a --provider that does not exist fails before anything runs", async () => {
    const result = await explainOkta(token1);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no provider named okta");
  });
});
