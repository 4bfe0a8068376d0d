// Planner: the node gateway service. (Empty until its issue's work lands.)
import type { Planner } from "./types.js";

export const planNodeGateway: Planner = () => [];
