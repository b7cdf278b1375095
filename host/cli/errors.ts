/** Bad usage: exit 2 with one sentence on stderr. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A runtime failure the user can act on: exit 1 with one sentence on stderr. */
export class CliError extends Error {
  override name = "CliError";
}
