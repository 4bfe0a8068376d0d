// Planner: node-express services. (Empty until its issue's work lands.)
import type { Planner } from "./types.js";

export const planNodeServices: Planner = () => [];
