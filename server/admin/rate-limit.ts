/**
 * Failed sign-ins per client address in a fixed window: past `maxFailures`, the address is refused until
 * its window ends, so guessing the admin token takes forever. Memory is bounded: at `maxTracked`
 * addresses the oldest is forgotten.
 */
export interface FailureLimitOptions {
  maxFailures: number
  windowMs: number
  maxTracked: number
  now?: () => number
}

export class FailureLimit {
  private readonly failures = new Map<string, { count: number; since: number }>()
  private readonly now: () => number

  constructor(private readonly options: FailureLimitOptions) {
    this.now = options.now ?? Date.now
  }

  /** Seconds until `address` may try again; 0 when it may now. */
  retryAfter(address: string): number {
    const entry = this.failures.get(address)
    if (!entry) return 0
    const ends = entry.since + this.options.windowMs
    if (ends <= this.now()) {
      this.failures.delete(address)
      return 0
    }
    return entry.count >= this.options.maxFailures ? Math.ceil((ends - this.now()) / 1000) : 0
  }

  fail(address: string): void {
    const now = this.now()
    const entry = this.failures.get(address)
    if (entry && entry.since + this.options.windowMs > now) {
      entry.count++
      return
    }
    this.failures.delete(address)
    // Maps iterate in insertion order: the first key is the address tracked longest.
    if (this.failures.size >= this.options.maxTracked) this.failures.delete(this.failures.keys().next().value as string)
    this.failures.set(address, { count: 1, since: now })
  }

  succeed(address: string): void {
    this.failures.delete(address)
  }
}
