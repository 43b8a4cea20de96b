// The Table API's query parameters (sysparm_*) and plain name=value filters, read as ServiceNow reads
// them: an empty value means the default, booleans ignore case (pysnow sends `False`).
import { BadRequestError } from "../http/api-errors";
import { andAll, equals, FIELD_NAME, parseEncodedQuery, type Condition, type EncodedQuery } from "./encoded-query";
import type { ReadOptions } from "./present";

export type QueryParams = Readonly<Record<string, string | undefined>>;

export interface ListParams extends ReadOptions {
  readonly query: EncodedQuery;
  readonly limit: number;
  readonly offset: number;
  readonly suppressPaginationHeader: boolean;
}

/** ServiceNow's default page size. */
const DEFAULT_LIMIT = 10_000;

const INVALID_PARAMETER = "Invalid query parameter";

/** The parameter's value, or undefined when it is absent or empty (which means: the default). */
const paramValue = (params: QueryParams, name: string): string | undefined => {
  const value = params[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
};

function parseBoolean(params: QueryParams, name: string, fallback: boolean): boolean {
  const value = paramValue(params, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new BadRequestError(INVALID_PARAMETER, `${name} must be true or false`);
}

function parseCount(params: QueryParams, name: string, fallback: number, min: number): number {
  const value = paramValue(params, name);
  if (value === undefined) return fallback;
  // Nine digits keep offset + limit far inside the safe integers.
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) {
    throw new BadRequestError(INVALID_PARAMETER, `${name} must be an integer of at least ${min}`);
  }
  return Number(value);
}

/** `sysparm_fields` and `sysparm_display_value`: what every read (and write) answer shows. */
export function readOptions(params: QueryParams): ReadOptions {
  const rawFields = paramValue(params, "sysparm_fields");
  let fields: string[] | undefined;
  if (rawFields !== undefined) {
    fields = [
      ...new Set(
        rawFields
          .split(",")
          .map((field) => field.trim())
          .filter((field) => field !== ""),
      ),
    ];
    const invalid = fields.find((field) => !FIELD_NAME.test(field));
    if (invalid !== undefined) {
      const shown = JSON.stringify(invalid.slice(0, 100));
      throw new BadRequestError(INVALID_PARAMETER, `sysparm_fields: ${shown} is not a field name`);
    }
    if (fields.length === 0) fields = undefined;
  }
  const display = paramValue(params, "sysparm_display_value")?.toLowerCase() ?? "false";
  if (display !== "true" && display !== "false" && display !== "all") {
    throw new BadRequestError(INVALID_PARAMETER, "sysparm_display_value must be true, false or all");
  }
  return {
    fields,
    displayValue: display,
    excludeReferenceLink: parseBoolean(params, "sysparm_exclude_reference_link", false),
  };
}

/**
 * A listing's parameters. Parameters not named `sysparm_*` are equality filters ANDed to sysparm_query
 * (`?user_name=bob`, as Ansible's servicenow.itsm sends them); other sysparm_* are accepted and ignored,
 * as ServiceNow ignores the ones it does not know.
 */
export function listParams(params: QueryParams): ListParams {
  const parsed = parseEncodedQuery(paramValue(params, "sysparm_query") ?? "");
  if (!parsed.ok) throw new BadRequestError("Invalid query", `sysparm_query: ${parsed.reason}`);
  const filters: Condition[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (name.startsWith("sysparm_") || value === undefined) continue;
    if (!FIELD_NAME.test(name)) {
      const shown = JSON.stringify(name.slice(0, 100));
      throw new BadRequestError(INVALID_PARAMETER, `${shown} is neither a sysparm_ parameter nor a field name`);
    }
    filters.push(equals(name, value));
  }
  return {
    ...readOptions(params),
    query: andAll(parsed.query, filters),
    limit: parseCount(params, "sysparm_limit", DEFAULT_LIMIT, 1),
    offset: parseCount(params, "sysparm_offset", 0, 0),
    suppressPaginationHeader: parseBoolean(params, "sysparm_suppress_pagination_header", false),
  };
}
