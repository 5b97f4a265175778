/** The one error of @medslim/config. */

/** A configuration value is missing or malformed. `variable` names where it was read from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** The environment variable (or `SST link <Name>.<property>`) that holds the bad value. */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}
