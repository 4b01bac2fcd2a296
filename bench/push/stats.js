// Small helpers the push benchmarks share.

/** Milliseconds on the monotonic clock (the same in every process of a run). */
export const now = () => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The p-quantile of the values (nearest rank); NaN when there are none. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export const median = (values) => percentile(values, 0.5);
