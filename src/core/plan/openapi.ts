// Planner: the OpenAPI 3.1 documents of the REST contracts (docs/rest-contracts.md): services/<context>/openapi.yaml
// for each context that serves an api, and openapi.yaml for the gateway's public surface. The documents are
// built in src/core/api/openapi.ts (also what `msa validate` compares with the previous contract).
import { contextOpenApi, contextOpenApiPath, gatewayOpenApi, GATEWAY_OPENAPI_PATH } from "../api/openapi.js";
import { lazyFile, type PlannedFile, type Planner } from "./types.js";

export const planOpenApi: Planner = (model, render) => {
  const files: PlannedFile[] = model.contexts
    .filter((c) => c.api.length)
    .map((c) =>
      lazyFile({ path: contextOpenApiPath(c.name), owner: "generated", context: c.name }, () =>
        render("openapi/openapi.yaml", { doc: contextOpenApi(model, c), about: `the endpoints ${c.name} serves, at its own paths` }),
      ),
    );
  const gateway = gatewayOpenApi(model);
  if (gateway) files.push({ path: GATEWAY_OPENAPI_PATH, owner: "generated", content: render("openapi/openapi.yaml", { doc: gateway, about: "the public API through the gateway" }) });
  return files;
};
