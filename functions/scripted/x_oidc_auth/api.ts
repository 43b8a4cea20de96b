// x_oidc/auth: who the caller is, as the users table and the authorizer know them.
import type { UserDirectory } from "../../users/directory";
import { presentUser } from "../../users/view";
import { defineApi, NotFoundError } from "../framework";

interface AuthApiServices {
  readonly users: Pick<UserDirectory, "get">;
}

export const authApi = defineApi<AuthApiServices>({
  namespace: "x_oidc",
  id: "auth",
  version: "v1",
  description: "The authenticated caller: user record, provider and roles",
  resources: [
    {
      method: "GET",
      path: "/me",
      // The caller\'s own user record: no table ACL governs reading yourself.
      tables: [],
      description:
        "The caller's sys_user record (values as strings, as the Table API shows them), the OIDC provider that " +
        "issued their ID token, and the roles this request was authorized with",
      async handle(request, { users }) {
        const user = await users.get(request.user.sys_id);
        // Deleted since the authorizer looked them up (a race, or a stale authorizer cache).
        if (!user) throw new NotFoundError("No Record found", "The authenticated user no longer exists");
        return {
          user: presentUser(user),
          provider: request.user.provider,
          roles: request.user.roles,
        };
      },
    },
  ],
});
