// Whether a provider's discovery document states an issuer the authorizer will believe (OIDC Discovery 4.3),
// and the exact `--issuer` that fixes it when not; provider add, update and test judge with the authorizer's code.
import {
  assertStatedIssuer,
  IssuerMismatchError,
  parseDiscoveryDocument,
  type DiscoveredProvider,
} from "../functions/authorizer/discovery";
import { assertFetchableUrl, type JsonFetcher } from "../functions/authorizer/http";
import { providerSchema, type ProviderConfig } from "../functions/config/schema";
import { printable } from "./output";

/** Longest stated issuer the CLI repeats as a fix: a longer one is shown cut, and a cut one is no fix. */
const MAX_SHOWN_ISSUER = 256;

type IssuerCheck =
  | { readonly outcome: "accepted"; readonly issuer: string; readonly discovered: DiscoveredProvider }
  | { readonly outcome: "mismatch"; readonly error: IssuerMismatchError }
  /** The document could not be fetched or read: nothing is known about its issuer. */
  | { readonly outcome: "unchecked"; readonly reason: string };

/** Fetches the discovery document under the target's policy and judges its issuer as the authorizer does. */
export async function checkStatedIssuer(
  provider: ProviderConfig,
  fetcher: JsonFetcher,
  policy: { allowLoopbackHttp: boolean },
): Promise<IssuerCheck> {
  let discovered: DiscoveredProvider;
  try {
    assertFetchableUrl(provider.metadataUrl, policy);
    discovered = parseDiscoveryDocument(await fetcher.fetchJson(provider.metadataUrl), policy);
  } catch (error) {
    return { outcome: "unchecked", reason: error instanceof Error ? error.message : String(error) };
  }
  try {
    return { outcome: "accepted", issuer: assertStatedIssuer(provider, discovered).issuer, discovered };
  } catch (error) {
    if (error instanceof IssuerMismatchError) return { outcome: "mismatch", error };
    throw error;
  }
}

/** What is wrong, from the error's fields: the stated issuer is untrusted, so it is cut and escaped. */
export function describeMismatch(error: IssuerMismatchError, provider: Pick<ProviderConfig, "issuer">): string {
  const expected = error.expected.length === 0 ? "(none)" : error.expected.join(" or ");
  const source = provider.issuer === undefined ? "the issuer its metadata URL implies" : "the pinned issuer";
  const stated = printable(error.stated, MAX_SHOWN_ISSUER);
  return `the discovery document states issuer ${stated}, not ${source} (${expected}) (OpenID Connect Discovery 4.3)`;
}

/**
 * The fix, exact when it can be: the stated issuer as `--issuer` (of `command`, when given), if it is
 * short, printable and a value the schema takes. Pinning is a judgement (that this metadata URL may speak
 * for that issuer), so it is offered, never done.
 */
export function issuerFix(stated: string, command?: string): string {
  const pinnable =
    stated.length <= MAX_SHOWN_ISSUER &&
    /^[^\p{C}\s]+$/u.test(stated) &&
    providerSchema.shape.issuer.safeParse(stated).success;
  const flag = `${command === undefined ? "" : `${command} `}--issuer ${stated}`;
  return pinnable
    ? `if this metadata URL really serves that issuer's document (Okta's -admin host does), pin it: ${flag}`
    : "the stated issuer cannot be pinned as it is (too long, or not a plain URL): check the metadata URL";
}
