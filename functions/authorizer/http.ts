// Fetches provider documents (discovery, key sets): https only in AWS, bounded in time and size.
import { safeJsonParse, type Json } from "aws-jwt-verify/safe-json-parse";
import { DomainError } from "../shared/errors";
import { isLoopbackHost } from "../shared/loopback";

export class FetchFailedError extends DomainError<"fetch_failed" | "url_refused"> {
  /** The HTTP status, when the server answered with one other than 200. */
  readonly status: number | undefined;

  constructor(
    readonly code: "fetch_failed" | "url_refused",
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }
}

/** A fetched document and what its response said about caching it (untrusted text, bounded). */
export interface FetchedJson {
  readonly json: Json;
  readonly etag?: string;
  readonly cacheControl?: string;
}

/** Which of a provider's documents a fetch is for (metrics count them apart). */
export type ProviderDocument = "discovery" | "jwks";

export interface JsonFetcher {
  fetchJson(url: string, document?: ProviderDocument): Promise<Json>;
  /** The document with its caching headers; a fetcher that cannot see headers leaves this out. */
  fetchWithHeaders?(url: string, document?: ProviderDocument): Promise<FetchedJson>;
}

/** The document at `url`, with its caching headers where the fetcher sees them. */
export const fetchDocument = async (
  fetcher: JsonFetcher,
  url: string,
  document?: ProviderDocument,
): Promise<FetchedJson> =>
  fetcher.fetchWithHeaders ? fetcher.fetchWithHeaders(url, document) : { json: await fetcher.fetchJson(url, document) };

/** A response header worth keeping, cut to a sane length (it is the provider's text). */
const HEADER_VALUE_MAX = 256;

export interface FetchPolicy {
  /** Allow `http://` on loopback hosts (local stack and tests only). */
  readonly allowLoopbackHttp: boolean;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export const DEFAULT_FETCH_POLICY: FetchPolicy = { allowLoopbackHttp: false, timeoutMs: 3000, maxBytes: 512 * 1024 };

/** Throws unless the URL may be fetched under the policy: https, or http on loopback where allowed. */
export function assertFetchableUrl(url: string, policy: Pick<FetchPolicy, "allowLoopbackHttp">): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new FetchFailedError("url_refused", `not a URL: ${url}`, { cause: error });
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new FetchFailedError("url_refused", `URL with credentials refused: ${parsed.host}`);
  }
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "http:" && policy.allowLoopbackHttp && isLoopbackHost(parsed.hostname)) return parsed;
  throw new FetchFailedError("url_refused", `only https URLs are allowed, got ${parsed.protocol}//${parsed.host}`);
}

export class PolicyJsonFetcher implements JsonFetcher {
  constructor(private readonly policy: FetchPolicy = DEFAULT_FETCH_POLICY) {}

  async fetchJson(url: string): Promise<Json> {
    return (await this.fetchWithHeaders(url)).json;
  }

  async fetchWithHeaders(url: string): Promise<FetchedJson> {
    const target = assertFetchableUrl(url, this.policy);
    let response: Response;
    try {
      // Redirects are not followed: a provider document must be served where it is configured.
      response = await fetch(target, {
        redirect: "error",
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(this.policy.timeoutMs),
      });
    } catch (error) {
      throw new FetchFailedError("fetch_failed", `${target.origin}${target.pathname}: ${errorText(error)}`, {
        cause: error,
      });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new FetchFailedError("fetch_failed", `${target.origin}${target.pathname}: status ${response.status}`, {
        status: response.status,
      });
    }
    const body = await readBounded(response, this.policy.maxBytes, target);
    const etag = response.headers.get("etag")?.slice(0, HEADER_VALUE_MAX);
    const cacheControl = response.headers.get("cache-control")?.slice(0, HEADER_VALUE_MAX);
    try {
      return {
        json: safeJsonParse(new TextDecoder("utf-8", { fatal: true }).decode(body)),
        ...(etag && { etag }),
        ...(cacheControl && { cacheControl }),
      };
    } catch (error) {
      throw new FetchFailedError("fetch_failed", `${target.origin}${target.pathname}: not UTF-8 JSON`, {
        cause: error,
      });
    }
  }
}

async function readBounded(response: Response, maxBytes: number, target: URL): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchFailedError("fetch_failed", `${target.origin}${target.pathname}: ${declared} bytes is too large`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body ?? []) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new Error(`more than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (error) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchFailedError("fetch_failed", `${target.origin}${target.pathname}: ${errorText(error)}`, {
      cause: error,
    });
  }
  return Buffer.concat(chunks);
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
