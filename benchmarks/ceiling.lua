-- wrk script: GET /api/v1/health, the HTTP ceiling of the same server (no database, no auth).

wrk.method = "GET"
wrk.path = "/api/v1/health"

function done(summary, latency, requests)
   io.write(string.format(
      "ASSAY_RESULT {\"requests\": %d, \"seconds\": %.3f, \"socket_errors\": %d, \"non_2xx\": %d, " ..
      "\"p50\": %d, \"p90\": %d, \"p95\": %d, \"p99\": %d, \"max\": %d, \"mean\": %.1f}\n",
      summary.requests, summary.duration / 1e6,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
      summary.errors.status, latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean))
end
