// Gets a real ID token from an OpenID provider through authorization code + PKCE, headless: follows the
// redirects, signs in at the local provider's login form, and redeems the code.
import { createHash, randomBytes } from "node:crypto";
import { LOCAL_CLIENT_ID, LOCAL_REDIRECT_URI } from "./local-client";

const MAX_REDIRECTS = 10;

class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const separator = pair?.indexOf("=") ?? -1;
      if (pair && separator > 0) this.cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

export async function fetchIdToken(issuer: string, login: string): Promise<string> {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };
  const verifier = randomBytes(32).toString("base64url");
  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: LOCAL_CLIENT_ID,
    redirect_uri: LOCAL_REDIRECT_URI,
    response_type: "code",
    scope: "openid email profile",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state: randomBytes(8).toString("hex"),
    nonce: randomBytes(8).toString("hex"),
  }).toString();

  const jar = new CookieJar();
  let location = authorize.href;
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < MAX_REDIRECTS && !location.startsWith(LOCAL_REDIRECT_URI); hop++) {
    const response = await fetch(location, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: { cookie: jar.header(), ...(form && { "content-type": "application/x-www-form-urlencoded" }) },
      body: form?.toString(),
    });
    jar.take(response);
    form = undefined;
    const next = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && next) {
      location = new URL(next, location).href;
    } else if (response.status === 200 && location.includes("/interaction/")) {
      await response.body?.cancel();
      location = `${location.replace(/\/$/, "")}/login`;
      form = new URLSearchParams({ login, password: "local" });
    } else {
      throw new Error(
        `sign-in failed at ${new URL(location).pathname}: HTTP ${response.status} ${await response.text()}`,
      );
    }
  }
  const code = new URL(location).searchParams.get("code");
  if (!code)
    throw new Error(`no authorization code: ${new URL(location).searchParams.get("error") ?? "unknown error"}`);

  const tokenResponse = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: LOCAL_REDIRECT_URI,
      client_id: LOCAL_CLIENT_ID,
      code_verifier: verifier,
    }),
  });
  const tokens = (await tokenResponse.json()) as { id_token?: string; error?: string; error_description?: string };
  if (!tokens.id_token)
    throw new Error(`token request failed: ${tokens.error ?? tokenResponse.status} ${tokens.error_description ?? ""}`);
  return tokens.id_token;
}
