// Lambda for the x_oidc/auth scripted API (/api/x_oidc/auth/me, /api/x_oidc/v1/auth/me).
import { createConfigReader, TableAccess } from "../../config/table-access";
import { systemClock } from "../../shared/clock";
import { createDocumentClient } from "../../shared/dynamo";
import { tableNames } from "../../shared/env";
import { withLambdaContext } from "../../shared/lambda-context";
import { logger } from "../../shared/logger";
import { UserDirectory } from "../../users/directory";
import { serveApi } from "../framework";
import { authApi } from "./api";

const tables = tableNames(["config", "users"]);
const client = createDocumentClient();

export const handler = withLambdaContext(
  serveApi(
    authApi,
    { users: new UserDirectory(client, tables.users, systemClock) },
    { logger, access: new TableAccess(createConfigReader({ client, configTable: tables.config, logger })) },
  ),
);
