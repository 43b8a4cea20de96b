// target: which tables the other commands would use, and where that choice came from.
import type { Command } from "../command";
import { fields } from "../output";

export const targetCommand: Command = {
  name: "target",
  args: "",
  summary: "show the tables and endpoint the other commands use, and where they were found",
  positionals: [0, 0],
  async run(ctx) {
    const target = await ctx.target();
    ctx.out.result(target, () =>
      fields([
        ["found from", target.origin + (target.stack === undefined ? "" : ` ${target.stack}`)],
        ["endpoint", target.endpoint ?? "AWS (standard endpoint)"],
        ["region", target.region ?? "(the SDK's default chain)"],
        ["credentials", target.local ? "dummy (local server)" : "the standard AWS chain"],
        ["config table", target.tables.config],
        ["users table", target.tables.users ?? "(not known)"],
        ["jti table", target.tables.jti ?? "(not known)"],
        ["loopback http", target.allowLoopbackHttp ? "allowed (local)" : "refused (https only)"],
      ]),
    );
  },
};
