// Rules about broker.retry and broker.kafka (docs/messaging.md): a backoff that cannot grow, and Kafka settings
// that nothing reads.
import type { RawMap, Rule } from "./types.js";

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

export const brokerRetryDelays: Rule = {
  id: "broker-retry-delays",
  severity: "error",
  summary: "broker.retry.maxDelay is at least broker.retry.initialDelay",
  check({ model, data, at }) {
    const { initialDelayMs, maxDelayMs } = model.broker.retry;
    if (maxDelayMs >= initialDelayMs) return [];
    const retry = ((data.broker as RawMap | undefined)?.retry ?? {}) as RawMap;
    const where = retry.maxDelay !== undefined ? "maxDelay" : "initialDelay";
    return [
      at(
        ["broker", "retry", where],
        `broker.retry.maxDelay (${seconds(maxDelayMs)}${retry.maxDelay === undefined ? ", the default" : ""}) is shorter than initialDelay (${seconds(initialDelayMs)}): ` +
          `the backoff could never grow; set maxDelay to ${seconds(initialDelayMs)} or more`,
        { key: true },
      ),
    ];
  },
};

export const brokerKafkaUnused: Rule = {
  id: "broker-kafka-unused",
  severity: "warning",
  summary: "broker.kafka is declared only with broker kind kafka",
  check({ model, data, at }) {
    const broker = data.broker as RawMap | undefined;
    if (model.broker.kind === "kafka" || broker?.kafka === undefined) return [];
    return [at(["broker", "kafka"], `broker.kafka has no effect with broker kind ${model.broker.kind}; remove it (or set kind: kafka)`, { key: true, severity: "warning" })];
  },
};
