// How explain's report reads: the token's header and claims, numbered steps, claim rules, provisioning, decision.
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { Decision } from "../functions/authorizer/decision-log";
import { fields } from "./output";

export interface ExplainStep {
  readonly message: string;
  readonly attributes?: Record<string, unknown>;
}

export interface ExplainReport {
  readonly clock: { readonly at: string; readonly pinned: boolean };
  readonly token: {
    readonly header?: { alg?: unknown; kid?: unknown; typ?: unknown };
    readonly claims?: JwtPayload;
  };
  readonly steps: readonly ExplainStep[];
  readonly claimRules: readonly { rule: string; passed: boolean }[];
  /** With --route: whether the provider allows it, and each route rule covering it (roles once the user is known). */
  readonly route?: {
    readonly route: string;
    readonly allowedByProvider: boolean;
    readonly rules: readonly { rule: string; passed: boolean; detail?: string }[];
  };
  readonly user?: { sys_id: string; user_name: string; roles: readonly string[] };
  readonly provisioning?: string;
  readonly notes: readonly string[];
  readonly decision: Omit<Decision, "durationMs" | "storesMs">;
}

/** Claims holding epoch seconds, shown with their time. */
const TIME_CLAIMS = new Set(["exp", "iat", "nbf", "auth_time", "updated_at"]);

export function describeReport(report: ExplainReport): string {
  const { header, claims } = report.token;
  const lines: string[] = [`Clock: ${report.clock.at}${report.clock.pinned ? " (pinned with --at)" : ""}`, ""];
  lines.push("Token header (the token itself is never printed)");
  lines.push(
    header
      ? fields(
          [
            ["fingerprint", report.decision.tokenFingerprint ?? "-"],
            ["alg", String(header.alg ?? "(none)")],
            ["kid", String(header.kid ?? "(none)")],
            ["typ", String(header.typ ?? "(none)")],
          ],
          "  ",
        )
      : "  (not a compact JWS with a JSON header and payload)",
  );
  if (claims) {
    lines.push("", "Claims (as the token states them; trusted only once the signature verifies)");
    lines.push(
      fields(
        Object.entries(claims).map(([name, value]) => [
          name,
          `${JSON.stringify(value)}${TIME_CLAIMS.has(name) && typeof value === "number" ? `  ${new Date(value * 1000).toISOString()}` : ""}`,
        ]),
        "  ",
      ),
    );
  }
  const failed = report.decision.outcome === "deny";
  const steps = report.steps.map((step) => {
    const attributes = Object.entries(step.attributes ?? {}).map(([key, value]) => `${key}: ${String(value)}`);
    return `${step.message}${attributes.length > 0 ? `  (${attributes.join(", ")})` : ""}`;
  });
  if (failed) steps.push(`FAILED ${report.decision.reason}: ${report.decision.detail ?? ""}`.trimEnd());
  const width = String(steps.length).length;
  lines.push("", "Steps", ...steps.map((step, i) => `  ${String(i + 1).padStart(width)}. ${step}`));
  if (report.claimRules.length > 0) {
    lines.push("", "Claim rules");
    lines.push(...report.claimRules.map(({ rule, passed }) => `  ${passed ? "pass" : "FAIL"}  ${rule}`));
  }
  if (report.route !== undefined) {
    const { route, allowedByProvider, rules } = report.route;
    lines.push("", `Route ${route}`);
    lines.push(
      `  ${allowedByProvider ? "pass" : "FAIL"}  the provider's allowed routes${allowedByProvider ? "" : " do not include it"}`,
    );
    lines.push(
      ...rules.map(
        ({ rule, passed, detail }) => `  ${passed ? "pass" : "FAIL"}  rule ${rule}${passed ? "" : `: ${detail ?? ""}`}`,
      ),
    );
    if (rules.length === 0) lines.push("  (no route rule covers it)");
  }
  if (report.provisioning !== undefined) lines.push("", `Provisioning: ${report.provisioning}`);
  if (report.notes.length > 0) lines.push("", ...report.notes.map((note) => `note: ${note}`));
  const { decision, user } = report;
  lines.push(
    "",
    decision.outcome === "allow" && user
      ? `Decision: allow (authenticated) as ${user.user_name}, sys_id ${user.sys_id}, roles ${user.roles.join(",") || "(none)"}, provider ${decision.provider ?? "-"}`
      : `Decision: deny (${decision.reason})${decision.internal ? " [our side failed, not the token]" : ""}: ${decision.detail ?? ""}`,
  );
  return lines.join("\n");
}
