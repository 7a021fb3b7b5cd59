/**
 * The only time a response keeps: its UTC day (docs/anonymity.md, promise 2). Anything finer could be matched
 * against mail logs or the ticketing system to find who answered.
 */
export function coarsenToDay (at: Date): string {
  return at.toISOString().slice(0, 10)
}
