// The rule registry: `msa validate` runs these in order; `msa validate --list-rules` prints them.
import { apiDuplicate, apiParams, apiQuery, apiRequestMethod, apiResponseStatus, apiRoute, apiSchema } from "./api.js";
import { bffCompose, bffName, callBulkhead } from "./bff.js";
import { brokerKafkaUnused, brokerRetryDelays } from "./broker.js";
import { devDatabase } from "./dev.js";
import { callsCycle } from "./cycles.js";
import { eventCompatibility } from "./event-compatibility.js";
import { eventConsumerVersion } from "./event-consumer-version.js";
import { environmentNamespaceUnique } from "./environments.js";
import { esDatabase, esEvents, esRuntime, readModelName, readModelSource } from "./event-sourcing.js";
import { eventSchema, eventUnconsumed } from "./events.js";
import { nameFormat, nameReserved } from "./names.js";
import { databaseShared, eventPublisher } from "./ownership.js";
import { portMeshReserved, portRange, portUnique } from "./ports.js";
import { refContext, refEvent } from "./references.js";
import { routeDuplicate, routePath } from "./routes.js";
import { deployStrategy, discoverySupport, routeSplit, routeTarget } from "./progressive.js";
import { gatewayJwks, gatewayRateLimitStore } from "./gateway.js";
import { grpcCallee, grpcName, grpcPort, grpcSchema } from "./grpc.js";
import { runtimeSupport } from "./runtime-support.js";
import { observabilitySamplerRatio } from "./observability.js";
import { sagaOrchestratorLocalState, sagaOrchestratorStore } from "./sagas.js";
import type { Rule } from "./types.js";
import { callTimeout, contextIsolated, gatewayRoutesUnused } from "./warnings.js";

export const RULES: readonly Rule[] = [
  nameFormat,
  nameReserved,
  refContext,
  refEvent,
  eventPublisher,
  databaseShared,
  portRange,
  portUnique,
  portMeshReserved,
  environmentNamespaceUnique,
  routePath,
  routeDuplicate,
  routeTarget,
  routeSplit,
  deployStrategy,
  discoverySupport,
  apiRoute,
  apiDuplicate,
  apiRequestMethod,
  apiResponseStatus,
  apiParams,
  apiQuery,
  apiSchema,
  callsCycle,
  eventSchema,
  eventCompatibility,
  eventConsumerVersion,
  eventUnconsumed,
  contextIsolated,
  callTimeout,
  gatewayRoutesUnused,
  gatewayRateLimitStore,
  gatewayJwks,
  runtimeSupport,
  sagaOrchestratorStore,
  sagaOrchestratorLocalState,
  observabilitySamplerRatio,
  brokerRetryDelays,
  brokerKafkaUnused,
  callBulkhead,
  bffName,
  bffCompose,
  devDatabase,
  esDatabase,
  esEvents,
  readModelName,
  readModelSource,
  esRuntime,
  grpcCallee,
  grpcName,
  grpcSchema,
  grpcPort,
];
