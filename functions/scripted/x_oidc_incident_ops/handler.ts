// Lambda for the x_oidc/incident_ops scripted API (/api/x_oidc/incident_ops/..., /api/x_oidc/v1/incident_ops/...).
import { systemClock } from "../../shared/clock";
import { createDocumentClient } from "../../shared/dynamo";
import { tableNames } from "../../shared/env";
import { withLambdaContext } from "../../shared/lambda-context";
import { logger } from "../../shared/logger";
import { RecordsStore } from "../../records/store";
import { serveApi } from "../framework";
import { incidentOpsApi } from "./api";

const tables = tableNames(["records"]);

export const handler = withLambdaContext(
  serveApi(
    incidentOpsApi,
    { records: new RecordsStore(createDocumentClient(), tables.records, systemClock), clock: systemClock },
    logger,
  ),
);
