// decomposeToken (token.ts) is our own parse of a compact JWS, for half the CPU of aws-jwt-verify's
// decomposeUnverifiedJwt: held here to the same answer as aws-jwt-verify's for arbitrary and hostile
// input (a refusal where it refuses, the same header and payload where it accepts), and to its
// prototype-key scrubbing at every depth.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decomposeUnverifiedJwt } from "aws-jwt-verify/jwt";
import { AuthError } from "../../functions/shared/errors";
import { decomposeToken, extractBearerToken, MAX_TOKEN_LENGTH } from "../../functions/authorizer/token";

const b64 = (text: string): string => Buffer.from(text).toString("base64url");
const compact = (header: string, payload: string, signature = "c2ln"): string =>
  `${b64(header)}.${b64(payload)}.${signature}`;

type Answer = { refused: true } | { refused: false; value: unknown };

const theirs = (token: string): Answer => {
  try {
    return { refused: false, value: decomposeUnverifiedJwt(token) };
  } catch {
    return { refused: true };
  }
};
const ours = (token: string): Answer => {
  try {
    return { refused: false, value: decomposeToken(token) };
  } catch (error) {
    // Every refusal is token_malformed, never another error.
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe("token_malformed");
    return { refused: true };
  }
};

/** JSON objects with the claims aws-jwt-verify types, of every type, and prototype keys here and there. */
const claimValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(1.5, -0, 1e308, Number.NaN, "", "x", ["a", "b"], ["a", 1], null, {}),
);
const objectText = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom("alg", "kid", "typ", "exp", "nbf", "iat", "iss", "sub", "aud", "scope", "jti"),
      fc.constantFrom("__proto__", "constructor", "prototype", "toString"),
      fc.string({ maxLength: 6 }),
    ),
    claimValue,
    { maxKeys: 8 },
  )
  .map(
    (object) =>
      // Entries written by hand, so a "__proto__" key is in the JSON text (JSON.stringify of an object
      // literal would never carry one).
      `{${Object.entries(object)
        .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? "null"}`)
        .join(",")}}`,
  );
// The keys as the JSON text spells them: literally, or with escapes that JSON.parse turns into the same key.
const nested = fc
  .tuple(
    fc.constantFrom(
      "__proto__",
      "constructor",
      "\\u005f_proto__",
      "constru\\u0063tor",
      "\\u005F\\u005Fproto\\u005F\\u005F",
    ),
    fc.jsonValue({ maxDepth: 1 }),
  )
  .map(
    ([key, value]) =>
      `{"x":{"${key}":{"polluted":true},"y":[{"${key}":${JSON.stringify(value) ?? 1},"z":1}]},"${key}":{"a":1}}`,
  );
const partText = fc.oneof(objectText, nested, fc.json({ maxDepth: 2 }), fc.string({ maxLength: 20 }));

describe("decomposeToken", () => {
  it("answers as aws-jwt-verify's decomposeUnverifiedJwt for JSON and non-JSON parts", () => {
    fc.assert(
      fc.property(partText, partText, (header, payload) => {
        const token = compact(header, payload);
        expect(ours(token)).toStrictEqual(theirs(token));
      }),
      { numRuns: 3000 },
    );
  });

  it("answers as aws-jwt-verify's for strings that are not three base64url parts", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.stringMatching(/^[A-Za-z0-9_=.-]{0,40}$/),
          fc.tuple(fc.string(), fc.string(), fc.string()).map((parts) => parts.join(".")),
        ),
        (token) => {
          expect(ours(token)).toStrictEqual(theirs(token));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("removes __proto__ and constructor keys at every depth, and pollutes nothing", () => {
    const token = compact(
      '{"alg":"RS256","__proto__":{"admin":true}}',
      '{"sub":"s","constructor":{"prototype":{"admin":true}},"groups":[{"__proto__":{"admin":true},"name":"g"}],"nested":{"constructor":1,"__proto__":2,"ok":3}}',
    );
    const { header, payload } = decomposeToken(token);
    expect(Object.keys(header)).toEqual(["alg"]);
    expect(payload).toStrictEqual((decomposeUnverifiedJwt(token) as { payload: unknown }).payload);
    expect(Object.hasOwn(payload, "constructor")).toBe(false);
    expect(payload["groups"]).toEqual([{ name: "g" }]);
    expect(payload["nested"]).toEqual({ ok: 3 });
    expect(({} as Record<string, unknown>)["admin"]).toBeUndefined();
  });

  it("removes them when the JSON text spells them with escapes", () => {
    const token = compact(
      '{"alg":"RS256","\\u005f_proto__":{"admin":true}}',
      '{"sub":"s","constru\\u0063tor":{"prototype":{"admin":true}},"groups":[{"\\u005F_proto__":{"admin":true},"name":"g"}]}',
    );
    const { header, payload } = decomposeToken(token);
    expect(Object.keys(header)).toEqual(["alg"]);
    expect(Object.keys(payload)).toEqual(["sub", "groups"]);
    expect(payload["groups"]).toEqual([{ name: "g" }]);
    expect(payload).toStrictEqual((decomposeUnverifiedJwt(token) as { payload: unknown }).payload);
  });

  it.each([
    ["a header whose alg is a number", compact('{"alg":1}', "{}")],
    ["a header whose kid is an object", compact('{"kid":{}}', "{}")],
    ["an exp that is a string", compact("{}", '{"exp":"1"}')],
    ["an aud with a number in it", compact("{}", '{"aud":["a",1]}')],
    ["a header that is an array", compact("[1]", "{}")],
    ["a payload that is null", compact("{}", "null")],
    ["an empty signature", `${b64("{}")}.${b64("{}")}.`],
  ])("refuses %s as token_malformed, as aws-jwt-verify refuses it", (_, token) => {
    expect(theirs(token)).toEqual({ refused: true });
    expect(() => decomposeToken(token)).toThrow(expect.objectContaining({ code: "token_malformed" }));
  });

  it("refuses a token over the size limit unread (token_too_large)", () => {
    const token = compact("{}", `{"pad":"${"a".repeat(MAX_TOKEN_LENGTH)}"}`);
    expect(() => decomposeToken(token)).toThrow(expect.objectContaining({ code: "token_too_large" }));
  });
});

describe("extractBearerToken, then decomposeToken", () => {
  // The Authorization header as RFC 6750 2.1 reads it, and the token as aws-jwt-verify decomposes it: the
  // same answer as one scan of the header that extracts and shape-checks the token at once.
  const twoSteps = (header: string): Answer => {
    const token = /^Bearer +([^\s]+) *$/i.exec(header)?.[1];
    return token === undefined ? { refused: true } : theirs(token);
  };
  const oneScan = (header: string): Answer => {
    try {
      return { refused: false, value: decomposeToken(extractBearerToken(header)) };
    } catch (error) {
      expect(error).toBeInstanceOf(AuthError);
      return { refused: true };
    }
  };
  const valid = compact('{"alg":"RS256"}', '{"sub":"s"}');
  // Characters a case-insensitive match could take for ASCII letters (U+017F long s, U+212A Kelvin sign,
  // U+0130), the other base64 alphabet, whitespace and padding in the wrong places.
  const tokenChar = fc.constantFrom(..."aZ09-_.=+/ \t\u017f\u212a\u0130\u00e9");

  it("answers as the bearer match and aws-jwt-verify's decomposition, one after the other", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("Bearer ", "bearer ", "BEARER  ", "bEaReR ", "Bearer\t", "Bearer", "Basic ", ""),
        fc.oneof(
          fc.constant(valid),
          fc
            .tuple(fc.nat(valid.length), fc.string({ unit: tokenChar, minLength: 1, maxLength: 3 }))
            .map(([at, inserted]) => `${valid.slice(0, at)}${inserted}${valid.slice(at)}`),
          fc.string({ unit: tokenChar, maxLength: 12 }),
        ),
        fc.constantFrom("", " ", "  ", "\t"),
        (scheme, token, trailing) => {
          const header = `${scheme}${token}${trailing}`;
          expect(oneScan(header)).toStrictEqual(twoSteps(header));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("still checks the shape of a token other than the last one extracted", () => {
    expect(decomposeToken(extractBearerToken(`Bearer ${valid}`))).toMatchObject({ payload: { sub: "s" } });
    for (const other of [`${valid}+`, `${valid}.x`, `${valid.slice(0, 5)}\u017f${valid.slice(5)}`]) {
      expect(() => decomposeToken(other)).toThrow(expect.objectContaining({ code: "token_malformed" }));
    }
  });

  it("checks the shape of a token the header scan did not find to be three base64url parts", () => {
    // In the signature, where a lenient base64 decode would skip the `+` and parse the rest.
    const odd = `${valid}+`;
    expect(extractBearerToken(`Bearer ${odd}`)).toBe(odd);
    expect(() => decomposeToken(odd)).toThrow(expect.objectContaining({ code: "token_malformed" }));
  });
});
