// Rules about `observability:` (docs/observability.md): a sampling ratio means something only to a ratio sampler.
import type { Rule } from "./types.js";

export const observabilitySamplerRatio: Rule = {
  id: "observability-sampler-ratio",
  severity: "error",
  summary: "observability.tracing.ratio goes with a traceidratio sampler",
  check({ model, at }) {
    const { sampler, ratio } = model.tracing;
    if (ratio === null || sampler === null || sampler.endsWith("traceidratio")) return [];
    return [
      at(
        ["observability", "tracing", "ratio"],
        `observability.tracing.ratio ${ratio} is ignored by sampler ${sampler} (only traceidratio samplers read OTEL_TRACES_SAMPLER_ARG); set sampler: parentbased_traceidratio (or leave sampler out: a ratio alone chooses it), or remove ratio`,
      ),
    ];
  },
};
