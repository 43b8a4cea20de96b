// The named mutations: the security promises a regression would most likely break, each one mutant. Each
// is a set of exact replacements in one file; a replacement that no longer matches exactly once fails the
// run, so a refactor cannot quietly turn a named mutation into a no-op.

interface NamedMutation {
  readonly id: string;
  readonly file: string;
  /** The promise the mutant breaks. */
  readonly description: string;
  readonly replacements: readonly (readonly [from: string, to: string])[];
}

const REPLAY_CHECK = `  if (replay !== undefined) {
    try {
      await replay;
    } catch (error) {
      if (error instanceof StoreError) throw new AuthError("replay_store_error", error.message, { cause: error.cause });
      throw error;
    }
    trace?.step("jti claim verified: first use of this token");
  }
`;
/** Where the replay check stood: the write's failure is handled (read later), as in the source. */
const REPLAY_HANDLED = "  void replay?.catch(() => undefined);\n";

export const NAMED_MUTATIONS: readonly NamedMutation[] = [
  {
    id: "replay-after-provisioning",
    file: "functions/authorizer/authenticate.ts",
    description: "the one-time-use result is checked only after bind, onLogin and provisioning ran",
    replacements: [
      [REPLAY_CHECK, REPLAY_HANDLED],
      [
        "    return deps.provisioner.onLogin(provider, user, payload, claimValue, identity);\n",
        `    const loggedIn = await deps.provisioner.onLogin(provider, user, payload, claimValue, identity);\n${REPLAY_CHECK}    return loggedIn;\n`,
      ],
      [
        "  const created = await deps.provisioner.provision(provider, payload, claimValue, identity);\n",
        `  const created = await deps.provisioner.provision(provider, payload, claimValue, identity);\n${REPLAY_CHECK}`,
      ],
    ],
  },
  {
    id: "verified-token-cache-off",
    file: "functions/authorizer/provider.ts",
    description: "ProviderCacheOptions.verifiedTokens default 1000 -> 0",
    replacements: [["  verifiedTokens: 1_000,\n", "  verifiedTokens: 0,\n"]],
  },
  {
    id: "key-refetch-interval-0",
    file: "functions/authorizer/provider.ts",
    description: "keys.minIntervalMs 10_000 -> 0 (an unknown kid refetches the key set every time)",
    replacements: [["maxAgeMs: 10 * 60_000, minIntervalMs: 10_000,", "maxAgeMs: 10 * 60_000, minIntervalMs: 0,"]],
  },
  {
    id: "key-max-age-24h",
    file: "functions/authorizer/provider.ts",
    description: "keys.maxAgeMs 10 min -> 24 h (a removed key stays trusted for a day)",
    replacements: [["keys: { maxAgeMs: 10 * 60_000,", "keys: { maxAgeMs: 24 * 3600_000,"]],
  },
  {
    id: "stale-config-24h",
    file: "functions/config/store.ts",
    description: "DEFAULT_CONFIG_MAX_STALE_MS 15 min -> 24 h (an unreadable config table is papered over for a day)",
    replacements: [
      ["const DEFAULT_CONFIG_MAX_STALE_MS = 15 * 60_000;", "const DEFAULT_CONFIG_MAX_STALE_MS = 24 * 3600_000;"],
    ],
  },
  {
    id: "table-api-acl-ttl-10min",
    file: "functions/table-api/create-table-api.ts",
    description: "TABLE_API_CONFIG_TTL_MS 10 s -> 10 min (a revoked ACL keeps granting for 10 minutes)",
    replacements: [["const TABLE_API_CONFIG_TTL_MS = 10_000;", "const TABLE_API_CONFIG_TTL_MS = 10 * 60_000;"]],
  },
  {
    id: "registry-keeps-old-provider",
    file: "functions/authorizer/provider-registry.ts",
    description: "activeRuntimes reuses a provider's runtime even when its config changed",
    replacements: [
      ["existing?.json === json\n          ? existing\n", "existing !== undefined\n          ? existing\n"],
    ],
  },
  {
    id: "debug-step-logs-token",
    file: "functions/authorizer/authenticate.ts",
    description: "a debug step line carries the raw token",
    replacements: [
      [
        "    const { payload, issuer } = provider.verifyFresh(jwt, digest) ?? (await provider.verify(jwt, digest));\n",
        '    const { payload, issuer } = provider.verifyFresh(jwt, digest) ?? (await provider.verify(jwt, digest));\n    trace?.step("JWT verified: " + token);\n',
      ],
    ],
  },
  {
    id: "cached-policy-whole-api",
    file: "functions/authorizer/authorize-event.ts",
    description:
      "the policy allows the whole API again, whatever the token may call (a cached Allow reaches every route)",
    replacements: [
      [
        "  return allowPolicy(caller.policy(method.base), {\n",
        // The mutant's own template literal, spelled without a placeholder here.
        '  return allowPolicy({ Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: `$' +
          "{method.base}*/*` }] }, {\n",
      ],
    ],
  },
  {
    id: "route-checked-after-stores",
    file: "functions/authorizer/authenticate.ts",
    description: "what the token alone decides about the route is checked only after one-time use and provisioning",
    replacements: [["      refuse(access.check(route, subject));\n", "      void subject;\n"]],
  },
];

/** The mutated file, and the offset of the first edit in the original (for its coverage probe). */
export function applyNamed(mutation: NamedMutation, original: string): { mutated: string; firstOffset: number } {
  let mutated = original;
  let firstOffset = Number.POSITIVE_INFINITY;
  for (const [from, to] of mutation.replacements) {
    const at = mutated.indexOf(from);
    if (at < 0 || mutated.indexOf(from, at + 1) >= 0) {
      throw new Error(`named mutation ${mutation.id}: expected exactly one match in ${mutation.file} of:\n${from}`);
    }
    const inOriginal = original.indexOf(from);
    // The first character of code, not the indentation before it (that belongs to the enclosing block).
    const indent = from.length - from.trimStart().length;
    if (inOriginal >= 0) firstOffset = Math.min(firstOffset, inOriginal + indent);
    mutated = mutated.slice(0, at) + to + mutated.slice(at + from.length);
  }
  return { mutated, firstOffset: Number.isFinite(firstOffset) ? firstOffset : 0 };
}
