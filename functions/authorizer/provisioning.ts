// Just-in-time users: the transform map turns a verified token's claims into a sys_user, created
// race-free through the UserDirectory; later logins may refresh it and record last_login_time.
import { hash } from "node:crypto";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { claimAt, emailVerified } from "./claims";
import type { AutoProvision, FieldSource, ProviderConfig } from "../config/schema";
import { AuthError, StoreError } from "../shared/errors";
import type { AppLogger } from "../shared/logger";
import type { UserDirectory } from "../users/directory";
import { IdentityConflictError, UserConflictError, UserInvalidError } from "../users/errors";
import { bindingOf, linkOf, identityKey, type Identity, type UserRecord } from "../users/store";

/** Who the sys_created_by / sys_updated_by fields name for users the authorizer creates or refreshes. */
const PROVISIONING_ACTOR = "oidc.provisioning";
export const LAST_LOGIN_INTERVAL_MS = 60 * 60_000;

interface PlannedUser {
  /** Derived from iss + sub, so concurrent first logins of one person converge on one user. */
  readonly sysId: string;
  readonly fields: Record<string, string | boolean | string[]>;
  readonly system: Record<string, unknown>;
}

export const provisionedSysId = (iss: string, sub: string): string =>
  hash("sha256", `${iss}\n${sub}`, "hex").slice(0, 32);

/** A claim as a field value: scalars as text, arrays of scalars comma-separated (ServiceNow list fields). */
function claimText(claims: JwtPayload, path: string): string | undefined {
  const value = claimAt(claims, path);
  if (typeof value === "string") return value.length > 0 ? value : undefined;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => ["string", "number", "boolean"].includes(typeof item))
  ) {
    return value.join(",");
  }
  return undefined;
}

/** `{given_name} {family_name}`; `{claim|fallback}` uses the fallback text when the claim is missing. */
function renderTemplate(template: string, claims: JwtPayload): string | undefined {
  let missing = false;
  const rendered = template.replace(/\{([^{}|]+)(?:\|([^{}]*))?\}/g, (_, path: string, fallback?: string) => {
    const value = claimText(claims, path.trim()) ?? fallback;
    if (value === undefined) missing = true;
    return value ?? "";
  });
  return missing ? undefined : rendered;
}

function resolveSource(source: FieldSource, claims: JwtPayload): string | undefined {
  if (typeof source === "string") return claimText(claims, source);
  if ("value" in source) return String(source.value);
  if ("template" in source) return renderTemplate(source.template, claims) ?? source.default;
  const paths = Array.isArray(source.claim) ? source.claim : [source.claim];
  for (const path of paths) {
    const value = claimText(claims, path);
    if (value !== undefined) return value;
  }
  return source.default === undefined ? undefined : String(source.default);
}

/** Default roles plus every role mapping whose claim has (or is) the mapped value. */
function claimDerivedRoles(settings: AutoProvision, claims: JwtPayload): string[] {
  const roles = new Set(settings.defaultRoles);
  for (const mapping of settings.roleMappings) {
    const value = claimAt(claims, mapping.claim);
    const values = Array.isArray(value) ? value : [value];
    if (values.some((item) => item === mapping.value)) for (const role of mapping.roles) roles.add(role);
  }
  return [...roles].sort();
}

/**
 * The user a verified token describes. The lookup field always gets the user claim's value, so the
 * next request finds the user it just created. Throws AuthError `provisioning_failed` with the reason.
 */
export function planUser(provider: ProviderConfig, claims: JwtPayload, lookupValue: string): PlannedUser {
  const settings = provider.autoProvision;
  const refuse = (why: string): never => {
    throw new AuthError("provisioning_failed", `provider ${provider.name}: ${why}`);
  };
  if (provider.userField === "sys_id") refuse("users looked up by sys_id cannot be provisioned");
  const { iss, sub } = claims;
  if (typeof iss !== "string" || typeof sub !== "string") return refuse("token has no iss/sub");

  const fields: Record<string, string | boolean | string[]> = {};
  for (const [target, source] of Object.entries(settings.transformMap)) {
    const value = resolveSource(source, claims);
    if (value !== undefined) fields[target] = value;
  }
  fields[provider.userField] = lookupValue;
  // An unverified address would claim the email's uniqueness guard, locking its real owner out.
  if (settings.requireVerifiedEmail && fields["email"] !== undefined && !emailVerified(provider, claims)) {
    refuse("the user would get an email, and email_verified is not true (autoProvision.requireVerifiedEmail)");
  }
  const roles = claimDerivedRoles(settings, claims);
  fields["roles"] = roles;
  return {
    sysId: provisionedSysId(iss, sub),
    fields,
    system: {
      source: `oidc:${provider.name}`,
      oidc_provider: provider.name,
      oidc_issuer: iss,
      oidc_subject: sub,
      // Which roles came from claims, so a later refresh replaces these and keeps the admin's own.
      oidc_roles: roles,
    },
  };
}

/** What a sign-in that found `user` by the user claim does with the token's identity. */
type BindingStep = "use" | "bind" | "link" | "conflict";

/**
 * OIDC Core 5.7: only iss + sub identify a person. A user bound to the token's identity (or linked to
 * it) is used; an unbound one is bound to it (the first verified sign-in wins); a user bound to another
 * identity is a conflict, unless this provider may deliberately link to users of that one's provider
 * and has not linked this user to another of its identities yet.
 */
export function bindingStep(provider: ProviderConfig, user: UserRecord, identity: Identity): BindingStep {
  const binding = bindingOf(user, identity);
  if (binding === "same") return user["oidc_identity"] === identityKey(identity) ? "use" : "bind";
  if (binding === "unbound") return "bind";
  // A link counts only while this provider may link to the user's provider: switching linking off revokes it.
  const boundProvider = user["oidc_provider"];
  if (typeof boundProvider !== "string" || !provider.linkToProviders.includes(boundProvider)) return "conflict";
  if (binding === "linked") return "use";
  return linkOf(user, provider.name) === undefined ? "link" : "conflict";
}

/** Field changes a fresh token asks for; roles recomputed as (current - previous claim roles) + new ones. */
function refreshChanges(user: UserRecord, plan: PlannedUser): Record<string, unknown> | undefined {
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(plan.fields)) {
    if (field !== "roles" && user[field] !== value) changes[field] = value;
  }
  const previous = new Set(Array.isArray(user["oidc_roles"]) ? (user["oidc_roles"] as string[]) : []);
  const fresh = plan.fields["roles"] as string[];
  const roles = [...new Set([...user.roles.filter((role) => !previous.has(role)), ...fresh])].sort();
  if (roles.join() !== [...user.roles].sort().join()) changes["roles"] = roles;
  return Object.keys(changes).length > 0 ? changes : undefined;
}

export class DirectoryProvisioner {
  constructor(
    private readonly directory: UserDirectory,
    private readonly logger: AppLogger,
    private readonly lastLoginIntervalMs = LAST_LOGIN_INTERVAL_MS,
  ) {}

  async provision(
    provider: ProviderConfig,
    claims: JwtPayload,
    lookupValue: string,
    identity: Identity,
  ): Promise<UserRecord | undefined> {
    if (!provider.autoProvision.enabled) return undefined;
    const plan = planUser(provider, claims, lookupValue);
    try {
      return await this.directory.create(plan.fields, {
        by: PROVISIONING_ACTOR,
        sysId: plan.sysId,
        system: plan.system,
        identity,
        loggedIn: true,
      });
    } catch (error) {
      throw this.asAuthError(error, provider);
    }
  }

  /** The user the user claim found, bound to (or linked with) the token's identity, or an identity_conflict. */
  async bind(provider: ProviderConfig, user: UserRecord, identity: Identity): Promise<UserRecord> {
    try {
      switch (bindingStep(provider, user, identity)) {
        case "use":
          return user;
        case "bind":
          return await this.directory.bind(user, identity, { by: PROVISIONING_ACTOR });
        case "link":
          return await this.directory.link(user, identity, { by: PROVISIONING_ACTOR });
        case "conflict":
          throw new IdentityConflictError(
            "the user claim matches a user bound to another identity",
            typeof user["oidc_provider"] === "string" ? user["oidc_provider"] : undefined,
            user.sys_id,
          );
      }
    } catch (error) {
      throw this.asAuthError(error, provider);
    }
  }

  /**
   * After a successful sign-in: refresh from the token when configured (only for the identity the user is
   * bound to, never through a link), and keep last_login_time current. Never throws for data reasons.
   */
  async onLogin(
    provider: ProviderConfig,
    user: UserRecord,
    claims: JwtPayload,
    lookupValue: string,
    identity: Identity,
  ): Promise<UserRecord> {
    let current = user;
    const settings = provider.autoProvision;
    // Only users this provider created, signing in as the identity they are bound to: never an
    // admin's user that an identity merely bound to, never through a link.
    const provisionedHere = user["source"] === `oidc:${provider.name}` && bindingOf(user, identity) === "same";
    if (settings.enabled && settings.updateOnLogin && provisionedHere) {
      const plan = planUser(provider, claims, lookupValue);
      const changes = refreshChanges(user, plan);
      if (changes) {
        try {
          current = await this.directory.update(user.sys_id, changes, {
            by: PROVISIONING_ACTOR,
            system: { oidc_roles: plan.system["oidc_roles"] },
          });
        } catch (error) {
          // The user was found and may sign in as they are; a refresh that cannot apply is logged, not fatal.
          this.logger.warn("user not refreshed from claims", {
            sys_id: user.sys_id,
            error: this.asAuthError(error, provider),
          });
        }
      }
    }
    await this.recordLogin(current);
    return current;
  }

  /** At most one write per user per interval; a failure here never denies a login. */
  private async recordLogin(user: UserRecord): Promise<void> {
    try {
      await this.directory.touchLastLogin(user, this.lastLoginIntervalMs);
    } catch (error) {
      this.logger.warn("last_login_time not updated", { sys_id: user.sys_id, error });
    }
  }

  /** A directory error as the authorizer's reason; an identity conflict also gets its own line, naming both providers. */
  private asAuthError(error: unknown, provider: ProviderConfig): AuthError {
    if (error instanceof IdentityConflictError) {
      this.logger.warn("identity conflict", {
        provider: provider.name,
        boundProvider: error.boundProvider,
        userSysId: error.userSysId,
        reason: error.message,
      });
    }
    return asAuthError(error, provider);
  }
}

export function asAuthError(error: unknown, provider: ProviderConfig): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof IdentityConflictError) {
    return new AuthError(
      "identity_conflict",
      `provider ${provider.name}: ${error.message} (bound provider: ${error.boundProvider ?? "unknown"})`,
      { cause: error },
    );
  }
  if (error instanceof UserConflictError) {
    return new AuthError("provisioning_failed", `provider ${provider.name}: another user has this ${error.field}`, {
      cause: error,
    });
  }
  if (error instanceof UserInvalidError) {
    return new AuthError(
      "provisioning_failed",
      `provider ${provider.name}: transform map gives an invalid user: ${error.message}`,
      { cause: error },
    );
  }
  if (error instanceof StoreError) return new AuthError("user_store_error", error.message, { cause: error.cause });
  return new AuthError("internal_error", error instanceof Error ? error.message : String(error), { cause: error });
}
