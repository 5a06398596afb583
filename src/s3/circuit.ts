export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  /** Consecutive connection failures that open the circuit. */
  failures: number;
  /** How long an open circuit refuses before one probe is let through. */
  cooldownMs: number;
  now?: () => number;
  onChange?: (state: CircuitState) => void;
}

/**
 * A tenant's circuit breaker. After `failures` consecutive requests that could not reach the
 * endpoint, the circuit opens: requests are refused at once for the cool-down. Then one request (the
 * probe) goes through: an answer of any kind closes the circuit, another connection failure opens it
 * again. Answers, even errors, prove the endpoint reachable and reset the count.
 */
export class Circuit {
  #state: CircuitState = 'closed';
  #failures = 0;
  #openUntil = 0;
  #probing = false;

  constructor(private readonly opts: CircuitOptions) {}

  get state(): CircuitState {
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Seconds until a probe may go, when the circuit refuses; undefined when it admits (and whether as the probe). */
  admit(): { refusedForSeconds: number } | { probe: boolean } {
    if (this.#state === 'closed') return { probe: false };
    const now = this.#now();
    if (this.#state === 'open' && now >= this.#openUntil) this.#set('half-open');
    if (this.#state === 'half-open' && !this.#probing) {
      this.#probing = true;
      return { probe: true };
    }
    return { refusedForSeconds: Math.max(1, Math.ceil((this.#openUntil - now) / 1000)) };
  }

  /** The outcome of one S3 request: reached (any HTTP answer) or not. */
  record(reached: boolean): void {
    if (reached) {
      this.#failures = 0;
      this.#probing = false;
      if (this.#state !== 'closed') this.#set('closed');
      return;
    }
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.opts.failures) {
      this.#openUntil = this.#now() + this.opts.cooldownMs;
      this.#probing = false;
      if (this.#state !== 'open') this.#set('open');
    }
  }

  /** The probe ended without an S3 request (refused before reaching S3): let another request probe. */
  probeEnded(): void {
    if (this.#state === 'half-open') this.#probing = false;
  }

  #now() {
    return (this.opts.now ?? Date.now)();
  }

  #set(state: CircuitState) {
    this.#state = state;
    this.opts.onChange?.(state);
  }
}
