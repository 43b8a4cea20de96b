// One matcher for API Gateway resource paths (`/api/now/table/{table}`, greedy `/api/x/{path+}`): the local
// gateway, the scripted REST framework and the tests all pick routes with it, as API Gateway does.

export interface RouteShape {
  readonly method: string;
  /** `{name}` matches one segment, `{name+}` the rest of the path. */
  readonly path: string;
}

export interface RouteMatcher<R extends RouteShape> {
  /** The route for `method` and `path`, with its path parameters (URI-decoded); `pathMatched` tells 404 from 405. */
  match(
    method: string,
    path: string,
  ): { route: R; params: Record<string, string> } | { route?: undefined; pathMatched: boolean };
}

interface Compiled<R> {
  readonly route: R;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly literals: number;
}

const PARAMETER = /^\{([A-Za-z0-9_]+)(\+?)\}$/;

function compile<R extends RouteShape>(route: R): Compiled<R> {
  const names: string[] = [];
  let literals = 0;
  const source = route.path
    .split("/")
    .map((segment) => {
      const parameter = PARAMETER.exec(segment);
      if (!parameter) {
        if (segment !== "") literals += 1;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }
      names.push(parameter[1] as string);
      return parameter[2] ? "(.+)" : "([^/]+)";
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}/?$`), names, literals };
}

/**
 * Routes are tried with literal segments first: `/incident/{id}/comment` before `/incident/{id}/{field}`.
 * `decode: false` leaves parameters as they are, for a path that API Gateway has decoded already.
 */
export function routeMatcher<R extends RouteShape>(
  routes: readonly R[],
  options: { decode?: boolean } = {},
): RouteMatcher<R> {
  const decode = options.decode === false ? (text: string) => text : decodeURIComponent;
  const compiled = routes.map(compile).sort((a, b) => b.literals - a.literals);
  return {
    match(method, path) {
      let pathMatched = false;
      for (const candidate of compiled) {
        const found = candidate.pattern.exec(path);
        if (!found) continue;
        pathMatched = true;
        if (candidate.route.method !== method) continue;
        const params = Object.fromEntries(candidate.names.map((name, i) => [name, decode(found[i + 1] as string)]));
        return { route: candidate.route, params };
      }
      return { pathMatched };
    },
  };
}
