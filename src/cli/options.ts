// Flags shared by many commands, declared once.
import { Option, type Command } from "commander";
import { UsageError } from "../core/diagnostics.js";

export interface CommonOptions {
  file?: string;
  format: "text" | "json" | "github";
}

export function withFileOption(cmd: Command): Command {
  return cmd.option("-f, --file <path>", "system.yaml to use (default: ./system.yaml or the nearest parent's)");
}

export function withFormatOption(cmd: Command, formats: string[] = ["text", "json"]): Command {
  return cmd.addOption(new Option("--format <format>", "output format").choices(formats).default("text"));
}

/** Collects a repeatable flag: --x a --x b → [a, b]. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Commander's parseInt for options, with a usage error instead of NaN. */
export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not "${value}"`);
    return n;
  };
}
