/** How long a signed archive link works, in days: the default, and the most a deployment may set. */
export const DEFAULT_LINK_TTL_DAYS = 90;
export const MAX_LINK_TTL_DAYS = 366;
