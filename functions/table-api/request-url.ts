// The URL the caller used, rebuilt from the API Gateway event: for the Link header and POST's Location.
import { isLoopbackHostHeader } from "../shared/loopback";
import type { APIGatewayProxyEvent } from "aws-lambda";

interface RequestUrl {
  /** `https://host/stage/api/now/table/incident`, or just the path when there is no Host header. */
  readonly base: string;
  /** The query parameters as sent, in order, repeated ones included. */
  readonly params: readonly (readonly [string, string])[];
}

const header = (event: Pick<APIGatewayProxyEvent, "headers">, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && typeof value === "string" && value !== "") return value;
  }
  return undefined;
};

type UrlParts = "headers" | "path" | "requestContext" | "queryStringParameters" | "multiValueQueryStringParameters";

export function requestUrl(event: Pick<APIGatewayProxyEvent, UrlParts>): RequestUrl {
  // requestContext.path includes the stage (/v1/api/...), which the public URL needs; event.path does not.
  const path = event.requestContext?.path || event.path;
  const host = header(event, "host");
  // API Gateway sets X-Forwarded-Proto; the local stack serves plain http on loopback.
  const proto =
    header(event, "x-forwarded-proto") ?? (host !== undefined && isLoopbackHostHeader(host) ? "http" : "https");
  const base = host === undefined ? path : `${proto}://${host}${path}`;
  const multi = event.multiValueQueryStringParameters;
  const params: [string, string][] = multi
    ? Object.entries(multi).flatMap(([name, values]) => (values ?? []).map((value): [string, string] => [name, value]))
    : Object.entries(event.queryStringParameters ?? {}).flatMap(([name, value]) =>
        value === undefined ? [] : [[name, value] as [string, string]],
      );
  return { base: base.replace(/\/+$/, ""), params };
}

/** The same URL with these parameters set (replacing any sent), the others kept as they were. */
function withParams(url: RequestUrl, changes: Readonly<Record<string, string>>): string {
  const search = new URLSearchParams(url.params.map(([name, value]): [string, string] => [name, value]));
  for (const [name, value] of Object.entries(changes)) search.set(name, value);
  const query = search.toString();
  return query === "" ? url.base : `${url.base}?${query}`;
}

/**
 * RFC 8288 Link header as ServiceNow sends it: first, prev (when not on the first page), next (when
 * there are more), last; `last` is the offset of the last full page boundary.
 */
export function paginationLinks(url: RequestUrl, total: number, offset: number, limit: number): string {
  const link = (at: number, rel: string): string =>
    `<${withParams(url, { sysparm_limit: String(limit), sysparm_offset: String(at) })}>;rel="${rel}"`;
  const last = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  const links = [link(0, "first")];
  if (offset > 0) links.push(link(Math.max(0, offset - limit), "prev"));
  if (offset + limit < total) links.push(link(offset + limit, "next"));
  links.push(link(last, "last"));
  return links.join(",");
}
