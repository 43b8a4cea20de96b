// A real OpenID provider for development (oidc-provider, a certified implementation) on loopback:
// discovery, JWKS, authorization code + PKCE, ID tokens with profile and email claims and a fresh jti.
// It signs in anyone, with any password: it stands in for your company's provider, it does not guard anything.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import { LOCAL_CLIENT_ID, LOCAL_REDIRECT_URI } from "./local-client";

const LOGIN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

interface LocalOpenIdProvider {
  readonly issuer: string;
  readonly metadataUrl: string;
  close(): Promise<void>;
}

/** The claims a login gets: `alice` is alice@example.com, verified, with a fresh jti in every ID token. */
function accountClaims(login: string): Record<string, unknown> {
  const name = login.charAt(0).toUpperCase() + login.slice(1);
  return {
    sub: login,
    jti: randomUUID(),
    email: `${login}@example.com`,
    email_verified: true,
    preferred_username: login,
    name: `${name} Example`,
    given_name: name,
    family_name: "Example",
  };
}

/** Signing keys, kept in `keysFile` when given so tokens survive a restart of an on-disk stack. */
async function signingKeys(keysFile: string | undefined): Promise<{ keys: Record<string, unknown>[] }> {
  if (keysFile && existsSync(keysFile))
    return JSON.parse(readFileSync(keysFile, "utf8")) as { keys: Record<string, unknown>[] };
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwks = {
    keys: [{ ...(await exportJWK(privateKey)), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" }],
  };
  if (keysFile) writeFileSync(keysFile, JSON.stringify(jwks), { mode: 0o600 });
  return jwks;
}

export async function startLocalOpenIdProvider(options: {
  port: number;
  keysFile?: string;
}): Promise<LocalOpenIdProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: LOCAL_CLIENT_ID,
        application_type: "native",
        token_endpoint_auth_method: "none",
        redirect_uris: [LOCAL_REDIRECT_URI],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    findAccount: async (_ctx: KoaContextWithOIDC, id: string) => ({
      accountId: id,
      claims: async () => accountClaims(id) as { sub: string },
    }),
    // jti under openid makes every ID token carry the account's fresh jti.
    claims: {
      openid: ["sub", "jti"],
      email: ["email", "email_verified"],
      profile: ["name", "given_name", "family_name", "preferred_username"],
    },
    // Put the scope's claims in the ID token itself (code flow): that token is what callers send.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    jwks: (await signingKeys(options.keysFile)) as never,
    cookies: { keys: [randomBytes(32).toString("hex")] },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: 60, IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 86_400, Grant: 86_400 },
  });
  const oidc = provider.callback();

  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const interaction = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(
      new URL(request.url ?? "/", issuer).pathname,
    );
    if (!interaction) return void oidc(request, response);
    void handleInteraction(provider, request, response, interaction[2] !== undefined).catch(() => {
      response.writeHead(400, { "Content-Type": "text/plain" });
      response.end("interaction failed; start again from the authorization endpoint\n");
    });
  });

  return {
    issuer,
    metadataUrl: `${issuer}/.well-known/openid-configuration`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A login form (GET) and its submission (POST): any login name, any password; consent is implied. */
async function handleInteraction(
  provider: Provider,
  request: IncomingMessage,
  response: ServerResponse,
  isSubmission: boolean,
): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  if (details.prompt.name === "consent") {
    // First-party development client: consent to what it asked for, without asking.
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant())
      : new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params["client_id"]) });
    grant.addOIDCScope(String(details.params["scope"] ?? "openid"));
    const missingClaims = details.prompt.details["missingOIDCClaims"];
    if (Array.isArray(missingClaims)) grant.addOIDCClaims(missingClaims as string[]);
    const grantId = await grant.save();
    await provider.interactionFinished(request, response, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (!isSubmission) {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(
      `<!doctype html><title>Local OpenID provider</title><h1>Sign in (development provider)</h1>` +
        `<form method="post" action="/interaction/${details.uid}/login">` +
        `<label>Login <input name="login" autofocus></label> <label>Password <input name="password" type="password"></label>` +
        `<button>Sign in</button></form><p>Any login and password work: alice, admin, or anyone.</p>`,
    );
    return;
  }
  const form = new URLSearchParams(await readText(request));
  const login = (form.get("login") ?? "").trim().toLowerCase();
  if (!LOGIN.test(login)) {
    response.writeHead(400, { "Content-Type": "text/plain" });
    response.end("login: 1-64 of a-z 0-9 . _ -\n");
    return;
  }
  await provider.interactionFinished(
    request,
    response,
    { login: { accountId: login } },
    { mergeWithLastSubmission: false },
  );
}

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > 16 * 1024) throw new Error("form too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
