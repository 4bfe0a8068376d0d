// Input limits, in a module with no dependencies so light commands can check them without loading yaml.

/** Larger system.yaml files are refused before parsing: a system of a thousand contexts is well under this. */
export const MAX_SYSTEM_FILE_BYTES = 4 * 1024 * 1024;
