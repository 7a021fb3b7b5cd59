/** Time as the service sees it; tests pass their own to drive expiry, reminders and retention. */
export interface Clock {
  now: () => Date
}

/** The wall clock, which the service uses unless a test passes its own. */
export const systemClock: Clock = { now: () => new Date() }
