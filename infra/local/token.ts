// `npm run -s token -- <login>`: a real ID token from the running local OpenID provider, on stdout alone.
import { fetchIdToken } from "./token-flow";
import { LOCAL_STATE_FILE, readLocalState } from "./state";

const login = process.argv[2];
if (!login || process.argv.length > 3) {
  process.stderr.write("usage: npm run -s token -- <login>   (e.g. alice, admin, or anyone)\n");
  process.exit(2);
}
const state = readLocalState(process.env["LOCAL_STATE_FILE"] ?? LOCAL_STATE_FILE);
if (!state) {
  process.stderr.write("No local stack is running: start it with `npm start` in another terminal.\n");
  process.exit(1);
}
try {
  process.stdout.write(`${await fetchIdToken(state.issuer, login)}\n`);
} catch (error) {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
