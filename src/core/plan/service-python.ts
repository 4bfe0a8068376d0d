// Planner: python-flask services. (Empty until its issue's work lands.)
import type { Planner } from "./types.js";

export const planPythonServices: Planner = () => [];
