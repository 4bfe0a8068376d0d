// Planner: Kong DB-less gateway/kong.yml. (Empty until its issue's work lands.)
import type { Planner } from "./types.js";

export const planKong: Planner = () => [];
