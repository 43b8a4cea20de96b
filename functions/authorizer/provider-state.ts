// The provider-state table: each provider's last good discovery document and key set, as fetched, so a
// cold container verifies its first token without calling the provider. Its bytes are the provider's,
// so whoever reads them parses and checks them as if they had just been fetched.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { StoreError } from "../shared/errors";

/** One fetched document: its raw JSON text and what the response said about caching it. */
export interface PersistedDocument {
  readonly url: string;
  readonly json: string;
  readonly fetchedAtMs: number;
  readonly etag?: string;
  readonly cacheControl?: string;
}

/** What is kept per provider: discovery and key set are written apart, each when it is fetched. */
export interface PersistedProviderState {
  readonly provider: string;
  readonly discovery?: PersistedDocument;
  readonly keys?: PersistedDocument;
}

export interface ProviderStateStore {
  load(provider: string): Promise<PersistedProviderState | undefined>;
  save(provider: string, kind: "discovery" | "keys", document: PersistedDocument): Promise<void>;
}

/**
 * DynamoDB's item limit is 400 KB; a document larger than this (key sets are a few KB) is not kept, and
 * a cold container fetches it instead.
 */
const MAX_PERSISTED_DOCUMENT_BYTES = 350 * 1024;

/** Deadlines of the two calls: a slow table costs a cold start a fetch, never a hung request. */
const READ_DEADLINE_MS = 1_000;
const WRITE_DEADLINE_MS = 2_000;

/** Attribute names per kind: `discoveryJson`, `discoveryUrl`, `keysFetchedAtMs`, ... */
const FIELDS = ["Url", "Json", "FetchedAtMs", "Etag", "CacheControl"] as const;

export class DynamoProviderStateStore implements ProviderStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(provider: string): Promise<PersistedProviderState | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      ({ Item: item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: provider }, ConsistentRead: true }),
        { abortSignal: AbortSignal.timeout(READ_DEADLINE_MS) },
      ));
    } catch (error) {
      throw new StoreError("provider state unreadable", { cause: error });
    }
    if (item === undefined) return undefined;
    const discovery = documentOf(item, "discovery");
    const keys = documentOf(item, "keys");
    return { provider, ...(discovery && { discovery }), ...(keys && { keys }) };
  }

  async save(provider: string, kind: "discovery" | "keys", document: PersistedDocument): Promise<void> {
    if (Buffer.byteLength(document.json) > MAX_PERSISTED_DOCUMENT_BYTES) {
      throw new StoreError(`${kind} document of ${Buffer.byteLength(document.json)} bytes is too large to keep`);
    }
    const values: Record<(typeof FIELDS)[number], string | number | undefined> = {
      Url: document.url,
      Json: document.json,
      FetchedAtMs: document.fetchedAtMs,
      Etag: document.etag,
      CacheControl: document.cacheControl,
    };
    const set = FIELDS.filter((field) => values[field] !== undefined);
    const unset = FIELDS.filter((field) => values[field] === undefined);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: provider },
          UpdateExpression: [
            `SET ${set.map((field) => `#${field} = :${field}`).join(", ")}`,
            ...(unset.length > 0 ? [`REMOVE ${unset.map((field) => `#${field}`).join(", ")}`] : []),
          ].join(" "),
          ExpressionAttributeNames: Object.fromEntries(FIELDS.map((field) => [`#${field}`, `${kind}${field}`])),
          ExpressionAttributeValues: Object.fromEntries(set.map((field) => [`:${field}`, values[field]])),
        }),
        { abortSignal: AbortSignal.timeout(WRITE_DEADLINE_MS) },
      );
    } catch (error) {
      throw new StoreError("provider state not written", { cause: error });
    }
  }
}

/** A document of the item, if every field it needs has its type; anything else reads as absent. */
function documentOf(item: Record<string, unknown>, kind: "discovery" | "keys"): PersistedDocument | undefined {
  const url = item[`${kind}Url`];
  const json = item[`${kind}Json`];
  const fetchedAtMs = item[`${kind}FetchedAtMs`];
  const etag = item[`${kind}Etag`];
  const cacheControl = item[`${kind}CacheControl`];
  if (typeof url !== "string" || typeof json !== "string" || typeof fetchedAtMs !== "number") return undefined;
  if (!Number.isFinite(fetchedAtMs)) return undefined;
  return {
    url,
    json,
    fetchedAtMs,
    ...(typeof etag === "string" && { etag }),
    ...(typeof cacheControl === "string" && { cacheControl }),
  };
}
