// The structured JSON logger (Powertools), one per process.
import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({ serviceName: process.env["POWERTOOLS_SERVICE_NAME"] ?? "oidc-auth" });

export type AppLogger = Pick<Logger, "debug" | "info" | "warn" | "error">;
