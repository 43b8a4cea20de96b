// Fetching provider documents: scheme policy, size and time bounds, no redirects.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertFetchableUrl, PolicyJsonFetcher } from "../../functions/authorizer/http";

let server: Server;
let origin: string;
const pending = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/ok") return res.end(JSON.stringify({ issuer: "x" }));
    // JSON of exactly n bytes, with Content-Length (/sized/n) or chunked, without it (/chunked/n).
    const sized = /^\/(sized|chunked)\/(\d+)$/.exec(req.url ?? "");
    if (sized) {
      const body = JSON.stringify({ p: "x".repeat(Number(sized[2]) - 8) });
      if (sized[1] === "chunked") {
        res.write(body.slice(0, 10));
        return res.end(body.slice(10));
      }
      return res.end(body);
    }
    if (req.url === "/cached") {
      res.writeHead(200, { etag: '"v1-abc"', "cache-control": "max-age=3600, public" });
      return res.end(JSON.stringify({ keys: [] }));
    }
    if (req.url === "/big") return res.end(JSON.stringify({ pad: "x".repeat(10_000) }));
    if (req.url === "/redirect") {
      res.writeHead(302, { location: "/ok" });
      return res.end();
    }
    if (req.url === "/slow") {
      const timer = setTimeout(() => res.end("{}"), 15_000);
      pending.add(timer);
      return;
    }
    if (req.url === "/latin1") return res.end(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    res.writeHead(404);
    return res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const timer of pending) clearTimeout(timer);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// A generous timeout, so a busy machine cannot turn a success, or a failure for another reason, into a timeout;
// the slow document gets a fetcher of its own that gives up long before it answers.
const fetcher = new PolicyJsonFetcher({ allowLoopbackHttp: true, timeoutMs: 10_000, maxBytes: 1_000 });
const impatient = new PolicyJsonFetcher({ allowLoopbackHttp: true, timeoutMs: 300, maxBytes: 1_000 });

describe("assertFetchableUrl", () => {
  it.each([
    ["https://idp.example/.well-known/openid-configuration", false, true],
    ["http://idp.example/.well-known/openid-configuration", true, false],
    ["http://127.0.0.1:4000/x", true, true],
    ["http://localhost:4000/x", true, true],
    ["http://[::1]:4000/x", true, true],
    ["http://127.0.0.1:4000/x", false, false],
    ["http://127.0.0.1.nip.io/x", true, false],
    ["https://user:pass@idp.example/x", false, false],
    ["https://user@idp.example/x", false, false],
    ["https://:pass@idp.example/x", false, false],
    ["file:///etc/passwd", true, false],
    ["not a url", true, false],
  ])("%s (loopback http allowed: %s) -> fetchable %s", (url, allowLoopbackHttp, fetchable) => {
    const attempt = () => assertFetchableUrl(url, { allowLoopbackHttp });
    if (fetchable) expect(attempt).not.toThrow();
    else expect(attempt).toThrow(expect.objectContaining({ code: "url_refused" }));
  });
});

describe("PolicyJsonFetcher", () => {
  it("returns the parsed JSON", async () => {
    await expect(fetcher.fetchJson(`${origin}/ok`)).resolves.toEqual({ issuer: "x" });
  });

  it.each(["/big", "/redirect", "/latin1", "/missing"])("fails with fetch_failed for %s", async (path) => {
    await expect(fetcher.fetchJson(`${origin}${path}`)).rejects.toMatchObject({ code: "fetch_failed" });
  });

  it("fails with fetch_failed for /slow at the timeout, without waiting for the answer", async () => {
    const started = Date.now();
    await expect(impatient.fetchJson(`${origin}/slow`)).rejects.toMatchObject({ code: "fetch_failed" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("the size bound, at its edge", () => {
  it.each(["sized", "chunked"])("takes exactly maxBytes and refuses one byte more (%s)", async (kind) => {
    await expect(fetcher.fetchJson(`${origin}/${kind}/1000`)).resolves.toEqual({ p: "x".repeat(992) });
    await expect(fetcher.fetchJson(`${origin}/${kind}/1001`)).rejects.toMatchObject({ code: "fetch_failed" });
  });
});

describe("the fetcher's defaults and what it keeps", () => {
  it("refuses plain http on loopback unless the policy allows it", async () => {
    await expect(new PolicyJsonFetcher().fetchJson(`${origin}/ok`)).rejects.toMatchObject({ code: "url_refused" });
    await expect(fetcher.fetchJson(`${origin}/ok`)).resolves.toEqual({ issuer: "x" });
  });

  it("keeps the ETag and Cache-Control exactly as served", async () => {
    await expect(fetcher.fetchWithHeaders(`${origin}/cached`)).resolves.toEqual({
      json: { keys: [] },
      etag: '"v1-abc"',
      cacheControl: "max-age=3600, public",
    });
  });
});
