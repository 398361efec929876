// Reconnect delays of the hardening plan: 1 s, 2 s, 4 s, 8 s (cap), each with jitter so
// that many clients do not reconnect in step after a server restart.
const steps = [1000, 2000, 4000, 8000];

// backoffDelay returns the delay in ms before reconnect attempt n (0-based):
// the step for n plus up to 20% random jitter.
export function backoffDelay(n: number, random: () => number = Math.random): number {
  const base = steps[Math.min(Math.max(n, 0), steps.length - 1)];
  return Math.round(base + base * 0.2 * random());
}
