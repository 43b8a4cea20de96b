// explain's provisioner: plans the user the authorizer's provisioner would create, with the same transform map and
// checks, by reading only. It never writes: no user, no uniqueness guard, no last_login_time.
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { UserProvisioner } from "../functions/authorizer/authenticate";
import type { ProviderConfig } from "../functions/config/schema";
import { AuthError } from "../functions/shared/errors";
import { asAuthError, bindingStep, planUser } from "../functions/authorizer/provisioning";
import { IdentityConflictError, UserInvalidError } from "../functions/users/errors";
import { parseUserInput } from "../functions/users/input";
import { bindingOf, toUserRecord, type Identity, type UserRecord, type UserStore } from "../functions/users/store";

export class DryRunProvisioner implements UserProvisioner {
  constructor(private readonly users: UserStore) {}

  async provision(
    provider: ProviderConfig,
    claims: JwtPayload,
    lookupValue: string,
    identity: Identity,
  ): Promise<UserRecord | undefined> {
    if (!provider.autoProvision.enabled) return undefined;
    const plan = planUser(provider, claims, lookupValue);
    const refuse = (why: string, cause?: unknown): never => {
      throw new AuthError("provisioning_failed", `provider ${provider.name}: ${why}`, { cause });
    };
    try {
      parseUserInput(plan.fields);
    } catch (error) {
      if (error instanceof UserInvalidError) refuse(`transform map gives an invalid user: ${error.message}`, error);
      throw error;
    }
    // The same outcomes as UserDirectory.create: the derived sys_id may exist already (an earlier login
    // of the same identity, or a conflict); a user_name or email held by another user is a conflict.
    const [earlier] = await this.users.findBy("sys_id", plan.sysId);
    if (earlier && bindingOf(earlier, identity) === "same") return earlier;
    if (earlier)
      throw asAuthError(
        new IdentityConflictError(
          "the derived sys_id belongs to a user bound to another identity",
          undefined,
          earlier.sys_id,
        ),
        provider,
      );
    for (const field of ["user_name", "email"] as const) {
      const value = plan.fields[field];
      if (typeof value !== "string") continue;
      const holders = await this.users.findBy(field, value);
      if (holders.some((holder) => holder.sys_id !== plan.sysId)) refuse(`another user has this ${field}`);
    }
    return toUserRecord({ active: true, locked_out: false, ...plan.fields, ...plan.system, sys_id: plan.sysId });
  }

  /** What binding would do, without writing: the user as it would be, or identity_conflict. */
  async bind(provider: ProviderConfig, user: UserRecord, identity: Identity): Promise<UserRecord> {
    const step = bindingStep(provider, user, identity);
    if (step === "conflict") {
      const bound = typeof user["oidc_provider"] === "string" ? user["oidc_provider"] : undefined;
      throw asAuthError(
        new IdentityConflictError("the user claim matches a user bound to another identity", bound, user.sys_id),
        provider,
      );
    }
    if (step !== "bind") return user;
    return toUserRecord({
      ...user,
      oidc_issuer: identity.issuer,
      oidc_subject: identity.subject,
      oidc_provider: identity.provider,
    });
  }

  /** The existing user as is; a refresh on login (updateOnLogin) is not simulated. */
  async onLogin(_provider: ProviderConfig, user: UserRecord): Promise<UserRecord> {
    return user;
  }
}
