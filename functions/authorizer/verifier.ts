// aws-jwt-verify's verifier, fed an already decomposed token and a key-set snapshot, with its errors
// mapped to our reason codes.
import { JwtVerifierBase } from "aws-jwt-verify/jwt-verifier";
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import {
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";
import { AuthError, type AuthReasonCode } from "../shared/errors";
import { boundedText } from "./decision-log";
import type { JwksCache } from "aws-jwt-verify/jwk";

type VerifyProps = { audience: string; graceSeconds: number };
/** What a token of one provider is verified against: its issuer, its key set's URL, the client id and the clock skew. */
export type IssuerConfig = VerifyProps & { issuer: string; jwksUri: string };

/** Exposes the verifier's decomposed-token entry point, so a token is parsed once per request. */
export class DecomposedJwtVerifier extends JwtVerifierBase<VerifyProps, IssuerConfig, false> {
  constructor(
    private readonly config: IssuerConfig,
    jwksCache: JwksCache,
  ) {
    super(config, jwksCache);
  }

  /**
   * Signature (with the snapshot's key), `exp` and `nbf` with grace, `iss` (exactly `issuer`, by default
   * the discovered one) and `aud`. Throws AuthError.
   */
  verifyDecomposed(jwt: DecomposedJwt, issuer = this.config.issuer): JwtPayload {
    try {
      const properties: IssuerConfig = issuer === this.config.issuer ? this.config : { ...this.config, issuer };
      return this.verifyDecomposedJwtSync(jwt, this.config.jwksUri, properties);
    } catch (error) {
      throw toAuthError(error);
    }
  }
}

const REASON_BY_ERROR: ReadonlyArray<[new (...args: never[]) => Error, AuthReasonCode]> = [
  [JwtExpiredError, "token_expired"],
  [JwtNotBeforeError, "token_not_yet_valid"],
  [JwtInvalidIssuerError, "issuer_mismatch"],
  [JwtInvalidAudienceError, "audience_mismatch"],
  [JwtInvalidSignatureError, "signature_invalid"],
  [JwtInvalidSignatureAlgorithmError, "alg_not_allowed"],
  [JwtWithoutValidKidError, "kid_missing"],
  [KidNotFoundInJwksError, "kid_unknown"],
  [JwkInvalidUseError, "kid_unknown"],
  [JwkInvalidKtyError, "kid_unknown"],
  [JwkValidationError, "kid_unknown"],
  [JwtParseError, "token_malformed"],
  [FetchError, "jwks_unavailable"],
];

export function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  for (const [type, code] of REASON_BY_ERROR) {
    // aws-jwt-verify's messages echo the offending (unverified) value: the log gets a bounded copy.
    if (error instanceof type)
      return new AuthError(code, `${error.name}: ${boundedText(error.message)}`, { cause: error });
  }
  return new AuthError("internal_error", error instanceof Error ? error.message : String(error), { cause: error });
}
