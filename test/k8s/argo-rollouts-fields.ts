// The fields of Argo Rollouts' Rollout and AnalysisTemplate (argoproj.io/v1alpha1) that msa generates, as JSON
// Schemas with additionalProperties: false — kubeconform has no schemas for these CRDs here, so this is the
// structural check: a misspelt or misplaced field fails it. Written from Argo Rollouts' documented spec
// (docs/features/specification.md, canary.md, traffic-management/istio.md, analysis.md and analysis/prometheus.md;
// the Go types of pkg/apis/rollouts/v1alpha1): names, nesting and types of the fields used, nothing more.
// A field msa starts to generate must be added here, from those documents.

const str = { type: "string", minLength: 1 } as const;
const labels = { type: "object", additionalProperties: { type: "string" } } as const;
const objectOf = (properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> => ({
  type: "object",
  additionalProperties: false,
  properties,
  required,
});
const metadata = objectOf({ name: str, namespace: str, labels, annotations: labels }, ["name"]);

/** A canary step: exactly one of setWeight, pause, analysis (Argo's CanaryStep; msa uses no other kind). */
const canaryStep = {
  oneOf: [
    objectOf({ setWeight: { type: "integer", minimum: 0, maximum: 100 } }, ["setWeight"]),
    // pause.duration: a string with a unit (s, m, h) or a number of seconds; msa always gives a duration
    objectOf({ pause: objectOf({ duration: { anyOf: [{ type: "string", pattern: "^[0-9]+(s|m|h)$" }, { type: "integer", minimum: 0 }] } }, ["duration"]) }, ["pause"]),
    objectOf(
      {
        analysis: objectOf(
          {
            templates: { type: "array", minItems: 1, items: objectOf({ templateName: str }, ["templateName"]) },
            args: {
              type: "array",
              items: objectOf(
                {
                  name: str,
                  value: { type: "string" },
                  valueFrom: {
                    oneOf: [
                      objectOf({ podTemplateHashValue: { enum: ["Stable", "Latest"] } }, ["podTemplateHashValue"]),
                      objectOf({ fieldRef: objectOf({ fieldPath: str }, ["fieldPath"]) }, ["fieldRef"]),
                    ],
                  },
                },
                ["name"],
              ),
            },
          },
          ["templates"],
        ),
      },
      ["analysis"],
    ),
  ],
};

export const ROLLOUT_SCHEMA = objectOf(
  {
    apiVersion: { const: "argoproj.io/v1alpha1" },
    kind: { const: "Rollout" },
    metadata,
    spec: objectOf(
      {
        replicas: { type: "integer", minimum: 0 },
        revisionHistoryLimit: { type: "integer", minimum: 0 },
        progressDeadlineSeconds: { type: "integer", minimum: 0 },
        progressDeadlineAbort: { type: "boolean" },
        selector: objectOf({ matchLabels: labels }, ["matchLabels"]),
        workloadRef: objectOf({ apiVersion: str, kind: str, name: str, scaleDown: { enum: ["never", "onsuccess", "progressively"] } }, ["apiVersion", "kind", "name"]),
        strategy: objectOf(
          {
            canary: objectOf(
              {
                stableService: str,
                canaryService: str,
                maxSurge: { anyOf: [{ type: "integer", minimum: 0 }, { type: "string" }] },
                maxUnavailable: { anyOf: [{ type: "integer", minimum: 0 }, { type: "string" }] },
                trafficRouting: objectOf({
                  istio: objectOf(
                    {
                      virtualService: objectOf({ name: str, routes: { type: "array", items: str } }, ["name"]),
                      destinationRule: objectOf({ name: str, canarySubsetName: str, stableSubsetName: str }, ["name", "canarySubsetName", "stableSubsetName"]),
                    },
                    ["virtualService"],
                  ),
                }),
                steps: { type: "array", minItems: 1, items: canaryStep },
              },
              ["steps"],
            ),
          },
          ["canary"],
        ),
      },
      ["strategy"],
    ),
  },
  ["apiVersion", "kind", "metadata", "spec"],
);

export const ANALYSIS_TEMPLATE_SCHEMA = objectOf(
  {
    apiVersion: { const: "argoproj.io/v1alpha1" },
    kind: { const: "AnalysisTemplate" },
    metadata,
    spec: objectOf(
      {
        args: { type: "array", items: objectOf({ name: str, value: { type: "string" } }, ["name"]) },
        metrics: {
          type: "array",
          minItems: 1,
          items: objectOf(
            {
              name: str,
              interval: { type: "string" },
              count: { type: "integer" },
              successCondition: str,
              failureCondition: str,
              failureLimit: { type: "integer", minimum: 0 },
              provider: objectOf({ prometheus: objectOf({ address: { type: "string", pattern: "^https?://" }, query: str }, ["address", "query"]) }, ["prometheus"]),
            },
            ["name", "provider"],
          ),
        },
      },
      ["metrics"],
    ),
  },
  ["apiVersion", "kind", "metadata", "spec"],
);
