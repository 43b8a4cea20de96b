#!/usr/bin/env node
// The admin CLI's executable: loads the TypeScript sources through tsx, runs main, exits with its code.
import { register } from "tsx/esm/api";

// Node 20 runs this tool as well as Node 22; the AWS SDK's notice about future versions is not news here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../cli/main.ts");
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  // `npm run admin` runs in the package root; INIT_CWD is where the operator typed it, so relative paths work.
  cwd: process.env.INIT_CWD ?? process.cwd(),
});
// Exit now: keep-alive sockets of the AWS SDK or fetch would otherwise hold the process open for seconds.
process.exit(code);
