// Bundles every Lambda (authorizer and backends) with esbuild into dist/, as NodejsFunction will:
// a quick check that each handler bundles and loads, without CDK.
import { mkdirSync, writeFileSync } from "node:fs";
import { build } from "esbuild";
import { AUTHORIZER, BACKENDS } from "../functions/http/routes";
import { lambdaBuildOptions } from "./lambda-bundle";

const functions = [AUTHORIZER, ...Object.values(BACKENDS)];
// The bundles are CommonJS, as in Lambda's asset folders; this project's package.json says "module".
mkdirSync("dist", { recursive: true });
writeFileSync("dist/package.json", '{ "type": "commonjs" }\n');
for (const definition of functions) {
  const result = await build({ ...lambdaBuildOptions(definition.entry), outfile: `dist/${definition.id}/index.js` });
  const bytes = Object.values(result.metafile?.outputs ?? {}).reduce((sum, output) => sum + output.bytes, 0);
  console.log(
    `${definition.id.padEnd(12)} dist/${definition.id}/index.js  ${(bytes / 1024).toFixed(0)} KiB (with map)`,
  );
}
