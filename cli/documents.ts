// --documents DIR: a provider's saved discovery document and key set, served instead of fetching them, so an old
// token (the Okta fixtures) or an incident can be explained against the documents of its time, offline.
import { isJsonObject, safeJsonParse, type Json } from "aws-jwt-verify/safe-json-parse";
import { FetchFailedError, type JsonFetcher } from "../functions/authorizer/http";
import type { CommandContext } from "./context";
import { CliError } from "./errors";

/** The file names of a saved provider, as in test/fixtures/okta-2018/. */
const DOCUMENT_FILES = { discovery: "openid-configuration.json", jwks: "jwks.json" } as const;

export class SavedDocuments implements JsonFetcher {
  private constructor(
    private readonly metadataUrl: string,
    private readonly discovery: Json,
    private readonly jwks: Json,
  ) {}

  /** Serves the directory's documents as the provider's at `metadataUrl` (and the jwks_uri that document names). */
  static async read(ctx: CommandContext, dir: string, metadataUrl: string): Promise<SavedDocuments> {
    const load = async (file: string): Promise<Json> => {
      const path = `${dir.replace(/\/+$/, "")}/${file}`;
      const text = await ctx.readText(path);
      try {
        return safeJsonParse(text);
      } catch (error) {
        throw new CliError("invalid", `${path} is not JSON: ${(error as Error).message}`);
      }
    };
    return new SavedDocuments(metadataUrl, await load(DOCUMENT_FILES.discovery), await load(DOCUMENT_FILES.jwks));
  }

  async fetchJson(url: string): Promise<Json> {
    if (url === this.metadataUrl) return this.discovery;
    if (isJsonObject(this.discovery) && url === this.discovery["jwks_uri"]) return this.jwks;
    throw new FetchFailedError("fetch_failed", `${url} is not among the saved documents`);
  }
}
