// user show|unbind: a user's identity binding (the issuer + subject that signs in as them), and taking it away.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock } from "../../functions/shared/clock";
import { UserDirectory } from "../../functions/users/directory";
import { UserConflictError, UserNotFoundError } from "../../functions/users/errors";
import { boundIdentity, DynamoUserStore, linksOf, type UserRecord } from "../../functions/users/store";
import { positional, type Command } from "../command";
import type { CommandContext } from "../context";
import { CliError } from "../errors";
import { fields, formatValue, printable } from "../output";
import { requireTable } from "../target";

/** sys_updated_by of the CLI's writes, so the user's history says an admin did it, not a sign-in. */
const ADMIN_ACTOR = "oidc-admin";

interface UserBinding {
  /** The identity the user is bound to; absent only for a user left with links alone (not written by sign-in). */
  readonly issuer?: string;
  readonly subject?: string;
  readonly provider?: string;
  /** Further identities linked to the user, by provider (linkToProviders). */
  readonly links: Readonly<Record<string, { readonly issuer: string; readonly subject: string }>>;
}

/** The user's binding and links as stored, or undefined when they have neither. */
function bindingOfUser(user: UserRecord): UserBinding | undefined {
  const bound = boundIdentity(user);
  const links = Object.fromEntries(
    Object.entries(linksOf(user)).map(([provider, link]) => [provider, { issuer: link.issuer, subject: link.subject }]),
  );
  if (!bound && Object.keys(links).length === 0) return undefined;
  const provider = user["oidc_provider"];
  return { ...bound, ...(bound && typeof provider === "string" && { provider }), links };
}

interface Users {
  readonly directory: UserDirectory;
  /** The user named by sys_id or, failing that, by exact user_name; read consistently. */
  find(reference: string): Promise<UserRecord>;
}

async function usersTable(ctx: CommandContext, command: Command): Promise<Users> {
  const table = requireTable(await ctx.target(), "users", command.name);
  const { doc } = await ctx.dynamo();
  const directory = new UserDirectory(doc, table, systemClock);
  return { directory, find: (reference) => findUser(doc, table, directory, reference) };
}

async function findUser(
  doc: DynamoDBDocumentClient,
  table: string,
  directory: UserDirectory,
  reference: string,
): Promise<UserRecord> {
  const bySysId = await directory.get(reference);
  if (bySysId) return bySysId;
  const named = await new DynamoUserStore(doc, table).findBy("user_name", reference);
  if (named.length > 1) {
    throw new CliError("conflict", `several users have user_name ${reference}: name one by sys_id`, {
      problems: named.map((user) => user.sys_id),
    });
  }
  // The index may lag behind the table: the item itself, read consistently, is the user.
  const user = named[0] && (await directory.get(named[0].sys_id));
  if (!user) throw new CliError("not_found", `no user with sys_id or user_name ${reference}`);
  return user;
}

/** The binding as lines; issuer and subject came from tokens, so they are cut and escaped for the terminal. */
function describeBinding(binding: UserBinding | undefined): [string, string][] {
  if (!binding) return [["identity", "(not bound: the next verified sign-in the user claim matches binds it)"]];
  const pairs: [string, string][] = [];
  if (binding.issuer !== undefined && binding.subject !== undefined) {
    pairs.push(
      ["issuer", printable(binding.issuer)],
      ["subject", printable(binding.subject)],
      ["provider", binding.provider ?? "(not recorded)"],
    );
  }
  const links = Object.entries(binding.links);
  const linked = links.map(([provider, link]) => `${provider}: ${printable(link.issuer)} ${printable(link.subject)}`);
  pairs.push(["linked", linked.length === 0 ? "(none)" : linked.join("\n")]);
  return pairs;
}

const show: Command = {
  name: "user show",
  args: "<sys_id|user_name>",
  summary: "one user's name, state and identity binding (issuer, subject, provider, linked identities)",
  positionals: [1, 1],
  async run(ctx, input) {
    const reference = positional(input, 0, "<sys_id|user_name>", show);
    const user = await (await usersTable(ctx, show)).find(reference);
    const binding = bindingOfUser(user);
    const summary = {
      sys_id: user.sys_id,
      user_name: user.user_name,
      email: user["email"],
      active: user.active,
      locked_out: user.locked_out,
      roles: user.roles,
    };
    ctx.out.result({ user: summary, binding: binding ?? null }, () =>
      fields([
        ...Object.entries(summary).map(([field, value]): [string, string] => [field, formatValue(value)]),
        ...describeBinding(binding),
      ]),
    );
  },
};

const unbind: Command = {
  name: "user unbind",
  args: "<sys_id|user_name>",
  summary:
    "remove a user's identity binding and links (e.g. they moved to another IdP): the next verified sign-in " +
    "that the user claim matches binds them anew",
  positionals: [1, 1],
  async run(ctx, input) {
    const reference = positional(input, 0, "<sys_id|user_name>", unbind);
    const users = await usersTable(ctx, unbind);
    const user = await users.find(reference);
    const removed = bindingOfUser(user);
    try {
      await users.directory.unbind(user.sys_id, { by: ADMIN_ACTOR });
    } catch (error) {
      if (error instanceof UserNotFoundError)
        throw new CliError("not_found", `user ${user.sys_id} was deleted meanwhile`);
      // The write is conditional on the version read: a sign-in or an edit came first.
      if (error instanceof UserConflictError)
        throw new CliError("conflict", `user ${user.sys_id} changed meanwhile: run it again`);
      throw error;
    }
    const who = `user ${user.user_name} (sys_id ${user.sys_id})`;
    ctx.out.result({ sys_id: user.sys_id, user_name: user.user_name, removed: removed ?? null }, () =>
      removed
        ? `${who} unbound; removed:\n${fields(describeBinding(removed), "  ")}`
        : `${who} was not bound: nothing to remove`,
    );
  },
};

export const USER_COMMANDS: readonly Command[] = [show, unbind];
