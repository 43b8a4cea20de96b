// A real OpenID provider on 127.0.0.1 (discovery + JWKS over node:http, tokens signed by jose) for tests.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from "jose";

export type KeyAlg = "RS256" | "ES256" | "EdDSA" | "RS384" | "PS256" | "ES384";

export interface MintOptions {
  /** Signing algorithm; defaults to the first of `algs`. */
  alg?: KeyAlg;
  /** Header kid: undefined = the key's published kid, null = no kid at all, a string = that kid. */
  kid?: string | null;
  /** Extra protected-header parameters (e.g. { typ: "at+jwt" }); `alg` is not allowed here. */
  header?: Record<string, unknown>;
  /** "foreign" signs with an unpublished key under the published kid; "retired" with the key before the last rotate. */
  key?: "current" | "retired" | "foreign";
  /** Clock for the default iat/exp, in epoch seconds. */
  nowSec?: number;
}

export interface TestIssuer {
  readonly issuer: string;
  /** `${issuer}/.well-known/openid-configuration` (OIDC Discovery 4.1: the path is appended to the issuer). */
  readonly metadataUrl: string;
  /** `${origin}/keys`. */
  readonly jwksUri: string;
  /** Requests received per document, counted on arrival, so failed and slow ones count too. */
  readonly requests: { discovery: number; jwks: number };
  /**
   * Sign an ID token. Defaults: iss, sub "user-1", aud clientId, iat now, exp now+300, random jti, and
   * email_verified true (as a provider that verified the address sends it); a claim set to undefined is removed.
   */
  mint(claims?: Record<string, unknown>, opts?: MintOptions): Promise<string>;
  /** Add a fresh key per alg and sign with it; older keys stay published unless dropOld (they stay usable via key: "retired"). */
  rotate(opts?: { dropOld?: boolean }): Promise<void>;
  /** Serve this JWKS document instead of the real one (a string is sent verbatim, e.g. invalid JSON); null restores it. */
  setJwksOverride(doc: unknown): void;
  /** Serve this discovery document instead of the real one; null restores it. */
  setDiscoveryOverride(doc: Record<string, unknown> | null): void;
  /** While down, every request gets 503. */
  setDown(down: boolean): void;
  /** Delay every response by ms. */
  setDelay(ms: number): void;
  /** The public JWKS the real document contains (ignores any override). */
  publicJwks(): { keys: Record<string, unknown>[] };
  /** Close the server and every open socket. */
  close(): Promise<void>;
}

interface TestIssuerOptions {
  algs?: KeyAlg[];
  clientId?: string;
  /** Issuer path below the origin, e.g. "/tenant-a". */
  issuerPath?: string;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

async function newKey(alg: KeyAlg): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
  });
  const kid = randomBytes(9).toString("base64url");
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

export async function startTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const algs = options.algs ?? ["RS256", "ES256", "EdDSA"];
  const defaultAlg = algs[0];
  if (defaultAlg === undefined) throw new TypeError("algs must not be empty");
  const clientId = options.clientId ?? "client-1";
  const issuerPath = (options.issuerPath ?? "").replace(/\/+$/, "");
  if (issuerPath !== "" && !issuerPath.startsWith("/")) throw new TypeError("issuerPath must start with /");
  const discoveryPath = `${issuerPath}/.well-known/openid-configuration`;

  const current = new Map<KeyAlg, SigningKey>();
  const retired = new Map<KeyAlg, SigningKey>();
  const foreign = new Map<KeyAlg, SigningKey>();
  for (const alg of algs) current.set(alg, await newKey(alg));
  let published = [...current.values()];

  const requests = { discovery: 0, jwks: 0 };
  let jwksOverride: unknown = null;
  let discoveryOverride: Record<string, unknown> | null = null;
  let down = false;
  let delayMs = 0;
  const closing = new AbortController();

  const publicJwks = () => ({ keys: published.map((k) => ({ ...k.jwk })) });

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const isDiscovery = path === discoveryPath;
    const isJwks = path === "/keys";
    if (isDiscovery) requests.discovery++;
    if (isJwks) requests.jwks++;
    void (async () => {
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: closing.signal });
      if (down) return send(res, 503, { error: "temporarily_unavailable" });
      if (isDiscovery) return send(res, 200, discoveryOverride ?? discoveryDocument());
      if (isJwks) return send(res, 200, jwksOverride ?? publicJwks());
      return send(res, 404, { error: "not_found" });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = origin + issuerPath;
  const jwksUri = `${origin}/keys`;
  const discoveryDocument = () => ({
    issuer,
    jwks_uri: jwksUri,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    id_token_signing_alg_values_supported: algs,
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
  });

  async function signingKey(alg: KeyAlg, which: MintOptions["key"]): Promise<{ kid: string; privateKey: CryptoKey }> {
    const live = current.get(alg);
    if (live === undefined) throw new TypeError(`alg ${alg} is not one of this issuer's algs`);
    if (which === "retired") {
      const old = retired.get(alg);
      if (old === undefined) throw new TypeError(`no retired ${alg} key: call rotate() first`);
      return old;
    }
    if (which === "foreign") {
      const stranger = foreign.get(alg) ?? (await newKey(alg));
      foreign.set(alg, stranger);
      return { kid: live.kid, privateKey: stranger.privateKey }; // published kid, unpublished key
    }
    return live;
  }

  return {
    issuer,
    metadataUrl: `${issuer}/.well-known/openid-configuration`,
    jwksUri,
    requests,
    async mint(claims = {}, opts = {}) {
      const alg = opts.alg ?? defaultAlg;
      if (opts.header !== undefined && Object.hasOwn(opts.header, "alg")) {
        throw new TypeError("set the algorithm with opts.alg; build alg-none tokens by hand");
      }
      const key = await signingKey(alg, opts.key);
      const nowSec = opts.nowSec ?? Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: issuer,
        sub: "user-1",
        aud: clientId,
        iat: nowSec,
        exp: nowSec + 300,
        jti: randomUUID(),
        email_verified: true,
        ...claims,
      };
      for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
      const kid = opts.kid === undefined ? key.kid : opts.kid;
      const header = { alg, ...(kid === null ? {} : { kid }), ...opts.header };
      return new SignJWT(payload).setProtectedHeader(header).sign(key.privateKey);
    },
    async rotate(opts = {}) {
      for (const alg of algs) {
        const old = current.get(alg);
        if (old !== undefined) retired.set(alg, old);
        current.set(alg, await newKey(alg));
      }
      const fresh = [...current.values()];
      published = opts.dropOld ? fresh : [...published, ...fresh];
    },
    setJwksOverride(doc) {
      jwksOverride = doc;
    },
    setDiscoveryOverride(doc) {
      discoveryOverride = doc;
    },
    setDown(value) {
      down = value;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    publicJwks,
    async close() {
      closing.abort();
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeAllConnections();
      await closed;
    },
  };
}
