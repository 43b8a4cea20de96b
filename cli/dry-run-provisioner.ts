// explain's provisioner: plans the user the authorizer's provisioner would create, with the same transform map and
// checks, by reading only. It never writes: no user, no uniqueness guard, no last_login_time.
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { UserProvisioner } from "../functions/authorizer/authenticate";
import type { ProviderConfig } from "../functions/shared/config-schema";
import { AuthError } from "../functions/shared/errors";
import { planUser } from "../functions/shared/provisioning";
import { parseUserInput, UserInvalidError } from "../functions/shared/user-directory";
import { toUserRecord, type UserRecord, type UserStore } from "../functions/shared/user-store";

export class DryRunProvisioner implements UserProvisioner {
  constructor(private readonly users: UserStore) {}

  async provision(provider: ProviderConfig, claims: JwtPayload, lookupValue: string): Promise<UserRecord | undefined> {
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
    // The same outcomes as UserDirectory.create: the derived sys_id may exist already (an earlier login);
    // a user_name or email held by another user is a conflict.
    const [earlier] = await this.users.findBy("sys_id", plan.sysId);
    if (earlier) return earlier;
    for (const field of ["user_name", "email"] as const) {
      const value = plan.fields[field];
      if (typeof value !== "string") continue;
      const holders = await this.users.findBy(field, value);
      if (holders.some((holder) => holder.sys_id !== plan.sysId)) refuse(`another user has this ${field}`);
    }
    return toUserRecord({ active: true, locked_out: false, ...plan.fields, ...plan.system, sys_id: plan.sysId });
  }

  /** The existing user as is; a refresh on login (updateOnLogin) is not simulated. */
  async onLogin(_provider: ProviderConfig, user: UserRecord): Promise<UserRecord> {
    return user;
  }
}
